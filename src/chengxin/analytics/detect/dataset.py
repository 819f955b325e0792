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

Memory: a Parquet table in which nothing was refused (typed already, nothing to clean, every reference
known — the usual case) is not kept in memory after it is checked: ``frame`` reads it again (the same
frame, for as long as the caller holds it) and ``table`` on Polars scans the file, so that a pipeline
reads only the columns it uses. Other tables (CSV, frames given in memory, tables with refused rows) stay
in memory as typed. Ten million orders with their ratings, waybills and tracking take some 13 GiB as
Polars frames, more than a detector needs at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
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


class Tables(MutableMapping[str, pl.DataFrame]):
    """The typed tables by name, in load order. A table registered with ``keep_file`` (a Parquet file
    whose rows all passed) is read from its file each time it is asked for, and not kept."""

    def __init__(self, frames: Mapping[str, pl.DataFrame] | None = None) -> None:
        self._order: list[str] = []
        self._frames: dict[str, pl.DataFrame] = {}
        self._files: dict[str, Path] = {}
        self._heights: dict[str, int] = {}
        for name, frame in (frames or {}).items():
            self[name] = frame

    def keep_file(self, table: str, path: Path, height: int) -> None:
        if table not in self._order:
            self._order.append(table)
        self._frames.pop(table, None)
        self._files[table], self._heights[table] = path, height

    def file(self, table: str) -> Path | None:
        """The Parquet file the table is read from, when it is not kept in memory."""
        return self._files.get(table)

    def height(self, table: str) -> int:
        return self._heights[table]

    def __getitem__(self, table: str) -> pl.DataFrame:
        if table in self._files:
            return _reread(self._files[table], table)
        return self._frames[table]

    def __setitem__(self, table: str, frame: pl.DataFrame) -> None:
        if table not in self._order:
            self._order.append(table)
        self._files.pop(table, None)
        self._frames[table], self._heights[table] = frame, frame.height

    def __delitem__(self, table: str) -> None:
        if table not in self._order:
            raise KeyError(table)
        self._order.remove(table)
        for store in (self._frames, self._files, self._heights):
            store.pop(table, None)

    def __contains__(self, table: object) -> bool:
        return table in self._heights

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class Dataset:
    """The tables present (typed, refused rows removed), the engine they run on and the refused rows."""

    engine: AnalyticsEngine
    frames: MutableMapping[str, pl.DataFrame]
    rejections: list[Rejection] = field(default_factory=list)
    _lazy: dict[str, nw.LazyFrame[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.frames, Tables):
            self.frames = Tables(self.frames)

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
            path = self._tables.file(table)
            if path is not None and self.engine.name == "polars":  # read when collected, only the columns used
                scan = pl.scan_parquet(path).select(_columns(table, pl.read_parquet_schema(path)))
                self._lazy[table] = nw.from_native(scan)
            else:
                self._lazy[table] = self.engine.load(self.frames[table])
        return self._lazy[table]

    @property
    def _tables(self) -> Tables:
        assert isinstance(self.frames, Tables)
        return self.frames

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        return self.engine.load(frame)

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        return self.engine.collect(frame)

    @property
    def rows(self) -> dict[str, int]:
        return {t: self._tables.height(t) for t in self.frames}

    @property
    def empty(self) -> bool:
        return "orders" not in self.frames or not self._tables.height("orders")


# the contract's kinds as the Polars types its parser gives them
_TYPES: dict[str, pl.DataType] = {
    contract.STR: pl.String(), contract.INT: pl.Int64(), contract.TIME: pl.Datetime("us", "UTC"),
    contract.BOOL: pl.Boolean(),
}  # fmt: skip


def _as_parsed(raw: pl.DataFrame, spec: contract.TableSpec) -> pl.DataFrame | None:
    """``raw`` as the contract's parser would give it (with ``_row``, no refused row) when the parser
    would change nothing and refuse nothing — the columns already have its types (typed Parquet), no
    text needs trimming or is empty, no required value is missing, no value is outside the allowed
    choices or below its minimum — else None (then the parser runs). Checking costs a fraction of
    parsing, which copies every column of a big table."""
    present = [c for c in spec.columns if c.name in raw.columns]
    if any(c.required and c.name not in raw.columns for c in spec.columns):
        return None
    if any(raw.schema[c.name] != _TYPES[c.kind] for c in present):
        return None
    problems: list[pl.Expr] = []
    for c in present:
        col = pl.col(c.name)
        bad = pl.lit(False)
        if c.kind == contract.STR:  # the parser trims text and takes an empty one for a missing value
            bad = col.str.strip_chars().str.len_bytes() != col.str.len_bytes()
            bad = bad | (col.str.len_bytes() == 0)
            if c.choices:
                bad = bad | ~col.is_in(list(c.choices))
        if c.min_value is not None:
            bad = bad | (col < c.min_value)
        if c.required:
            bad = bad | col.is_null()
        problems.append(bad.fill_null(False).any().alias(c.name))
    if problems and any(raw.select(problems).row(0)):
        return None
    return raw.select(_columns(spec.name, raw.schema)).with_row_index("_row", offset=2)


def _columns(table: str, schema: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """The contract's columns of ``table`` in its order, a missing (optional) one as typed nulls."""
    return [pl.col(c.name) if c.name in schema else pl.lit(None, _TYPES[c.kind]).alias(c.name)
            for c in contract.TABLES[table].columns]  # fmt: skip


def _reread(path: Path, table: str) -> pl.DataFrame:
    """A table registered with ``Tables.keep_file`` read again: the frame its check gave."""
    raw = contract.read_raw(path)
    ready = _as_parsed(raw, contract.TABLES[table])
    if ready is None:  # the file changed since it was checked
        raise UnusableInput(f"{path.name}: changed while the dataset was in use", code="file_changed",
                            message_zh="数据文件在使用中被修改")  # fmt: skip
    return ready.drop("_row")


def _typed(raw: pl.DataFrame, table: str, source: str, rejections: list[Rejection]) -> pl.DataFrame:
    spec = contract.TABLES[table]
    ready = _as_parsed(raw, spec)
    if ready is not None:
        return ready
    frame, _ = contract.parse(raw, spec, source=source)
    bad = frame.filter(pl.col("_error").is_not_null())
    rejections.extend(Rejection(table, r, c, d) for r, c, d in bad.select("_row", "_error", "_detail").iter_rows())
    return frame.filter(pl.col("_error").is_null()).drop("_error", "_detail")


def _check_references(
    table: str, frame: pl.DataFrame, known: Mapping[tuple[str, str], pl.Series], rejections: list[Rejection]
) -> pl.DataFrame:
    """``frame`` (of ``table``) without the rows whose references are unknown, which are refused; ``known``:
    the referenced tables' keys, (table, column) → its values (a table of the load order references only
    tables before it, checked already)."""
    for source, column, target, key in REFERENCES:
        if source != table or (target, key) not in known:
            continue
        values = known[(target, key)].implode()
        unknown = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(values))
        if unknown.height:
            rejections.extend(
                Rejection(table, r, "unknown_reference", f"{column}: '{v}' is not in {target}")
                for r, v in unknown.select("_row", column).iter_rows()
            )
            frame = frame.filter(pl.col(column).is_null() | pl.col(column).is_in(values))
    return frame


def _referenced(table: str, frame: pl.DataFrame, known: dict[tuple[str, str], pl.Series]) -> None:
    """Keep the keys of ``table`` that later tables reference."""
    for _, _, target, key in REFERENCES:
        if target == table and (target, key) not in known:
            known[(target, key)] = frame.get_column(key)  # is_in needs no unique values (``unique`` costs seconds)


def _finish(
    typed: Iterable[tuple[str, pl.DataFrame, Path | None]], rejections: list[Rejection], engine: str | AnalyticsEngine
) -> Dataset:
    """``typed``: (table, frame typed by ``_typed`` with ``_row``, the Parquet file when the frame is that
    file's as it is) in load order; ``rejections``: what typing refused. The tables' references are
    checked in load order; a file's table in which nothing was refused is kept as its file only."""
    tables = Tables()
    known: dict[tuple[str, str], pl.Series] = {}
    for table, frame, path in typed:
        before = len(rejections)
        frame = _check_references(table, frame, known, rejections)
        _referenced(table, frame, known)
        if path is not None and len(rejections) == before:
            tables.keep_file(table, path, frame.height)
        else:
            tables[table] = frame.drop("_row")
    chosen = get_engine(engine) if isinstance(engine, str) else engine
    return Dataset(chosen, tables, sorted(rejections, key=lambda r: (contract.LOAD_ORDER.index(r.table), r.row)))


def open_dataset(folder: Path, engine: str | AnalyticsEngine = "polars") -> Dataset:
    """The tables found in ``folder``; ``UnusableInput`` when it is not a folder or holds no table at all."""
    if not folder.is_dir():
        raise UnusableInput(f"{folder}: not a folder", code="dataset_missing", message_zh="数据集文件夹不存在")
    paths = [(t, p) for t in contract.LOAD_ORDER if (p := contract.find_file(folder, t)) is not None]
    if not paths:
        raise UnusableInput(
            f"{folder}: no table of the marketplace contract (accounts.parquet, orders.csv, …)",
            code="dataset_empty",
            message_zh="数据集中没有任何数据表",
        )
    rejections: list[Rejection] = []

    def typed() -> Iterator[tuple[str, pl.DataFrame, Path | None]]:  # one table read at a time
        for table, path in paths:
            raw = contract.read_raw(path)
            ready = _as_parsed(raw, contract.TABLES[table]) if path.suffix == ".parquet" else None
            if ready is not None:
                yield table, ready, path
            else:
                yield table, _typed(raw, table, path.name, rejections), None

    return _finish(typed(), rejections, engine)


def from_frames(frames: Mapping[str, pl.DataFrame], engine: str | AnalyticsEngine = "polars") -> Dataset:
    """The same from Polars frames (typed or text) keyed by table name."""
    unknown = sorted(set(frames) - set(contract.TABLES))
    if unknown:
        raise ValueError(f"not tables of the marketplace contract: {', '.join(unknown)}")
    rejections: list[Rejection] = []
    typed = ((t, _typed(frames[t], t, t, rejections), None) for t in contract.LOAD_ORDER if t in frames)
    return _finish(typed, rejections, engine)
