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

from common import BENCH_VAR, CHENGXIN, Target, json_summary, log, run_measured

TARGET_S = {"postgresql": 180.0}  # the target is for PostgreSQL; SQLite is recorded
TIMEOUT_S = 3600.0
SEED = 2025
TABLES = ("accounts", "account_links", "items", "waybills", "tracking_events", "orders", "ratings", "price_history",
          "traffic")  # fmt: skip
CLEARED = ("market_accounts", "market_account_links", "market_items", "market_waybills", "market_tracking_events",
           "market_orders", "market_price_history", "market_traffic", "ratings", "rating_replies", "rating_chains",
           "rating_flags", "credit_points")  # fmt: skip


RATED_TABLES = {"accounts", "items", "orders", "ratings"}


def ensure_dataset(orders: int, *, only_rated: bool = False) -> tuple[Path, dict[str, int]]:
    """``var/bench/data/market-ORDERS[-rated]/`` generated once and reused while its manifest matches.
    ``only_rated``: accounts, items, orders and ratings only — the contract's other required tables
    present but empty."""
    from chengxin.demo.market import generate_market

    folder = BENCH_VAR / "data" / (f"market-{orders}" + ("-rated" if only_rated else ""))
    manifest = folder / "manifest.json"
    wanted: dict[str, Any] = {"format": 2, "seed": SEED, "orders": orders, "only_rated": only_rated}
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if {k: saved.get(k) for k in wanted} == wanted:
            log(f"marketplace: reusing {folder}")
            return folder, saved["rows"]
    log(f"marketplace: generating {orders:,} orders (seed {SEED}) into {folder}")
    start = time.perf_counter()
    rows = generate_market(folder, seed=SEED, platforms=3, sellers=max(20, orders // 100),
                           buyers=max(100, orders * 3 // 20), orders=orders, start=date(2025, 1, 1),
                           end=date(2025, 12, 31), tables=RATED_TABLES if only_rated else None)
    if only_rated:
        from chengxin.domains.market.contract import TABLES as CONTRACT

        for table in ("account_links", "waybills", "tracking_events"):  # required tables, empty
            (folder / f"{table}.csv").write_text(",".join(CONTRACT[table].names) + "\n", encoding="utf-8")
            rows[table] = 0
        import polars as pl  # no waybills in this data set: the orders name none

        orders_file = folder / "orders.parquet"
        pl.read_parquet(orders_file).with_columns(pl.lit(None, pl.String).alias("waybill_no")).write_parquet(
            orders_file)
    manifest.write_text(json.dumps({**wanted, "rows": rows}))
    log(f"  generated in {time.perf_counter() - start:.1f} s: {rows}")
    return folder, rows


def clear(target: Target) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(target.url)
    try:
        with engine.begin() as conn:
            for table in CLEARED:
                if engine.dialect.name == "postgresql":  # an empty table, not a deleted one's bloated indexes
                    conn.exec_driver_sql(f"TRUNCATE {table}")
                else:
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


def run(target: Target, orders: int, *, only_rated: bool = False) -> MarketRun:
    folder, rows = ensure_dataset(orders, only_rated=only_rated)
    _migrate(target)
    clear(target)
    argv = [str(CHENGXIN), "market", "import", str(folder), "--json"]
    log(f"{target.engine}: marketplace import benchmark — {orders:,} orders, {sum(rows.values()):,} rows in all")
    res = run_measured(argv, env=target.env(), cwd=target.var_dir, log_dir=BENCH_VAR / "logs",
                       name=f"market-{target.engine}", timeout_s=TIMEOUT_S)
    summary = json_summary(res, MarketImportFailed)
    if summary.get("rejected") or summary.get("inserted") != sum(rows.values()):
        raise MarketImportFailed(f"not every row was inserted: {summary}")
    return MarketRun(str(folder), rows, res.wall_s, res.max_rss_kib / 1024, res.user_s + res.sys_s, summary)


def verdict(engine: str, run: MarketRun) -> tuple[str, str, bool]:
    goal = TARGET_S.get(engine)
    figure = f"{run.wall_s:.1f} s"
    if goal is None:
        return figure, "recorded", True
    return figure, f"≤ {goal:.0f} s", run.wall_s <= goal


def section(orders: int, runs: list[tuple[str, MarketRun | None, MarketRun | None, str]]) -> list[str]:
    out = [f"## 6. Marketplace import ({orders:,} orders with ratings)", "",
           (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(), "",
           "Two data sets of the same market: *orders with ratings* — accounts, items, orders and ratings, "
           "the contract's other required tables present but empty (the target: ≤ 3 min on PostgreSQL); "
           "*every table* — the same plus account links, waybills, tracking events, price history and "
           "traffic (recorded, no target).", ""]
    done = [r for r in runs if r[1] is not None or r[2] is not None]
    if not done:
        return [*out, "Not run.", ""]
    out += ["| Engine | Data set | Rows in all | Wall time | Rows/s | Peak RSS | Slowest tables | Verdict |",
            "|---|---|---|---|---|---|---|---|"]
    for name, rated, full, verdict in done:
        for label, r, v in (("orders with ratings", rated, verdict), ("every table", full, "recorded")):
            if r is None:
                continue
            tables = r.summary.get("tables", {})
            slow = sorted(tables.items(), key=lambda kv: -float(kv[1].get("seconds", 0)))[:3]
            slowest = ", ".join(f"{t} {float(v_.get('seconds', 0)):.0f} s" for t, v_ in slow)
            out.append(f"| {name} | {label} | {r.total_rows:,} | {r.wall_s:.1f} s | {r.total_rows / r.wall_s:,.0f} | "
                       f"{r.max_rss_mib:.0f} MiB | {slowest} | {v} |")
    first = next(r for _, _, r, _ in done if r is not None) if any(r[2] for r in done) else None
    if first is not None:
        out += ["", "Rows per table (every table): " + ", ".join(f"{t} {first.rows.get(t, 0):,}" for t in TABLES) + "."]
    return [*out, ""]
