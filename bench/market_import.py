"""The marketplace import benchmark: a platform's dataset of 1,000,000 orders with their ratings.

The dataset is the demo generator's (``chengxin.demo.market.generate_market``, seed 2025): a year of
a three-platform market, 10,000 sellers, 150,000 buyers, every table of the contract (accounts,
account links, items, waybills, tracking events, orders, ratings, price history, traffic) as
Parquet. It is imported with ``chengxin market import DIR --json`` as a subprocess; before the run
the harness empties the marketplace and rating tables, so every row is inserted. The figure is the
whole command: reading, checking every row, the ratings against their orders and the rules, the
hash chains, the credit points of every buyer–seller pair, the audit entries and the commits.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from common import BENCH_VAR, CHENGXIN, Target, log, run_measured

TARGET_S = {"postgresql": 180.0}  # the target is for PostgreSQL; SQLite is recorded
TIMEOUT_S = 3600.0
SEED = 2025
TABLES = ("accounts", "account_links", "items", "waybills", "tracking_events", "orders", "ratings", "price_history",
          "traffic")  # fmt: skip
CLEARED = ("market_accounts", "market_account_links", "market_items", "market_waybills", "market_tracking_events",
           "market_orders", "market_price_history", "market_traffic", "ratings", "rating_replies", "rating_chains",
           "rating_flags", "credit_pair_points", "credit_points")  # fmt: skip


def ensure_dataset(orders: int) -> tuple[Path, dict[str, int]]:
    """``var/bench/data/market-ORDERS/`` generated once and reused while its manifest matches."""
    from chengxin.demo.market import generate_market

    folder = BENCH_VAR / "data" / f"market-{orders}"
    manifest = folder / "manifest.json"
    wanted: dict[str, Any] = {"format": 1, "seed": SEED, "orders": orders}
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if {k: saved.get(k) for k in wanted} == wanted:
            log(f"marketplace: reusing {folder}")
            return folder, saved["rows"]
    log(f"marketplace: generating {orders:,} orders (seed {SEED}) into {folder}")
    start = time.perf_counter()
    rows = generate_market(folder, seed=SEED, platforms=3, sellers=max(20, orders // 100),
                           buyers=max(100, orders * 3 // 20), orders=orders, start=date(2025, 1, 1),
                           end=date(2025, 12, 31))
    manifest.write_text(json.dumps({**wanted, "rows": rows}))
    log(f"  generated in {time.perf_counter() - start:.1f} s: {rows}")
    return folder, rows


def clear(target: Target) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(target.url)
    try:
        with engine.begin() as conn:
            for table in CLEARED:
                conn.exec_driver_sql(f"DELETE FROM {table}")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(CLEARED)}")
    finally:
        engine.dispose()


@dataclass
class MarketRun:
    folder: str
    rows: dict[str, int]
    wall_s: float
    max_rss_mib: float
    cpu_s: float
    summary: dict[str, Any]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class MarketImportFailed(RuntimeError):
    pass


def _migrate(target: Target) -> None:
    """The schema first (an empty benchmark database), so the timed run measures the import only."""
    import subprocess

    subprocess.run([str(CHENGXIN), "db", "upgrade"], env=target.env(), cwd=target.var_dir, check=True,
                   capture_output=True)


def run(target: Target, orders: int) -> MarketRun:
    folder, rows = ensure_dataset(orders)
    _migrate(target)
    clear(target)
    argv = [str(CHENGXIN), "market", "import", str(folder), "--json"]
    log(f"{target.engine}: marketplace import benchmark — {orders:,} orders, {sum(rows.values()):,} rows in all")
    res = run_measured(argv, env=target.env(), cwd=target.var_dir, log_dir=BENCH_VAR / "logs",
                       name=f"market-{target.engine}", timeout_s=TIMEOUT_S)
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    if res.returncode != 0 or not lines:
        raise MarketImportFailed(f"{' '.join(argv)} exited {res.returncode}:\n{res.stderr[-3000:]}")
    summary = json.loads(lines[-1])
    if summary.get("rejected") or summary.get("inserted") != sum(rows.values()):
        raise MarketImportFailed(f"not every row was inserted: {summary}")
    return MarketRun(str(folder), rows, res.wall_s, res.max_rss_kib / 1024, res.cpu_s, summary)


def verdict(engine: str, run: MarketRun) -> tuple[str, str, bool]:
    goal = TARGET_S.get(engine)
    figure = f"{run.wall_s:.1f} s"
    if goal is None:
        return figure, "recorded", True
    return figure, f"≤ {goal:.0f} s", run.wall_s <= goal


def section(orders: int, runs: list[tuple[str, MarketRun | None, str]]) -> list[str]:
    out = [f"## 6. Marketplace import ({orders:,} orders with ratings)", "",
           (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(), ""]
    done = [(name, r, v) for name, r, v in runs if r is not None]
    if not done:
        return [*out, "Not run.", ""]
    first = done[0][1]
    assert first is not None
    out += ["Rows per table: " + ", ".join(f"{t} {first.rows.get(t, 0):,}" for t in TABLES) + ".", "",
            "| Engine | Rows in all | Wall time | Rows/s | Peak RSS | CPU (user+sys) | Verdict |",
            "|---|---|---|---|---|---|---|"]
    for name, r, v in done:
        assert r is not None
        out.append(f"| {name} | {r.total_rows:,} | {r.wall_s:.1f} s | {r.total_rows / r.wall_s:,.0f} | "
                   f"{r.max_rss_mib:.0f} MiB | {r.cpu_s:.1f} s | {v} |")
    return [*out, ""]
