"""The credit evaluation benchmark in the harness (``bench/evaluation_batch.py`` does the work).

Batch: ``chengxin evaluate --from DIR --engine polars --out FILE --json`` on a generated province (the
sizes in the heading), timed as a subprocess (target ≤ 60 s, peak RSS ≤ 8 GiB, 2 cores); the same
command with ``--engine spark`` (local mode) on the same files is recorded and its results compared
with Polars' row for row (subject, model version, units, grade). Refresh: one subject's incremental
refresh on each database the other benchmarks loaded (1,000,000 subjects, the records benchmark's
penalty records, the marketplace's ratings), target p95 ≤ 50 ms.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from common import BENCH_VAR, CHENGXIN, ROOT, json_summary, log, reused_target, run_measured

TARGET_S = 60.0
TARGET_RSS_MIB = 8192.0
TARGET_REFRESH_P95_MS = 50.0
TIMEOUT_S = 3600.0
DAY = "2026-11-24"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class EvaluationRun:
    generated: dict[str, Any]
    polars: dict[str, Any]
    spark: dict[str, Any] | None
    refresh: dict[str, dict[str, Any]] = field(default_factory=dict)

    def verdict(self) -> tuple[str, str, bool]:
        secs, rss = float(self.polars["wall_s"]), float(self.polars["rss_mib"])
        same = self.spark is None or bool(self.spark.get("same_as_polars"))
        p95 = max((float(r["p95_ms"]) for r in self.refresh.values()), default=float("nan"))
        figure = f"{secs:.1f} s, {rss / 1024:.1f} GiB; refresh p95 {p95:.0f} ms" + ("" if same else "; Spark differs")
        ok = secs <= TARGET_S and rss <= TARGET_RSS_MIB and same and bool(self.refresh) and p95 <= TARGET_REFRESH_P95_MS
        return figure, f"≤ {TARGET_S:.0f} s, ≤ 8 GiB; refresh p95 ≤ {TARGET_REFRESH_P95_MS:.0f} ms", ok


def _evaluate(engine: str) -> dict[str, Any]:
    folder, out = BENCH_VAR / "evaluation", BENCH_VAR / f"evaluation-{engine}.parquet"
    argv = [str(CHENGXIN), "evaluate", "--from", str(folder), "--engine", engine, "--date", DAY, "--out", str(out),
            "--json"]  # fmt: skip
    log(f"evaluation: chengxin evaluate --engine {engine}")
    res = run_measured(argv, env=dict(os.environ), cwd=ROOT, log_dir=BENCH_VAR / "logs", name=f"evaluate-{engine}",
                       timeout_s=TIMEOUT_S)  # fmt: skip
    summary = json_summary(res, RuntimeError)
    return {**summary, "wall_s": round(res.wall_s, 1), "rss_mib": round(res.max_rss_kib / 1024),
            "cpu_s": round(res.user_s + res.sys_s, 1)}


def _same(a: str, b: str) -> bool:
    import polars as pl

    key = ["subject_id", "model_version", "weighted_units", "grade"]
    left, right = (pl.read_parquet(BENCH_VAR / f"evaluation-{e}.parquet").select(key) for e in (a, b))
    return left.equals(right)


def run(subjects: int, records: int, *, spark: bool, engines: list[str]) -> EvaluationRun:
    script = str(ROOT / "bench" / "evaluation_batch.py")
    log(f"evaluation: generating {subjects:,} subjects with {records:,} records")
    gen = run_measured([sys.executable, script, "generate", str(BENCH_VAR / "evaluation"), "--subjects", str(subjects),
                        "--records", str(records)], env=dict(os.environ), cwd=ROOT, log_dir=BENCH_VAR / "logs",
                       name="evaluation-generate", timeout_s=TIMEOUT_S)  # fmt: skip
    result = EvaluationRun(json_summary(gen, RuntimeError), _evaluate("polars"), None)
    log(f"evaluation: polars {result.polars['wall_s']} s, {result.polars['rss_mib']} MiB")
    if spark:
        result.spark = _evaluate("spark")
        result.spark["same_as_polars"] = _same("polars", "spark")
        log(f"evaluation: spark {result.spark['wall_s']} s, same as polars: {result.spark['same_as_polars']}")
    for engine in engines:
        try:
            target, loaded = reused_target(engine)
        except (OSError, KeyError, ValueError):
            log(f"evaluation: no {engine} database loaded by an earlier run; refresh not measured there")
            continue
        res = run_measured([sys.executable, script, "refresh", target.url, "--subjects", "200"], env=target.env(),
                           cwd=ROOT, log_dir=BENCH_VAR / "logs", name=f"evaluation-refresh-{engine}",
                           timeout_s=TIMEOUT_S)  # fmt: skip
        result.refresh[engine] = {**json.loads(res.stdout.strip().splitlines()[-1]), "subjects_loaded": loaded}
        log(f"evaluation: refresh on {engine}: {result.refresh[engine]}")
    return result


def section(subjects: int, records: int, run: EvaluationRun | None) -> list[str]:
    out = [f"## 8. Credit evaluation ({subjects:,} subjects, {records:,} records)", "",
           " ".join((__doc__ or "").split("\n\n", 1)[1].split()), "",
           " ".join(next(p for p in _batch_doc().split("\n\n") if p.startswith("``generate")).split()), ""]
    if run is None:
        return [*out, "Not run.", ""]
    figure, goal, passed = run.verdict()
    p, s = run.polars, run.spark
    mark = "✅ pass" if passed else "❌ **missed**"
    out += ["| Engine | Subjects | Grades | Wall time (command) | CPU | Peak RSS | Verdict |",
            "|---|---|---|---|---|---|---|",
            f"| Polars | {p['subjects']:,} | {_grades(p)} | {p['wall_s']:.1f} s | {p['cpu_s']:.1f} s | "
            f"{p['rss_mib']:,} MiB | {figure} {mark} (target {goal}) |"]  # fmt: skip
    if s is not None:
        same = "identical to Polars ✅" if s.get("same_as_polars") else "**differs from Polars** ❌"
        out.append(f"| Spark (local[2]) | {s['subjects']:,} | {_grades(s)} | {s['wall_s']:.1f} s | {s['cpu_s']:.1f} s "
                   f"| {s['rss_mib']:,} MiB (driver process; the JVM apart) | {same} |")  # fmt: skip
    out += ["", f"Generating the data set took {run.generated.get('generate_seconds')} s (not timed against the "
            "target).", "", "Incremental refresh of one subject (each in its own transaction, 200 random subjects "
            "with records, after a warm-up of 5), in ms:", "",
            "| Database | Subjects loaded | Subjects with records | p50 | p95 | max |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for engine, r in run.refresh.items():
        out.append(f"| {NAMES.get(engine, engine)} | {r['subjects_loaded']:,} | {r['subjects_with_records']:,} | "
                   f"{r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |")  # fmt: skip
    if not run.refresh:
        out.append("| — | no database loaded | | | | |")
    return [*out, ""]


def _grades(summary: dict[str, Any]) -> str:
    return ", ".join(f"{g} {n:,}" for g, n in summary.get("grades", {}).items())


def _batch_doc() -> str:
    text = (ROOT / "bench" / "evaluation_batch.py").read_text(encoding="utf-8")
    return text.split('"""', 2)[1]


