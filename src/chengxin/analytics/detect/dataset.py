"""A marketplace dataset for detection: the contract's tables on an analytics engine, plus what was refused.

``open_dataset(folder)`` reads every table present (``<table>.parquet`` or ``<table>.csv``) with the
contract's parser: rows with a bad or missing value are reported (table, row, code, detail) and left out,
as are rows that reference an unknown id (an order of an unknown account or item, a rating of an unknown
order, a tracking event of an unknown waybill). A missing required *file* does not stop detection: it
disables the detectors that need the table (``run`` says which). ``from_frames`` does the same for
in-memory Polars frames (tests, the demo).

Detectors reach the tables as Narwhals LazyFrames (``table``) on the chosen engine (Polars by default,
Spark for clusters) for their relational work, and as Polars frames (``frame``) where they need arrays
(graph peeling).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.analytics.engines import AnalyticsEngine, get_engine
from chengxin.domains.market import contract
from chengxin.errors import UnusableInput

# (table, column, referenced table, referenced column): a row whose reference is unknown is refused.
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("account_links", "account_id", "accounts", "account_id"),
    ("items", "seller_account_id", "accounts", "account_id"),
    ("orders", "buyer_account_id", "accounts", "account_id"),
    ("orders", "seller_account_id", "accounts", "account_id"),
    ("orders", "item_id", "items", "item_id"),
    ("ratings", "order_id", "orders", "order_id"),
    ("tracking_events", "waybill_no", "waybills", "waybill_no"),
    ("price_history", "item_id", "items", "item_id"),
)


@dataclass(frozen=True)
class Rejection:
    table: str
    row: int
    code: str
    detail: str


@dataclass
class Dataset:
    """The tables present (typed, refused rows removed), the engine they run on and the refused rows."""

    engine: AnalyticsEngine
    frames: dict[str, pl.DataFrame]
    rejections: list[Rejection] = field(default_factory=list)
    _lazy: dict[str, nw.LazyFrame[Any]] = field(default_factory=dict)

    def has(self, *tables: str) -> bool:
        return all(t in self.frames for t in tables)

    def missing(self, tables: tuple[str, ...]) -> list[str]:
        return [t for t in tables if t not in self.frames]

    def frame(self, table: str) -> pl.DataFrame:
        """A table as a Polars frame (typed by the contract)."""
        return self.frames[table]

    def table(self, table: str) -> nw.LazyFrame[Any]:
        """A table as a Narwhals LazyFrame on the dataset's engine."""
        if table not in self._lazy:
            self._lazy[table] = self.engine.load(self.frames[table])
        return self._lazy[table]

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        return self.engine.load(frame)

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        return self.engine.collect(frame)

    @property
    def rows(self) -> dict[str, int]:
        return {t: f.height for t, f in self.frames.items()}

    @property
    def empty(self) -> bool:
        return not self.frames.get("orders", pl.DataFrame()).height


def _typed(raw: pl.DataFrame, table: str, source: str, rejections: list[Rejection]) -> pl.DataFrame:
    spec = contract.TABLES[table]
    frame, _ = contract.parse(raw, spec, source=source)
    bad = frame.filter(pl.col("_error").is_not_null())
    rejections.extend(Rejection(table, r, c, d) for r, c, d in bad.select("_row", "_error", "_detail").iter_rows())
    return frame.filter(pl.col("_error").is_null()).drop("_error", "_detail")


def _check_references(frames: dict[str, pl.DataFrame], rejections: list[Rejection]) -> None:
    for table, column, target, key in REFERENCES:
        if table not in frames or target not in frames:
            continue
        frame = frames[table]
        known = frames[target].get_column(key).unique().implode()
        unknown = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(known))
        if unknown.height:
            rejections.extend(
                Rejection(table, r, "unknown_reference", f"{column}: '{v}' is not in {target}")
                for r, v in unknown.select("_row", column).iter_rows()
            )
            frames[table] = frame.filter(pl.col(column).is_null() | pl.col(column).is_in(known))


def _finish(raws: Mapping[str, tuple[pl.DataFrame, str]], engine: str | AnalyticsEngine) -> Dataset:
    rejections: list[Rejection] = []
    frames = {t: _typed(raw, t, source, rejections) for t, (raw, source) in raws.items()}
    _check_references(frames, rejections)
    for t, f in frames.items():
        frames[t] = f.drop("_row")
    chosen = get_engine(engine) if isinstance(engine, str) else engine
    return Dataset(chosen, frames, sorted(rejections, key=lambda r: (contract.LOAD_ORDER.index(r.table), r.row)))


def open_dataset(folder: Path, engine: str | AnalyticsEngine = "polars") -> Dataset:
    """The tables found in ``folder``; ``UnusableInput`` when it is not a folder or holds no table at all."""
    if not folder.is_dir():
        raise UnusableInput(f"{folder}: not a folder", code="dataset_missing", message_zh="数据集文件夹不存在")
    raws: dict[str, tuple[pl.DataFrame, str]] = {}
    for table in contract.LOAD_ORDER:
        path = contract.find_file(folder, table)
        if path is not None:
            raws[table] = (contract.read_raw(path), path.name)
    if not raws:
        raise UnusableInput(
            f"{folder}: no table of the marketplace contract (accounts.parquet, orders.csv, …)",
            code="dataset_empty",
            message_zh="数据集中没有任何数据表",
        )
    return _finish(raws, engine)


def from_frames(frames: Mapping[str, pl.DataFrame], engine: str | AnalyticsEngine = "polars") -> Dataset:
    """The same from Polars frames (typed or text) keyed by table name."""
    unknown = sorted(set(frames) - set(contract.TABLES))
    if unknown:
        raise ValueError(f"not tables of the marketplace contract: {', '.join(unknown)}")
    order = [t for t in contract.LOAD_ORDER if t in frames]
    return _finish({t: (frames[t], t) for t in order}, engine)
