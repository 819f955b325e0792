"""The batch credit benchmark in the harness: ``bench/credit_batch.py`` run as subprocesses.

Polars on ``credit_ratings`` ratings is the timed figure (target ≤ 60 s, peak RSS ≤ 8 GiB, 2 cores);
the same pipeline on Spark local mode runs on ``credit_spark_ratings`` ratings with ``--check``,
which compares its result with Polars' on the same data row for row (recorded, not timed against a
target). Each run is its own process, so its peak RSS is its own (generation of the in-memory data
set included; Spark's JVM is a separate process and not in it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from common import BENCH_VAR, ROOT, json_summary, log, run_measured

TARGET_S = 60.0
TARGET_RSS_MIB = 8192.0
TIMEOUT_S = 3600.0


@dataclass
class CreditRun:
    polars: dict[str, Any]
    spark: dict[str, Any] | None
    polars_process_rss_mib: float

    def verdict(self) -> tuple[str, str, bool]:
        secs = float(self.polars["seconds"])
        rss = self.polars_process_rss_mib
        same = self.spark is None or bool(self.spark.get("same_as_polars"))
        figure = f"{secs:.1f} s, {rss / 1024:.1f} GiB" + ("" if same else "; Spark differs")
        return figure, f"≤ {TARGET_S:.0f} s, ≤ 8 GiB", secs <= TARGET_S and rss <= TARGET_RSS_MIB and same


def _one(ratings: int, engine: str, check: bool) -> tuple[dict[str, Any], float]:
    argv = [sys.executable, str(ROOT / "bench" / "credit_batch.py"), "--ratings", str(ratings), "--engine", engine]
    if check:
        argv.append("--check")
    log(f"credit: {engine} on {ratings:,} ratings")
    res = run_measured(argv, env=dict(os.environ), cwd=ROOT, log_dir=BENCH_VAR / "logs", name=f"credit-{engine}",
                       timeout_s=TIMEOUT_S)
    out = json_summary(res, RuntimeError)
    out["wall_s"] = round(res.wall_s, 1)
    return out, res.max_rss_kib / 1024


def run(ratings: int, spark_ratings: int) -> CreditRun:
    polars, rss = _one(ratings, "polars", check=False)
    log(f"credit: polars {polars['seconds']} s, process peak RSS {rss:.0f} MiB")
    spark = None
    if spark_ratings:
        spark, _ = _one(spark_ratings, "spark", check=True)
        log(f"credit: spark {spark['seconds']} s, same as polars: {spark.get('same_as_polars')}")
    return CreditRun(polars, spark, rss)


def section(ratings: int, run: CreditRun | None) -> list[str]:
    out = [f"## 7. Batch credit points, levels and store ratings ({ratings:,} ratings)", "",
           (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(), "",
           " ".join(next(p for p in _credit_doc().split("\n\n") if p.startswith("The shape")).split()), ""]
    if run is None:
        return [*out, "Not run.", ""]
    p, s = run.polars, run.spark
    figure, goal, passed = run.verdict()
    out += ["| Engine | Ratings | Orders | Accounts out | Pipeline | Generation | Peak RSS (process) | Verdict |",
            "|---|---|---|---|---|---|---|---|",
            f"| Polars | {p['n_ratings']:,} | {p['n_orders']:,} | {p['accounts']:,} | {p['seconds']:.1f} s | "
            f"{p['generate_seconds']:.1f} s | {run.polars_process_rss_mib:,.0f} MiB | "
            f"{figure} {'✅ pass' if passed else '❌ **missed**'} (target {goal}) |"]
    if s is not None:
        same = "identical to Polars ✅" if s.get("same_as_polars") else "**differs from Polars** ❌"
        out.append(f"| Spark (local[2]) | {s['n_ratings']:,} | {s['n_orders']:,} | {s['accounts']:,} | "
                   f"{s['seconds']:.1f} s | {s['generate_seconds']:.1f} s | — | {same} |")
    return [*out, ""]


def _credit_doc() -> str:
    text = (ROOT / "bench" / "credit_batch.py").read_text(encoding="utf-8")
    return text.split('"""', 2)[1]
