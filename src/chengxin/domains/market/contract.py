"""The marketplace data contract (../shared/contracts/MARKETPLACE.md) as data: tables, columns, types.

A dataset is a folder with ``<table>.parquet`` or ``<table>.csv`` per table. ``read_table`` loads one
file into a Polars frame of typed columns plus ``_row`` (the file's own row number: the CSV header is
row 1, so the first data row is 2; Parquet rows count from 2 the same way) and ``_error``/``_detail``
(the first problem found in the row, or null). A whole file that cannot be read, or that lacks a
required column, raises ``UnusableInput``; a bad value only marks its row.

Times: ISO-8601 with an offset (CSV) or timezone-aware timestamps (Parquet), stored in UTC. A time
without an offset is read as Beijing time (UTC+8) and counted in the summary as ``naive_times``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from chengxin.errors import UnusableInput

STR, INT, TIME, BOOL = "str", "int", "time", "bool"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # str | int | time | bool
    required: bool = True  # a value must be present in every row
    choices: tuple[str, ...] = ()
    min_value: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the row's identity: an id, or the whole natural key (idempotent re-runs)
    required: bool = True  # the table must be in the dataset

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(
    name: str, kind: str = STR, *, opt: bool = False, choices: tuple[str, ...] = (), min_value: int | None = None
) -> Column:
    return Column(name, kind, not opt, choices, min_value)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "accounts",
            (
                _c("account_id"),
                _c("platform_id"),
                _c("role", choices=("buyer", "seller")),
                _c("created_at", TIME),
                _c("subject_id", opt=True),
            ),
            ("account_id",),
        ),
        TableSpec(
            "account_links",
            (
                _c("account_id"),
                _c("link_type", choices=("device", "ip", "address", "phone", "payment")),
                _c("value"),
                _c("seen_at", TIME),
            ),
            ("account_id", "link_type", "value", "seen_at"),
        ),
        TableSpec(
            "items",
            (_c("item_id"), _c("seller_account_id"), _c("category"), _c("list_price_fen", INT, min_value=0)),
            ("item_id",),
        ),
        TableSpec(
            "waybills",
            (
                _c("waybill_no"),
                _c("carrier_uscc"),
                _c("origin_division"),
                _c("dest_division"),
                _c("weight_g", INT, opt=True, min_value=0),
                _c("created_at", TIME),
            ),
            ("waybill_no",),
        ),
        TableSpec(
            "tracking_events",
            (
                _c("waybill_no"),
                _c("event_time", TIME),
                _c("event_type", choices=("collected", "departed", "arrived", "out_for_delivery", "signed")),
                _c("division", opt=True),
                _c("outlet_id", opt=True),
            ),
            ("waybill_no", "event_time", "event_type"),
        ),
        TableSpec(
            "orders",
            (
                _c("order_id"),
                _c("platform_id"),
                _c("buyer_account_id"),
                _c("seller_account_id"),
                _c("item_id"),
                _c("quantity", INT, min_value=1),
                _c("amount_fen", INT, min_value=0),
                _c("created_at", TIME),
                _c("paid_at", TIME, opt=True),
                _c("shipped_at", TIME, opt=True),
                _c("signed_at", TIME, opt=True),
                _c("waybill_no", opt=True),
                _c("status", choices=("completed", "refunded", "cancelled")),
            ),
            ("order_id",),
        ),
        TableSpec(
            "ratings",
            (
                _c("rating_id"),
                _c("order_id"),
                _c("rater_account_id"),
                _c("ratee_account_id"),
                _c("direction", choices=("buyer_to_seller", "seller_to_buyer")),
                _c("kind", choices=("initial", "follow_up")),
                _c("score", opt=True, choices=("good", "neutral", "bad")),
                _c("dsr_description", INT, opt=True),
                _c("dsr_service", INT, opt=True),
                _c("dsr_logistics", INT, opt=True),
                _c("text", opt=True),
                _c("created_at", TIME),
                # Our extension (not in the contract, optional): when the rater changed the score of
                # a rating sent before — the one allowed change (修改评价). Default: the import time.
                _c("changed_at", TIME, opt=True),
            ),
            ("rating_id",),
        ),
        TableSpec(
            "price_history",
            (_c("item_id"), _c("valid_from", TIME), _c("price_fen", INT, min_value=0), _c("promotion", BOOL)),
            ("item_id", "valid_from"),
            required=False,
        ),
        TableSpec(
            "traffic",
            (
                _c("visitor_id"),
                _c("seller_account_id"),
                _c("item_id", opt=True),
                _c("event_time", TIME),
                _c("event_type", choices=("view", "click", "cart")),
                _c("ip", opt=True),
                _c("device", opt=True),
            ),
            ("visitor_id", "seller_account_id", "item_id", "event_time", "event_type"),
            required=False,
        ),
    )
}

# The order tables land in: each references only tables before it.
LOAD_ORDER = (
    "accounts",
    "account_links",
    "items",
    "waybills",
    "tracking_events",
    "orders",
    "ratings",
    "price_history",
    "traffic",
)


def find_file(folder: Path, table: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        path = folder / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def read_raw(path: Path) -> pl.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", null_values=[""])
    except Exception as exc:  # polars raises many kinds for a broken file
        raise UnusableInput(f"{path.name}: not a readable {path.suffix[1:]} file ({exc})", code="file_format") from exc


def frame_of_rows(spec: TableSpec, rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows as sent to the batch API (JSON objects) → the same raw frame a file gives."""
    names = spec.names
    data = {n: [None if r.get(n) is None else str(r.get(n)) for r in rows] for n in names if any(n in r for r in rows)}
    return pl.DataFrame(data, schema={n: pl.String for n in data})


