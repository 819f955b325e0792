"""``make bench`` report merging: a run of some benchmarks, or on one engine, keeps what it did not measure
from the report it replaces — row by row (a benchmark can have several summary rows)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import report  # noqa: E402

BOTH = "| Benchmark | Target | SQLite | PostgreSQL |"
ONE = "| Benchmark | Target | PostgreSQL |"


def _report(header: str, rows: list[str]) -> str:
    return "\n".join(["# Benchmarks", "", "Run 2026-11-25 01:00 → 01:10 (UTC) on X", "", "## Results", "",
                      header, "|---|---|" + "---|" * (header.count("|") - 3), *rows, ""])  # fmt: skip


def test_a_run_on_one_engine_keeps_the_others_figures_row_by_row() -> None:
    previous = _report(BOTH, ["| Check API: batch | ≤ 100 ms | p95 80 ms | p95 110 ms |",
                              "| Check API: single | p99 ≤ 10 ms | p99 6.7 ms | p99 30 ms |",
                              "| Lookup by USCC | p99 ≤ 5 ms | 1 ms | 2 ms |"])  # fmt: skip
    new = _report(ONE, ["| Check API: batch | ≤ 100 ms | p95 98 ms |", "| Check API: single | p99 ≤ 10 ms | p99 7 ms |",
                        "| Lookup by USCC | p99 ≤ 5 ms | not run |"])  # fmt: skip
    merged = report.merge(previous, new, ran={"checks"})
    assert "| Check API: batch | ≤ 100 ms | p95 80 ms | p95 98 ms |" in merged
    assert "| Check API: single | p99 ≤ 10 ms | p99 6.7 ms | p99 7 ms |" in merged
    assert "| Lookup by USCC | p99 ≤ 5 ms | 1 ms | 2 ms |" in merged  # not run: kept as it was


def test_a_run_of_some_benchmarks_keeps_each_row_of_the_others() -> None:
    rows = ["| Check API: batch | ≤ 100 ms | p95 80 ms | p95 110 ms |",
            "| Check API: single | p99 ≤ 10 ms | p99 6.7 ms | p99 30 ms |"]  # fmt: skip
    previous = _report(BOTH, [*rows, "| Lookup by USCC | p99 ≤ 5 ms | 1 ms | 2 ms |"])
    new = _report(BOTH, ["| Check API: batch | ≤ 100 ms | not run | not run |",
                         "| Check API: single | p99 ≤ 10 ms | not run | not run |",
                         "| Lookup by USCC | p99 ≤ 5 ms | 3 ms | 4 ms |"])  # fmt: skip
    merged = report.merge(previous, new, ran={"lookup"})
    assert all(row in merged for row in rows) and "| Lookup by USCC | p99 ≤ 5 ms | 3 ms | 4 ms |" in merged
