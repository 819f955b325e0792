"""Loading subjects through the real command, ``chengxin subjects import FILE --json``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from common import BENCH_VAR, CHENGXIN, Target, json_summary, log, run_measured
from dataset import DataSet

IMPORT_TIMEOUT_S = 1800.0


@dataclass
class ImportRun:
    file: str
    rows: int
    wall_s: float
    rows_per_s: float
    max_rss_mib: float
    cpu_s: float
    summary: dict[str, object]
    subjects_before: int


@dataclass
class LoadResult:
    engine: str
    runs: list[ImportRun] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return sum(r.wall_s for r in self.runs)

    @property
    def total_rows(self) -> int:
        return sum(r.rows for r in self.runs)


class ImportFailed(RuntimeError):
    pass


def maintain(target: Target) -> float:
    """``chengxin db maintain`` after the bulk load, as the operations guide tells an operator to
    (VACUUM ANALYZE on PostgreSQL, ANALYZE on SQLite); returns its wall time in seconds."""
    res = run_measured([str(CHENGXIN), "db", "maintain"], env=target.env(), cwd=target.var_dir,
                       log_dir=BENCH_VAR / "logs", name=f"maintain-{target.engine}", timeout_s=IMPORT_TIMEOUT_S)
    if res.returncode != 0:
        raise ImportFailed(f"chengxin db maintain exited {res.returncode}")
    return res.wall_s


SUBJECT_TABLES = ("subjects", "subject_roles")
# what a check reads or writes besides the subjects: a running server's are in memory (the audit log's
# unique hash index takes a random page per entry — read from disk after other work evicted it)
CHECK_TABLES = ("subjects", "evaluations", "list_entries", "api_tokens", "catalog_versions", "standing_changes",
                "checks", "audit_entries")


def warm_cache(target: Target, tables: tuple[str, ...] = SUBJECT_TABLES) -> float:
    """Read ``tables`` (default: the subjects') and their indexes once, so the HTTP benchmarks measure a running server
    (whose working set is in memory), not the first reads of pages the load or other benchmarks
    pushed out of the cache: PostgreSQL ``pg_prewarm`` (production keeps it with autoprewarm, see
    docs/operations.md), SQLite the database file through the OS cache. Returns the seconds it took."""
    start = time.perf_counter()
    url = make_url(target.url)
    if target.engine == "postgresql":
        import psycopg

        url = url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            conn.execute("""SELECT pg_prewarm(c.oid) FROM pg_class c
                            WHERE c.oid = ANY(%(t)s::regclass[])
                               OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%(t)s::regclass[]))""",
                         {"t": list(tables)})
    else:
        with Path(str(url.database)).open("rb") as fh:
            while fh.read(1 << 22):
                pass
    return time.perf_counter() - start


def import_file(target: Target, path: Path, *, subjects_before: int) -> ImportRun:
    """One ``chengxin subjects import`` subprocess; fails loudly unless every row was inserted."""
    argv = [str(CHENGXIN), "subjects", "import", str(path), "--json"]
    result = run_measured(argv, env=target.env(), cwd=target.var_dir, log_dir=BENCH_VAR / "logs",
                          name=f"import-{target.engine}-{path.stem}", timeout_s=IMPORT_TIMEOUT_S)
    summary = json_summary(result, ImportFailed)
    rows = int(summary["rows"])
    if summary.get("inserted") != rows or summary.get("rejected"):
        raise ImportFailed(f"{path.name}: not every row was inserted: {summary}")
    return ImportRun(file=path.name, rows=rows, wall_s=result.wall_s, rows_per_s=rows / result.wall_s,
                     max_rss_mib=result.max_rss_kib / 1024, cpu_s=result.user_s + result.sys_s,
                     summary=summary, subjects_before=subjects_before)


def load(target: Target, data: DataSet, *, files: int | None = None,
         into: LoadResult | None = None) -> LoadResult:
    """Import the first ``files`` files of ``data`` (all by default) one after the other,
    continuing ``into`` an earlier partial load of the same database."""
    result = into or LoadResult(target.engine)
    todo = data.files[len(result.runs):files]
    for path in todo:
        before = result.total_rows
        run = import_file(target, path, subjects_before=before)
        result.runs.append(run)
        log(f"  {target.engine}: {path.name} {run.rows:,} rows in {run.wall_s:.1f} s "
            f"({run.rows_per_s:,.0f} rows/s, peak RSS {run.max_rss_mib:.0f} MiB); "
            f"{result.total_rows:,} loaded, {result.total_s:.0f} s so far")
    return result
