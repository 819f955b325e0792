"""``chengxin serve`` in a subprocess, and an open-loop HTTP load generator (asyncio, raw HTTP/1.1).

Open loop: request *i* is due at ``t0 + i / rate`` whatever happened to earlier requests, and
its latency is measured from that due time — a slow server (or a late client) cannot hide its
delay by holding back the next request (no coordinated omission). Traffic goes to 127.0.0.1 only,
and every run is bounded in requests and in time.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from common import BENCH_VAR, CHENGXIN, Target, cpu_seconds, latency_summary, loadavg, log
from dataset import Probe
from http_client import HOST, Connection, Pool, Reply, StaleConnection

REQUEST_TIMEOUT_S = 10.0
DRAIN_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 100  # as httpx's default pool; beyond it a due request waits (its latency still counts)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """``chengxin serve --host 127.0.0.1 --port P`` (one worker) for the lifetime of a ``with``.

    The server's daily jobs are off (``CHENGXIN_JOBS_ENABLED=false``, as when cron runs ``chengxin
    jobs run``): the day's first server would otherwise run them — default ratings over a million
    orders — in the middle of the measurement."""

    def __init__(self, target: Target, label: str, *, startup_timeout_s: float = 180.0) -> None:
        self.target = target
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = BENCH_VAR / "logs" / f"serve-{target.engine}-{label}.log"

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        argv = [str(CHENGXIN), "serve", "--host", HOST, "--port", str(self.port)]
        with self.log_path.open("wb") as fh:
            env = {**self.target.env(), "CHENGXIN_JOBS_ENABLED": "false"}
            self.proc = subprocess.Popen(argv, env=env, cwd=self.target.var_dir, stdout=fh,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chengxin serve exited {self.proc.returncode}: "
                                   f"{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                r = httpx.get(f"{self.base_url}/healthz", timeout=2.0)
                if r.status_code == 200:
                    log(f"  server up on port {self.port}: {r.json()}")
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chengxin serve not healthy after {self.startup_timeout_s:.0f} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@dataclass
class Sample:
    tag: str
    due: float  # seconds after t0 when the request was due
    send_lag_s: float  # how late the client actually started it
    latency_s: float  # completion - due
    status: int  # 0: transport error or timeout
    ok: bool
    results: int | None = None  # search: number of results
    hit: bool | None = None  # search: the expected subject was among them
    server_ms: float | None = None  # the server's own time for the request (Server-Timing)


@dataclass
class LoadRun:
    """What one open-loop run measured (all latencies from the due time)."""

    planned: int
    rate: float
    duration_s: float  # first due time to the last answer or time-out
    samples: list[Sample] = field(default_factory=list)
    server_cpu_s: float = math.nan
    client_cpu_s: float = math.nan
    db_cpu_s: float = math.nan
    connections: int = 0  # connections the client opened

    @property
    def completed(self) -> int:
        return sum(1 for s in self.samples if s.status)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    @property
    def achieved_rate(self) -> float:
        return self.completed / self.duration_s if self.duration_s > 0 else math.nan

    def latency(self, tag: str | None = None) -> dict[str, float]:
        return latency_summary([s.latency_s for s in self.samples if tag is None or s.tag == tag])

    def send_lag(self) -> dict[str, float]:
        return latency_summary([s.send_lag_s for s in self.samples])

    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.samples:
            out[str(s.status)] = out.get(str(s.status), 0) + 1
        return dict(sorted(out.items()))


Check = Callable[[Probe, Reply], Sample]


def check_status(probe: Probe, reply: Reply) -> Sample:
    return Sample(probe.tag, 0.0, 0.0, 0.0, reply.status, reply.status == probe.expect)


def check_search(probe: Probe, reply: Reply) -> Sample:
    """Status 200 and a well-formed result list; counts results and whether the expected USCC is in."""
    sample = check_status(probe, reply)
    if sample.ok:
        try:
            results = json.loads(reply.body)["results"]
            sample.results = len(results)
            if probe.target is not None:
                sample.hit = any(r.get("uscc") == probe.target for r in results)
        except (ValueError, KeyError, TypeError):
            sample.ok = False
    return sample


async def _open_loop(port: int, probes: Sequence[Probe], rate: float, check: Check,
                     max_s: float, headers: bytes) -> tuple[list[Sample], float, int]:
    samples: list[Sample] = []
    pool = Pool(port, MAX_CONNECTIONS, headers)
    t0 = time.perf_counter() + 0.05

    async def fire(probe: Probe, due: float) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                reply = await pool.get(probe.path, probe.body)
            done = time.perf_counter()
            sample = check(probe, reply)
            sample.server_ms = reply.server_ms
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                StaleConnection, ValueError, IndexError):
            done = time.perf_counter()
            sample = Sample(probe.tag, 0.0, 0.0, 0.0, 0, False)
        sample.due, sample.send_lag_s, sample.latency_s = due - t0, started - due, done - due
        samples.append(sample)

    tasks: list[asyncio.Task[None]] = []
    for i, probe in enumerate(probes):
        due = t0 + i / rate
        if due - t0 > max_s:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(probe, due)))
    _, pending = await asyncio.wait(tasks, timeout=DRAIN_TIMEOUT_S) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    end = time.perf_counter()
    for _ in pending:
        samples.append(Sample("cancelled", math.nan, math.nan, end - t0, 0, False))
    pool.close()
    # The run lasts from the first due time to the last answer or time-out, whatever its outcome.
    last = max((s.due + s.latency_s for s in samples if not math.isnan(s.due)), default=end - t0)
    return samples, last, pool.opened


@dataclass
class ServiceTime:
    """Closed loop, one connection, one request at a time: what one request costs the server
    when nothing queues (client time included)."""

    requests: int
    latency_ms: dict[str, float]

    @property
    def max_rate(self) -> float:
        """The rate at which one worker would be busy all the time (1 / mean)."""
        mean = self.latency_ms["mean"]
        return 1000 / mean if mean > 0 else math.nan


async def _closed_loop(port: int, probes: Sequence[Probe], max_s: float, headers: bytes) -> list[float]:
    conn = await Connection.open(port, headers)
    latencies: list[float] = []
    deadline = time.perf_counter() + max_s
    try:
        for probe in probes:
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                await conn.get(probe.path, probe.body)
            latencies.append(time.perf_counter() - start)
    finally:
        conn.close()
    return latencies


def service_time(server: Server, probes: Sequence[Probe], *, max_s: float = 30.0,
                 headers: bytes = b"") -> ServiceTime:
    latencies = asyncio.run(_closed_loop(server.port, probes, max_s, headers))
    return ServiceTime(len(latencies), latency_summary(latencies))


def run_open_loop(server: Server, probes: Sequence[Probe], *, rate: float, check: Check,
                  db_pids: Callable[[], list[int]] | None = None, headers: bytes = b"") -> LoadRun:
    """Send ``probes`` at ``rate`` per second (bounded: at most len(probes)/rate + 1 s of sending)."""
    import resource

    max_s = len(probes) / rate + 1.0
    server_cpu0 = cpu_seconds(server.pid)
    db0 = sum(cpu_seconds(p) for p in db_pids()) if db_pids else math.nan
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    # The benchmark process holds the million-row data set; a full collection of it would stall
    # the client for a long time mid-run, so collections wait until the run is over.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        samples, last_done, opened = asyncio.run(_open_loop(server.port, probes, rate, check, max_s, headers))
    finally:
        gc.enable()
        gc.unfreeze()
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    run = LoadRun(planned=len(probes), rate=rate, duration_s=last_done, samples=samples, connections=opened)
    run.server_cpu_s = cpu_seconds(server.pid) - server_cpu0
    run.client_cpu_s = (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime)
    if db_pids:
        run.db_cpu_s = sum(cpu_seconds(p) for p in db_pids()) - db0
    return run


@dataclass
class FreshRun:
    service: ServiceTime
    run: LoadRun
    loadavg: tuple[float, float, float]  # just before the measured run


def fresh_run(target: Target, name: str, probes: Sequence[Probe], *, rate: float, warmup: int, service: int,
              check: Check, headers: bytes = b"", db_pids: Callable[[], list[int]] | None = None) -> FreshRun:
    """On a fresh server (an overloaded run must not leave its backlog to the next one): ``warmup``
    requests and ``service`` more one at a time, then the rest of ``probes`` at ``rate``."""
    warm, one_by_one, measured = probes[:warmup], probes[warmup:warmup + service], probes[warmup + service:]
    with Server(target, name) as server:
        log(f"{target.engine}: {name} warm-up ({len(warm)} requests), then {len(one_by_one)} one at a time")
        service_time(server, warm, headers=headers)  # one at a time: a warm-up must not leave a backlog
        st = service_time(server, one_by_one, headers=headers)
        if one_by_one:
            log(f"{target.engine}: {name} service time {st.latency_ms}")
        log(f"{target.engine}: {name} — {len(measured):,} requests at {rate:.0f}/s")
        load = loadavg()
        run = run_open_loop(server, measured, rate=rate, check=check, db_pids=db_pids, headers=headers)
    return FreshRun(st, run, load)


def postgres_pids(pgdata: Path) -> list[int]:
    """The postmaster and its children (backends) of the server whose data is in ``pgdata``."""
    try:
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == postmaster:
            pids.append(int(stat.parent.name))
    return pids
