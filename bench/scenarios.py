"""The three benchmarks, with their targets and the verdict of each run."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import checks_bench
import file_page
import market_import
import records_import
from common import BENCH_VAR, Target, fresh_target, loadavg, log, reused_target, save_state
from dataset import DataSet, Probe, lookup_probes, read_rows, search_probes
from http_load import (
    Check,
    LoadRun,
    Server,
    ServiceTime,
    check_search,
    check_status,
    fresh_run,
    postgres_pids,
    run_open_loop,
    service_time,
)
from load import CHECK_TABLES, LoadResult, load, maintain, warm_cache
from market_import import MarketRun
from records_import import RecordsRun

IMPORT_TARGET_S = 30.0
LOOKUP_TARGET_P99_MS = 10.0
SEARCH_TARGET_P95_MS = 50.0
MIN_SEARCH_NONEMPTY = 0.5  # fail the search benchmark when most queries find nothing
MIN_ACHIEVED_RATE = 0.95  # the generator must reach 95 % of the asked rate for a valid run


@dataclass
class Plan:
    """Sizes of one run (``--quick`` shrinks them)."""

    import_rows: int
    data: DataSet
    lookup_rate: float
    lookup_requests: int
    lookup_warmup: int
    search_rate: float
    search_requests: int
    search_warmup: int
    service_requests: int  # requests sent one at a time, after the warm-up, to measure service time
    sweep_rates: tuple[float, ...] = ()  # lower lookup rates tried when the target is missed
    sweep_seconds: float = 10.0
    reuse_db: bool = False  # --reuse-db: the HTTP benchmarks on the databases of the previous run
    records_rows: int = 0  # rows of the 双公示 penalty sheet the records-import benchmark imports
    file_rate: float = 10.0  # credit-file requests per second (page and API alternating)
    file_requests: int = 400
    file_warmup: int = 40
    market_orders: int = 1_000_000  # orders of the marketplace-import benchmark's dataset
    credit_ratings: int = 10_000_000  # ratings of the batch credit benchmark (Polars)
    credit_spark_ratings: int = 1_000_000  # the same pipeline on Spark local mode, compared with Polars
    evaluation_subjects: int = 1_000_000  # the batch evaluation benchmark (Polars; Spark on the same files)
    evaluation_records: int = 10_000_000
    evaluation_spark: bool = True
    checks_batches: int = 21  # the first is a warm-up
    checks_single: int = 10_000
    checks_names: int = 1_000


@dataclass
class Verdict:
    figure: str
    target: str
    passed: bool
    note: str = ""


@dataclass
class EngineResult:
    engine: str
    server_version: str
    pg_settings: dict[str, str] = field(default_factory=dict)
    loaded: LoadResult | None = None
    imported: LoadResult | None = None
    lookup: LoadRun | None = None
    search: LoadRun | None = None
    lookup_service: ServiceTime | None = None
    lookup_sweep: list[LoadRun] = field(default_factory=list)
    search_service: ServiceTime | None = None
    records: RecordsRun | None = None
    market: MarketRun | None = None  # accounts, items, orders and ratings (the target)
    market_full: MarketRun | None = None  # every table of the contract (recorded)
    file: LoadRun | None = None
    file_service: ServiceTime | None = None
    checks: checks_bench.ChecksRun | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    loadavg: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    reused_db: bool = False


def judge_import(res: EngineResult) -> None:
    assert res.imported is not None
    run = res.imported.runs[0]
    res.verdicts["import"] = Verdict(f"{run.wall_s:.1f} s", f"≤ {IMPORT_TARGET_S:.0f} s",
                                     run.wall_s <= IMPORT_TARGET_S)


def _valid_run(run: LoadRun) -> str:
    """Why the run cannot be judged, or ''."""
    if run.achieved_rate < MIN_ACHIEVED_RATE * run.rate:
        return f"achieved only {run.achieved_rate:.0f} req/s of {run.rate:.0f}"
    return ""


def judge_lookup(res: EngineResult) -> None:
    assert res.lookup is not None
    run = res.lookup
    p99 = run.latency()["p99"]
    note = _valid_run(run)
    if run.errors:
        note = (note + "; " if note else "") + f"{run.errors} errors"
    passed = p99 <= LOOKUP_TARGET_P99_MS and not note
    res.verdicts["lookup"] = Verdict(f"p99 {p99:.1f} ms", f"p99 ≤ {LOOKUP_TARGET_P99_MS:.0f} ms", passed,
                                     note)


def search_quality(run: LoadRun) -> dict[str, Any]:
    """Mean results, share of non-empty answers and hit rate, overall and per query group."""
    out: dict[str, Any] = {}
    tags = sorted({s.tag for s in run.samples})
    for tag in [None, *tags]:
        group = [s for s in run.samples if (tag is None or s.tag == tag) and s.results is not None]
        hits = [s.hit for s in group if s.hit is not None]
        out[tag or "all"] = {
            "queries": len(group),
            "mean_results": sum(s.results or 0 for s in group) / len(group) if group else math.nan,
            "nonempty": sum(1 for s in group if s.results) / len(group) if group else math.nan,
            "hit_rate": sum(hits) / len(hits) if hits else math.nan,
        }
    return out


def judge_file(res: EngineResult) -> None:
    assert res.file is not None
    run = res.file
    p95 = run.latency()["p95"]
    problems = [p for p in (_valid_run(run),) if p]
    if run.errors:
        problems.append(f"{run.errors} errors (a wrong status or not all {file_page.RECORDS_PER_SUBJECT} records)")
    passed = p95 <= file_page.FILE_TARGET_P95_MS and not problems
    res.verdicts["file"] = Verdict(f"p95 {p95:.1f} ms", f"p95 ≤ {file_page.FILE_TARGET_P95_MS:.0f} ms", passed,
                                   "; ".join(problems))


def judge_search(res: EngineResult) -> None:
    assert res.search is not None
    run = res.search
    p95 = run.latency()["p95"]
    quality = search_quality(run)["all"]
    problems = [p for p in (_valid_run(run),) if p]
    if run.errors:
        problems.append(f"{run.errors} errors")
    if not quality["nonempty"] >= MIN_SEARCH_NONEMPTY:
        problems.append(f"only {quality['nonempty']:.0%} of queries found anything")
    passed = p95 <= SEARCH_TARGET_P95_MS and not problems
    res.verdicts["search"] = Verdict(f"p95 {p95:.1f} ms", f"p95 ≤ {SEARCH_TARGET_P95_MS:.0f} ms", passed,
                                     "; ".join(problems))


def _http_benchmark(res: EngineResult, name: str, target: Target, probes: list[Probe], *, rate: float,
                    warmup: int, service: int, check: Check,
                    db_pids: Callable[[], list[int]] | None) -> tuple[ServiceTime, LoadRun]:
    done = fresh_run(target, name, probes, rate=rate, warmup=warmup, service=service, check=check, db_pids=db_pids)
    res.loadavg[name] = done.loadavg
    return done.service, done.run


def _sweep(target: Target, probes: list[Probe], plan: Plan) -> list[LoadRun]:
    """Information only: lower rates, each on a fresh server, up to the first one that misses too."""
    runs: list[LoadRun] = []
    for rate in plan.sweep_rates:
        n = int(rate * plan.sweep_seconds)
        with Server(target, f"lookup-{rate:.0f}") as server:
            service_time(server, probes[:plan.lookup_warmup])  # warm-up, one at a time
            log(f"{target.engine}: lookup sweep — {n} requests at {rate:.0f}/s")
            run = run_open_loop(server, probes[-n:], rate=rate, check=check_status)
        runs.append(run)
        p99 = run.latency()["p99"]
        log(f"{target.engine}: lookup sweep at {rate:.0f}/s: p99 {p99:.1f} ms, {run.errors} errors")
        if p99 > LOOKUP_TARGET_P99_MS or run.errors or _valid_run(run):
            break
    return runs


def run_engine(engine: str, plan: Plan, only: set[str]) -> EngineResult:
    """Every selected benchmark on one engine, on a database created empty for this run."""
    if plan.reuse_db:
        target, loaded_before = reused_target(engine)
        if loaded_before != plan.data.total:
            raise RuntimeError(f"--reuse-db: the {engine} database holds {loaded_before:,} subjects, "
                               f"not {plan.data.total:,}; run once without --reuse-db")
        log(f"=== {engine}: reusing the database of the previous run ({loaded_before:,} subjects)")
        only = only - {"import"}
    else:
        log(f"=== {engine}: fresh database")
        target = fresh_target(engine)
    res = EngineResult(engine, target.server_version, target.settings, reused_db=plan.reuse_db)
    res.loadavg["start"] = loadavg()
    log(f"{engine}: server version {target.server_version}")
    loaded = LoadResult(engine)
    if "import" in only:
        first = plan.data.files[0]
        if plan.data.rows_per_file != plan.import_rows:
            raise ValueError("the import benchmark imports the first file of the data set")
        log(f"{engine}: import benchmark — {first.name} ({plan.import_rows:,} rows) into the empty database")
        res.loadavg["import"] = loadavg()
        load(target, plan.data, files=1, into=loaded)
        res.imported = LoadResult(engine, loaded.runs[:1])
        judge_import(res)
        log(f"{engine}: import {res.verdicts['import']}")
    if "market" in only:  # needs no subjects: on the fresh database, before the big load
        res.market = market_import.run(target, plan.market_orders, only_rated=True)
        figure, goal, passed = market_import.verdict(engine, res.market)
        res.verdicts["market"] = Verdict(figure, goal, passed)
        log(f"{engine}: market {res.verdicts['market']}")
        res.market_full = market_import.run(target, plan.market_orders)
        log(f"{engine}: market, every table: {res.market_full.wall_s:.1f} s")
    if not only & {"lookup", "search", "records", "file", "checks"}:
        return res
    if not plan.reuse_db:
        log(f"{engine}: loading the rest of the data set ({plan.data.total:,} subjects in all)")
        res.loaded = load(target, plan.data, into=loaded)
        seconds = maintain(target)
        log(f"{engine}: chengxin db maintain after the load took {seconds:.1f} s")
        save_state(target, loaded=res.loaded.total_rows)
    if only & {"lookup", "search"}:
        log(f"{engine}: subjects' table and indexes read into the cache in {warm_cache(target):.1f} s")
        _lookup_and_search(res, target, plan, only)
    if "records" in only:
        res.records = records_import.run(target, plan.data, plan.records_rows)
        figure, goal, passed = records_import.verdict(engine, res.records)
        res.verdicts["records"] = Verdict(figure, goal, passed)
        log(f"{engine}: records {res.verdicts['records']}")
    if "file" in only:
        ids = file_page.prepare(target)
        probes = file_page.probes(ids, plan.file_warmup + plan.service_requests + plan.file_requests)
        db_pids = (lambda: postgres_pids(BENCH_VAR / "pg" / "pgdata")) if engine == "postgresql" else None
        res.file_service, res.file = _http_benchmark(
            res, "file", target, probes, rate=plan.file_rate, warmup=plan.file_warmup,
            service=min(plan.service_requests, 100), check=file_page.check_file, db_pids=db_pids)
        judge_file(res)
        log(f"{engine}: file {res.verdicts['file']} {res.file.latency()}")
    if "checks" in only:
        log(f"{engine}: the checks' tables and indexes read into the cache in {warm_cache(target, CHECK_TABLES):.1f} s")
        res.loadavg["checks"] = loadavg()
        res.checks = checks_bench.run(target, plan.data, batches=plan.checks_batches,
                                      single_requests=plan.checks_single, names_requests=plan.checks_names)
        for key, (figure, goal, passed, note) in checks_bench.verdicts(res.checks).items():
            res.verdicts[key] = Verdict(figure, goal, passed, note)
            log(f"{engine}: {key} {res.verdicts[key]}")
    res.loadavg["end"] = loadavg()
    return res


def _lookup_and_search(res: EngineResult, target: Target, plan: Plan, only: set[str]) -> None:
    engine = target.engine
    rows = read_rows(plan.data)
    lookups = lookup_probes(rows, plan.lookup_warmup + plan.service_requests + plan.lookup_requests, seed=11)
    searches = search_probes(rows, plan.search_warmup + plan.service_requests + plan.search_requests, seed=12)
    del rows  # a million dicts: not to be walked by the collector during the runs
    gc.collect()
    db_pids = (lambda: postgres_pids(BENCH_VAR / "pg" / "pgdata")) if engine == "postgresql" else None
    if "lookup" in only:
        res.lookup_service, res.lookup = _http_benchmark(
            res, "lookup", target, lookups, rate=plan.lookup_rate, warmup=plan.lookup_warmup,
            service=plan.service_requests, check=check_status, db_pids=db_pids)
        judge_lookup(res)
        log(f"{engine}: lookup {res.verdicts['lookup']} {res.lookup.latency()}")
        if not res.verdicts["lookup"].passed:
            res.lookup_sweep = _sweep(target, lookups, plan)
    if "search" in only:
        res.search_service, res.search = _http_benchmark(
            res, "search", target, searches, rate=plan.search_rate, warmup=plan.search_warmup,
            service=plan.service_requests, check=check_search, db_pids=db_pids)
        judge_search(res)
        log(f"{engine}: search {res.verdicts['search']} {res.search.latency()}")
