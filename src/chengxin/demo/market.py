"""A seeded synthetic marketplace in the platform data contract (../shared/contracts/MARKETPLACE.md).

``generate_market`` writes one file per table (Parquet or CSV) and returns the rows written per table:
accounts, account_links, items, orders, ratings, waybills, tracking_events and the optional
price_history and traffic. It is vectorised (numpy for the model, polars for the ids and the files,
written in chunks), so a million orders take seconds and little memory; the same seed gives the same
files. What it models:

* platforms ``P01``…, sellers and buyers of one platform trading with each other; sellers from commerce
  hubs, 60% with the company's USCC (``merchant_usccs`` round-robin in list order from the busiest shop
  down, so the first merchants get busy shops; else made-up valid codes), buyers without;
* Zipf-like seller popularity, returning buyer–seller pairs (some re-buying the same item every few days,
  some ordering more than six times a month), daily and weekly rhythm and a promotion spike (11-11, 6-18
  or 12-12 when in range, else a store festival mid-range) with its pre-sale and midnight rush;
* mostly completed orders, some refunded or cancelled; ¥1 postage links (补差价, not shipped) and
  few-jiao trinkets put orders of ¥1 or less into the data; prices follow the price history;
* ratings valid under ``chengxin.domains.ratings.rules`` (see ``market_ratings``), waybills and five
  tracking scans per parcel, hashed account links with shared family devices, and a week of traffic.

Orders and parcels may be signed after ``end``; no rating is later than the end of ``end`` (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from chengxin.demo import market_frames as mf
from chengxin.demo.market_core import Orders, Params, Population, make_orders, make_population
from chengxin.demo.market_links import account_links, traffic
from chengxin.demo.market_logistics import logistics, prefixes_for
from chengxin.demo.market_prices import Prices, Timeline, make_prices, make_timeline, price_orders
from chengxin.demo.market_ratings import Ratings, make_ratings

REQUIRED_TABLES = ("accounts", "account_links", "items", "orders", "ratings", "waybills", "tracking_events")
OPTIONAL_TABLES = ("price_history", "traffic")
ALL_TABLES = REQUIRED_TABLES + OPTIONAL_TABLES
CHUNK_ROWS = 500_000
CSV_TIME = "%Y-%m-%dT%H:%M:%S%:z"


@dataclass
class Market:
    """The model behind the tables; each part is made the first time a table needs it."""

    params: Params
    _tables: dict[str, mf.Table] = field(default_factory=dict)

    @cached_property
    def pop(self) -> Population:
        return make_population(self.params)

    @cached_property
    def unpriced(self) -> Orders:
        return make_orders(self.params, self.pop)

    @cached_property
    def timeline(self) -> Timeline:
        return make_timeline(self.params, self.pop, self.unpriced)

    @cached_property
    def orders(self) -> Orders:
        price_orders(self.unpriced, self.prices)  # amounts follow the price history
        return self.unpriced

    @cached_property
    def prices(self) -> Prices:
        return make_prices(self.params, self.pop, self.timeline)

    @cached_property
    def ratings(self) -> Ratings:
        return make_ratings(self.params, self.pop, self.orders)

    @cached_property
    def namer(self) -> mf.Namer:
        return mf.Namer(self.pop, self.orders)

    @cached_property
    def prefixes(self) -> tuple[str, ...]:
        return prefixes_for(len(self.pop.carrier_usccs))

    def table(self, name: str) -> mf.Table:
        if name in ("waybills", "tracking_events") and name not in self._tables:
            waybills, tracking = logistics(self.params, self.namer, self.prefixes)
            self._tables.update(waybills=waybills, tracking_events=tracking)
        if name not in self._tables:
            self._tables[name] = self._make(name)
        return self._tables.pop(name)  # tables are used once: let their arrays go

    def _make(self, name: str) -> mf.Table:
        if name == "accounts":
            return mf.accounts(self.namer, self.timeline)
        if name == "account_links":
            return account_links(self.params, self.namer, self.timeline)
        if name == "items":
            return mf.items(self.namer)
        if name == "orders":
            return mf.orders_table(self.namer, self.prefixes)
        if name == "ratings":
            return mf.ratings(self.namer, self.ratings)
        if name == "price_history":
            return mf.price_history(self.namer, self.prices)
        if name == "traffic":
            return traffic(self.params, self.namer)
        raise ValueError(f"unknown table {name!r}; the tables are {', '.join(ALL_TABLES)}")


def _chunks(table: mf.Table) -> Iterator[pl.DataFrame]:
    step = max(1, CHUNK_ROWS // table.per_unit)
    for lo in range(0, max(table.units, 1), step):  # an empty table still gives one (empty) frame
        yield table.build(lo, min(lo + step, table.units))


def write_table(table: mf.Table, path: Path, fmt: Literal["parquet", "csv"]) -> int:
    """Write a table chunk by chunk; the number of rows written."""
    rows = 0
    if fmt == "csv":
        with path.open("wb") as out:
            for k, frame in enumerate(_chunks(table)):
                frame.write_csv(out, include_header=k == 0, datetime_format=CSV_TIME)
                rows += frame.height
        return rows
    writer = None
    try:
        for frame in _chunks(table):
            arrow = frame.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, arrow.schema, compression="zstd")
            writer.write_table(arrow)
            rows += frame.height
    finally:
        if writer is not None:
            writer.close()
    return rows


def _market(
    *, seed: int, platforms: int, sellers: int, buyers: int, orders: int, start: date, end: date,
    merchant_usccs: Sequence[str], carriers: Sequence[str],
) -> Market:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if orders < 0:
        raise ValueError("orders must not be negative")
    return Market(Params(seed, platforms, sellers, buyers, orders, start, end, tuple(merchant_usccs), tuple(carriers)))


def _wanted(tables: set[str] | None) -> list[str]:
    if tables is None:
        return list(ALL_TABLES)
    unknown = sorted(set(tables) - set(ALL_TABLES))
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; the tables are {', '.join(ALL_TABLES)}")
    return [t for t in ALL_TABLES if t in tables]


def generate_market(
    out: Path,
    *,
    seed: int = 7,
    platforms: int = 3,
    sellers: int = 2000,
    buyers: int = 30000,
    orders: int = 200_000,
    start: date,
    end: date,
    fmt: Literal["parquet", "csv"] = "parquet",
    merchant_usccs: Sequence[str] = (),
    carriers: Sequence[str] = (),
    tables: set[str] | None = None,
) -> dict[str, int]:
    """Write ``<table>.<fmt>`` into ``out`` for each table asked for (default: all nine); rows per table."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be parquet or csv, not {fmt!r}")
    wanted = _wanted(tables)
    market = _market(seed=seed, platforms=platforms, sellers=sellers, buyers=buyers, orders=orders, start=start,
                     end=end, merchant_usccs=merchant_usccs, carriers=carriers)
    out.mkdir(parents=True, exist_ok=True)
    return {name: write_table(market.table(name), out / f"{name}.{fmt}", fmt) for name in wanted}


def market_frames(
    *,
    seed: int = 7,
    platforms: int = 3,
    sellers: int = 2000,
    buyers: int = 30000,
    orders: int = 200_000,
    start: date,
    end: date,
    merchant_usccs: Sequence[str] = (),
    carriers: Sequence[str] = (),
    tables: set[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """The same tables as ``generate_market`` writes, in memory (for tests and small simulations)."""
    wanted = _wanted(tables)
    market = _market(seed=seed, platforms=platforms, sellers=sellers, buyers=buyers, orders=orders, start=start,
                     end=end, merchant_usccs=merchant_usccs, carriers=carriers)
    return {name: pl.concat(list(_chunks(market.table(name)))) for name in wanted}


def generate_rated_orders(n_orders: int, *, seed: int) -> dict[str, pl.DataFrame]:
    """Accounts, items, orders and ratings of a market of ``n_orders`` orders in 2025 (one seller per
    hundred orders, one buyer per seven), for rating and credit computations."""
    return market_frames(
        seed=seed, sellers=max(20, n_orders // 100), buyers=max(100, n_orders // 7), orders=n_orders,
        start=date(2025, 1, 1), end=date(2025, 12, 31), tables={"accounts", "items", "orders", "ratings"},
    )
