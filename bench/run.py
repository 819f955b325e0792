"""Chengxin benchmarks (``make bench``): import, exact lookup, name search, the credit-records import and
the credit-file page, on SQLite and PostgreSQL; the batch analytics and fraud detection (no database).

    .venv/bin/python bench/run.py                     # everything, both engines; rewrites docs/benchmarks.md
    .venv/bin/python bench/run.py --quick             # smoke run: 10k subjects, a few seconds of load
    .venv/bin/python bench/run.py --only lookup,search --engines postgresql
    .venv/bin/python bench/run.py --reuse-db          # lookup and search again on the last run's data
    .venv/bin/python bench/run.py --only records --reuse-db --output docs/benchmarks.md
                                                      # the records import on the last run's subjects
    .venv/bin/python bench/run.py --only detect --reuse-db --output docs/benchmarks.md
                                                      # detection, on the markets the last run simulated

A run of only some benchmarks writing to an existing report keeps that report's sections of the
others (marked as coming from the earlier run).

Data and databases live under var/bench/ (gitignored); the generated CSV files are reused
between runs, the databases are deleted and re-created. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
import traceback
from pathlib import Path

import credit_bench
import detect_bench
import evaluation_bench
import queries_bench
import reports_bench
from common import BENCH_VAR, ENGINES, ROOT, git_head, jsonable, log, source_digest
from dataset import ensure_dataset
from report import Report, merge, render
from scenarios import EngineResult, Plan, run_engine

BENCHMARKS = ("import", "lookup", "search", "records", "file", "market", "credit", "evaluation", "checks",
              "detect", "queries", "reports")
# the benchmarks that run on a database (each engine's is created afresh unless --reuse-db); a run of
# only the others (credit, evaluation, detect) leaves the databases of the previous run alone
ENGINE_BENCHMARKS = {"import", "lookup", "search", "records", "file", "market", "checks"}
DOC = ROOT / "docs" / "benchmarks.md"


def _names(value: str, allowed: tuple[str, ...]) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (comma-separated), not {value!r}")
    return names


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: 10,000 subjects, a few seconds of load")
    p.add_argument("--only", type=lambda v: _names(v, BENCHMARKS), default=list(BENCHMARKS),
                   help="benchmarks to run, comma-separated: import,lookup,search,records,file,market,credit,"
                        "evaluation,checks,detect,queries,reports (default: all)")
    p.add_argument("--engines", type=lambda v: _names(v, ENGINES), default=list(ENGINES),
                   help="sqlite,postgresql (default: both)")
    p.add_argument("--reuse-db", action="store_true",
                   help="skip the import and loading: run lookup and search on the databases the previous "
                        "run left in var/bench (for iterating on the request path); detect reuses the "
                        "markets an earlier run simulated with the same parameters")
    p.add_argument("--output", type=Path, default=None,
                   help="where to write the report (default: docs/benchmarks.md; "
                        "var/bench/benchmarks-quick.md with --quick, var/bench/benchmarks-reuse.md with "
                        "--reuse-db)")
    return p.parse_args(argv)


def make_plan(quick: bool) -> Plan:
    if quick:
        return Plan(import_rows=10_000, data=ensure_dataset("quick", files=1, chunk=10_000),
                    lookup_rate=200, lookup_requests=600, lookup_warmup=100,
                    search_rate=50, search_requests=100, search_warmup=20, service_requests=100,
                    sweep_rates=(50, 100), sweep_seconds=3, records_rows=10_000,
                    file_requests=100, file_warmup=10, market_orders=20_000, credit_ratings=200_000,
                    credit_spark_ratings=50_000, evaluation_subjects=10_000, evaluation_records=100_000,
                    checks_batches=3, checks_single=1_000, checks_names=200)
    return Plan(import_rows=100_000, data=ensure_dataset("full", files=10, chunk=100_000),
                lookup_rate=200, lookup_requests=6_000, lookup_warmup=600,
                search_rate=50, search_requests=1_000, search_warmup=100, service_requests=300,
                sweep_rates=(25, 50, 100, 150), sweep_seconds=10, records_rows=1_000_000)


def command_line(argv: list[str]) -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(ROOT)) if python.is_relative_to(ROOT) else str(python)
    except ValueError:
        shown = str(python)
    script = Path(sys.argv[0]).resolve()
    return " ".join([shown, str(script.relative_to(ROOT)), *map(shlex.quote, argv)])


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    plan = make_plan(args.quick)
    plan.reuse_db = args.reuse_db
    code_before = source_digest()
    only = set(args.only)
    results: list[EngineResult] = []
    credit = None
    if "credit" in only:  # engine-independent (no database): once, before the database benchmarks
        try:
            credit = credit_bench.run(plan.credit_ratings, plan.credit_spark_ratings)
        except Exception:
            log(f"credit: FAILED\n{traceback.format_exc()}")
    for engine in args.engines if only & ENGINE_BENCHMARKS else []:
        try:
            results.append(run_engine(engine, plan, only))
        except Exception as exc:  # record the failure, go on with the other engine
            log(f"{engine}: FAILED\n{traceback.format_exc()}")
            failed = EngineResult(engine, "")
            failed.problems.append(f"run failed: {type(exc).__name__}: {str(exc)[:500]}")
            results.append(failed)
    evaluation = None
    if "evaluation" in only:  # after the databases: its refresh runs on the subjects they loaded
        try:
            evaluation = evaluation_bench.run(plan.evaluation_subjects, plan.evaluation_records,
                                              spark=bool(plan.evaluation_spark), engines=args.engines)
        except Exception:
            log(f"evaluation: FAILED\n{traceback.format_exc()}")
    detect = None
    if "detect" in only:  # last: it keeps both cores busy for a while
        try:
            detect = detect_bench.run(quick=args.quick, reuse=args.reuse_db)
        except Exception:
            log(f"detect: FAILED\n{traceback.format_exc()}")
    queries = None
    if "queries" in only:  # databases of its own, small: measured last, on a quiet machine
        try:
            queries = queries_bench.run(quick=args.quick, engines=tuple(args.engines))
        except Exception:
            log(f"queries: FAILED\n{traceback.format_exc()}")
    reports = None
    if "reports" in only:  # in-process, on an SQLite database of its own
        try:
            reports = reports_bench.run()
        except Exception:
            log(f"reports: FAILED\n{traceback.format_exc()}")
    finished = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    code_after = source_digest()
    head = git_head()
    code = (f"git {head}, " if head else "no commit yet, ") + f"src/chengxin digest {code_before}"
    if code_after != code_before:
        code += f" at the start, {code_after} at the end (the source changed during the run)"
    report = Report(command_line(argv), started, finished, args.quick, plan, results, code, credit, evaluation,
                    detect, queries=queries, reports=reports, engines=args.engines)
    default = "benchmarks-quick.md" if args.quick else "benchmarks-reuse.md" if args.reuse_db else None
    output = args.output or (BENCH_VAR / default if default else DOC)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = render(report)
    if only != set(BENCHMARKS) and output.exists():  # keep the sections of the benchmarks not run
        text = merge(output.read_text(encoding="utf-8"), text, ran=only)
    output.write_text(text, encoding="utf-8")
    suffix = ("-quick" if args.quick else "") + ("-reuse" if args.reuse_db else "")
    raw = BENCH_VAR / f"results-{stamp}{suffix}.json"
    raw.write_text(json.dumps(jsonable({"command": report.command, "code": code, "started": started,
                                        "finished": finished,
                                        "plan": plan, "results": results, "credit": credit,
                                        "evaluation": evaluation, "detect": detect, "queries": queries,
                                        "reports": reports}),
                                  ensure_ascii=False, indent=1))
    log(f"report written to {output}; raw results in {raw}")
    for r in results:
        for key, v in r.verdicts.items():
            log(f"{r.engine:>10} {key:>6}: {v.figure:>14}  target {v.target:<14} "
                f"{'pass' if v.passed else 'MISSED'} {v.note}")
        for p in r.problems:
            log(f"{r.engine:>10} problem: {p}")
    if credit is not None:
        figure, goal, passed = credit.verdict()
        log(f"{'analytics':>10} credit: {figure}  target {goal} {'pass' if passed else 'MISSED'}")
    ok = all(v.passed for r in results for v in r.verdicts.values()) and not any(r.problems for r in results)
    ok = ok and ("credit" not in only or (credit is not None and credit.verdict()[2]))
    if evaluation is not None:
        figure, goal, passed = evaluation.verdict()
        log(f"{'analytics':>10} evaluation: {figure}  target {goal} {'pass' if passed else 'MISSED'}")
    ok = ok and ("evaluation" not in only or (evaluation is not None and evaluation.verdict()[2]))
    if detect is not None:
        for key, (figure, goal, passed) in detect.verdicts().items():
            log(f"{'detect':>10} {key}: {figure}  target {goal} {'pass' if passed else 'MISSED'}")
        for p in detect.problems:
            log(f"{'detect':>10} problem: {p}")
    ok = ok and ("detect" not in only or (detect is not None and detect.passed()))
    if queries is not None:
        for engine, (figure, goal, passed) in queries.verdicts().items():
            log(f"{engine:>10} queries: {figure}  target {goal} {'pass' if passed else 'MISSED'}")
    ok = ok and ("queries" not in only or (queries is not None and queries.passed()))
    if reports is not None:
        for key, (figure, goal, passed) in reports.verdicts().items():
            log(f"{'reports':>10} {key}: {figure}  target {goal} {'pass' if passed else 'MISSED'}")
    ok = ok and ("reports" not in only or (reports is not None and reports.passed()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