def read_table(path: Path, spec: TableSpec) -> tuple[pl.DataFrame, int]:
    """Load and type one table; returns the frame and how many times had no offset."""
    return parse(read_raw(path), spec, source=path.name)


def check_columns(spec: TableSpec, columns: list[str], *, source: str) -> None:
    """``UnusableInput`` when a required column is missing (the whole table is unusable)."""
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing:
        raise UnusableInput(
            f"{source}: missing required column(s) {', '.join(missing)}",
            code="column_missing",
            message_zh="数据表缺少必需的列",
        )


def parse(raw: pl.DataFrame, spec: TableSpec, *, source: str, first_row: int = 2) -> tuple[pl.DataFrame, int]:
    check_columns(spec, raw.columns, source=source)
    frame = raw.select([pl.col(c.name) if c.name in raw.columns else pl.lit(None).alias(c.name) for c in spec.columns])
    frame = frame.with_row_index("_row", offset=first_row)
    checks: list[pl.Expr] = []
    typed: list[pl.Expr] = []
    naive = pl.lit(0)
    for c in spec.columns:
        expr, bad, was_naive = _typed(c, frame.schema[c.name])
        typed.append(expr.alias(c.name))
        shown = pl.col(c.name).cast(pl.String).str.slice(0, 60)
        code, text = _why(c)
        checks.append(pl.when(bad).then(pl.format(f"{code}\x1f{c.name}: '{{}}' {text}", shown)))
        if c.required:
            checks.append(pl.when(expr.is_null() & ~bad).then(pl.lit(f"value_missing\x1f{c.name}: no value")))
        if was_naive is not None:
            naive = naive + was_naive.cast(pl.Int64)
    first = pl.coalesce(*checks) if checks else pl.lit(None, pl.String)
    frame = frame.with_columns(first.alias("_problem"), naive.alias("_naive"))
    frame = frame.with_columns(typed)
    n_naive = int(frame["_naive"].sum())
    parts = pl.col("_problem").str.split_exact("\x1f", 1)
    frame = frame.with_columns(
        parts.struct.field("field_0").alias("_error"),
        parts.struct.field("field_1").alias("_detail"),
    ).drop("_problem", "_naive")
    return frame, n_naive


def _why(c: Column) -> tuple[str, str]:
    """(code, text) for a bad value of this column."""
    if c.choices:
        return "value_not_allowed", "is not one of " + ", ".join(c.choices)
    if c.kind == INT:
        lowest = "" if c.min_value is None else f" ≥ {c.min_value}"
        return "not_an_integer" if c.min_value is None else "bad_number", f"is not an integer{lowest}"
    if c.kind == TIME:
        return "bad_time", "is not an ISO-8601 time (e.g. 2026-11-11T10:00:00+08:00)"
    return "not_a_boolean", "is not true/false"


def _typed(c: Column, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr | None]:
    """(typed value, the row's value is present but bad, the value had no offset)."""
    col = pl.col(c.name)
    present = col.is_not_null()
    if c.kind == STR:
        text = col.cast(pl.String).str.strip_chars()
        value = pl.when(text == "").then(None).otherwise(text)
        bad = pl.lit(False)
        if c.choices:
            bad = value.is_not_null() & ~value.is_in(list(c.choices))
        return value, bad, None
    if c.kind == INT:
        if dtype.is_integer():
            value = col.cast(pl.Int64)
        else:
            value = col.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
        bad = present & value.is_null()
        if c.min_value is not None:
            bad = bad | (value < c.min_value)
        return value, bad, None
    if c.kind == BOOL:
        if dtype == pl.Boolean:
            return col, pl.lit(False), None
        text = col.cast(pl.String).str.strip_chars().str.to_lowercase()
        value = (
            pl.when(text.is_in(["true", "1", "t", "yes", "是"]))
            .then(True)
            .when(text.is_in(["false", "0", "f", "no", "否"]))
            .then(False)
        )
        return value, present & value.is_null(), None
    return _time(col, dtype)


def _time(col: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr | None]:
    beijing = pl.duration(hours=8)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            value = (col - beijing).dt.replace_time_zone("UTC")
            return value.dt.cast_time_unit("us"), pl.lit(False), col.is_not_null()
        return col.dt.convert_time_zone("UTC").dt.cast_time_unit("us"), pl.lit(False), None
    if isinstance(dtype, pl.Date):
        value = (col.cast(pl.Datetime("us")) - beijing).dt.replace_time_zone("UTC")
        return value, pl.lit(False), col.is_not_null()
    text = col.cast(pl.String).str.strip_chars().str.replace("T", " ", literal=True).str.replace(r"[zZ]$", "+00:00")
    aware = pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", time_zone="UTC", strict=False, time_unit="us"),
        text.str.to_datetime("%Y-%m-%d %H:%M%z", time_zone="UTC", strict=False, time_unit="us"),
    )
    naive = pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"),
        text.str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us"),
        text.str.to_datetime("%Y-%m-%d", strict=False, time_unit="us"),
    )
    naive_value = (naive - beijing).dt.replace_time_zone("UTC")
    value = pl.coalesce(aware, naive_value)
    bad = text.is_not_null() & (text != "") & value.is_null()
    return value, bad, aware.is_null() & naive_value.is_not_null()
