"""Analytics engines (分析引擎): the one I/O boundary of the batch pipelines.

A pipeline is written once on Narwhals and runs on whichever engine ``get_engine`` returns:

* ``polars`` (default): in-process, multi-threaded; a dataset up to some tens of millions of rows.
* ``duckdb``: in-process SQL engine, one in-memory connection per engine object.
* ``spark``: Apache Spark; here a local-mode session (``local[2]``) started lazily once per process and
  shared (``spark_session``/``stop_spark``); on a cluster the same code runs against its master.

An engine loads a marketplace table (MARKETPLACE.md) as a Narwhals LazyFrame, from a dataset folder
(``<table>.parquet`` or ``<table>.csv``) or from a Polars DataFrame, and collects a result back into a
Polars DataFrame. Loading types the columns as the contract says (ids and codes as text, integers as
Int64, times as UTC datetimes; a time without an offset is Beijing time) and drops the rows the import
would refuse for a bad or missing value: the import reports them, the batch only must not trip on them.
Polars and DuckDB type with the contract's own parser (``domains.market.contract``); Spark reads the
files natively (so a cluster reads them in parallel) with the same rules written in Spark SQL.
"""

from __future__ import annotations

import functools
import operator
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.config import get_settings
from chengxin.domains.market import contract
from chengxin.errors import UnusableInput

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import Column, SparkSession
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql.types import DataType

Engine = Literal["polars", "duckdb", "spark"]
ENGINES: tuple[Engine, ...] = get_args(Engine)

SPARK_CONF = {  # with spark.master and spark.driver.memory from Settings (spark_session)
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",  # datetime parts (year, month) are read in UTC, like Polars
    "spark.sql.shuffle.partitions": "4",  # the default 200 is for clusters; local[2] wants a few
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
}


class AnalyticsEngine(Protocol):
    """Where a Narwhals pipeline runs: marketplace tables in as LazyFrames, results out as Polars."""

    name: Engine

    def from_polars(self, frame: pl.DataFrame, table: str) -> nw.LazyFrame[Any]:
        """A contract table given as a Polars frame (typed or text), typed and loaded into the engine."""
        ...

    def read_table(self, folder: Path, table: str) -> nw.LazyFrame[Any]:
        """A contract table read from a dataset folder (``<table>.parquet`` or ``<table>.csv``)."""
        ...

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        """Any Polars frame, as it is, loaded into the engine (inputs that are not contract tables)."""
        ...

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        """Run a pipeline and bring its result back as a Polars DataFrame."""
        ...


def get_engine(name: str = "polars") -> AnalyticsEngine:
    """The engine called ``name`` (one of ``ENGINES``): the one factory of the analytics boundary."""
    if name == "polars":
        return PolarsEngine()
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine()
    raise ValueError(f"unknown analytics engine {name!r}; choose one of {', '.join(ENGINES)}")


def materialize(frame: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Compute ``frame`` now and continue lazily from its rows: for an intermediate result a pipeline
    uses more than once, which a lazy engine would otherwise compute once per use."""
    native: Any = nw.to_native(frame)
    if isinstance(native, pl.LazyFrame):
        return nw.from_native(native.collect(engine="streaming").lazy())
    if frame.implementation is nw.Implementation.DUCKDB:
        done = native.materialize()
    elif frame.implementation is nw.Implementation.PYSPARK:
        done = native.localCheckpoint()
    else:
        return frame
    result: nw.LazyFrame[Any] = nw.from_native(done)
    return result


# --- typing with the contract's parser (Polars) ------------------------------------------------------


def _spec(table: str) -> contract.TableSpec:
    spec = contract.TABLES.get(table)
    if spec is None:
        raise ValueError(f"{table!r} is not a table of the marketplace contract")
    return spec


_POLARS_TYPE: dict[str, pl.DataType] = {
    contract.STR: pl.String(), contract.INT: pl.Int64(), contract.TIME: pl.Datetime("us", "UTC"),
    contract.BOOL: pl.Boolean(),
}  # fmt: skip


def typed_frame(raw: pl.DataFrame, table: str, *, source: str | None = None) -> pl.DataFrame:
    """``raw`` typed by the contract's columns; rows with a bad or missing value dropped.

    A frame whose columns already have the contract's types (text, Int64, UTC microsecond datetimes)
    skips the parser, whose text clean-up would copy every column: its rows are only checked for
    missing required values, values outside the allowed choices and integers below their minimum."""
    spec = _spec(table)
    present = [c for c in spec.columns if c.name in raw.columns]
    complete = all(c.name in raw.columns for c in spec.columns if c.required)
    if not complete or any(raw.schema[c.name] != _POLARS_TYPE[c.kind] for c in present):
        frame, _ = contract.parse(raw, spec, source=source or table)
        return frame.filter(pl.col("_error").is_null()).drop("_row", "_error", "_detail")
    fine: list[pl.Expr] = []
    for c in spec.columns:
        col = pl.col(c.name)
        if c.required:
            fine.append(col.is_not_null())
        if c.choices:
            fine.append(col.is_null() | col.is_in(list(c.choices)))
        if c.min_value is not None:
            fine.append(col.is_null() | (col >= c.min_value))
    columns = [
        pl.col(c.name) if c in present else pl.lit(None, _POLARS_TYPE[c.kind]).alias(c.name) for c in spec.columns
    ]
    return raw.lazy().select(columns).filter(*fine).collect()


def table_path(folder: Path, table: str) -> Path:
    """The file holding ``table`` in a dataset folder; ``UnusableInput`` when there is none."""
    path = contract.find_file(folder, table)
    if path is None:
        raise UnusableInput(
            f"{folder}: no {table}.parquet or {table}.csv", code="table_missing", message_zh="数据集缺少必需的表"
        )
    return path


def read_typed(folder: Path, table: str) -> pl.DataFrame:
    """One table of a dataset folder, typed by the contract's parser, bad rows dropped."""
    frame, _ = contract.read_table(table_path(folder, table), _spec(table))
    return frame.filter(pl.col("_error").is_null()).drop("_row", "_error", "_detail")


class PolarsEngine:
    """Polars lazy frames; collected with the streaming engine (bounded memory, all cores)."""

    name: Engine = "polars"

    def from_polars(self, frame: pl.DataFrame, table: str) -> nw.LazyFrame[Any]:
        return nw.from_native(typed_frame(frame, table).lazy())

    def read_table(self, folder: Path, table: str) -> nw.LazyFrame[Any]:
        return nw.from_native(read_typed(folder, table).lazy())

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        return nw.from_native(frame.lazy())

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        native = nw.to_native(frame)
        assert isinstance(native, pl.LazyFrame)
        return native.collect(engine="streaming")


class DuckDBEngine:
    """An in-memory DuckDB connection (session time zone UTC) fed with Arrow tables."""

    name: Engine = "duckdb"

    def __init__(self) -> None:
        import duckdb

        self.connection: duckdb.DuckDBPyConnection = duckdb.connect()
        self.connection.execute("SET TimeZone = 'UTC'")
        self._tables: list[Any] = []  # the Arrow tables behind the relations stay alive with the engine

    def from_polars(self, frame: pl.DataFrame, table: str) -> nw.LazyFrame[Any]:
        return self._load(typed_frame(frame, table))

    def read_table(self, folder: Path, table: str) -> nw.LazyFrame[Any]:
        return self._load(read_typed(folder, table))

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        return self._load(frame)

    def _load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        arrow = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        self._tables.append(arrow)
        return nw.from_native(self.connection.from_arrow(arrow))

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        result: pl.DataFrame = frame.collect(backend="polars").to_native()
        return result


# --- Spark ---------------------------------------------------------------------------------------------

_spark: SparkSession | None = None
_spark_lock = threading.Lock()


def spark_session() -> SparkSession:
    """The process's Spark session, started on first use (``SPARK_CONF``; master and driver memory from
    Settings)."""
    global _spark
    with _spark_lock:
        if _spark is None:
            from pyspark.sql import SparkSession

            settings = get_settings()
            builder = SparkSession.builder.master(settings.spark_master).appName("chengxin-analytics")
            conf = {**SPARK_CONF, "spark.driver.memory": settings.spark_driver_memory}
            for key, value in conf.items():
                builder = builder.config(key, value)
            _spark = builder.getOrCreate()
            _spark.sparkContext.setLogLevel("ERROR")
        return _spark


def stop_spark() -> None:
    """Stop the process's Spark session if one was started (the next use starts a new one)."""
    global _spark
    with _spark_lock:
        if _spark is not None:
            _spark.stop()
            _spark = None


class SparkEngine:
    """Spark DataFrames of the shared session; files are read by Spark itself."""

    name: Engine = "spark"

    def from_polars(self, frame: pl.DataFrame, table: str) -> nw.LazyFrame[Any]:
        return self.load(typed_frame(frame, table))

    def load(self, frame: pl.DataFrame) -> nw.LazyFrame[Any]:
        arrow = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
        return nw.from_native(spark_session().createDataFrame(arrow))

    def read_table(self, folder: Path, table: str) -> nw.LazyFrame[Any]:
        path = table_path(folder, table)
        reader = spark_session().read
        if path.suffix == ".parquet":
            raw = reader.parquet(str(path))
        else:
            raw = reader.options(header=True, multiLine=True, escape='"', encoding="UTF-8").csv(str(path))
        return nw.from_native(_spark_typed(raw, _spec(table), source=path.name))

    def collect(self, frame: nw.LazyFrame[Any]) -> pl.DataFrame:
        result: pl.DataFrame = frame.collect(backend="polars").to_native()
        return result


_SPARK_TYPE = {contract.STR: "string", contract.INT: "bigint", contract.TIME: "timestamp", contract.BOOL: "boolean"}
_DATE, _CLOCK = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", "[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?"
_AWARE = f"^{_DATE}[ T]{_CLOCK}([zZ]|[+-][0-9]{{2}}:?[0-9]{{2}})$"  # what the contract's parser takes
_NAIVE = f"^{_DATE}([ T]{_CLOCK})?$"  # no offset: Beijing time


def _spark_typed(raw: SparkFrame, spec: contract.TableSpec, *, source: str) -> SparkFrame:
    """The contract's typing rules in Spark SQL: typed columns, rows with a bad or missing value dropped."""
    from pyspark.sql import functions as F

    contract.check_columns(spec, list(raw.columns), source=source)
    values: list[Column] = []
    fine: list[Column] = []
    for c in spec.columns:
        if c.name not in raw.columns:
            values.append(F.lit(None).cast(_SPARK_TYPE[c.kind]).alias(c.name))
            continue
        value, bad = _spark_value(F.col(c.name), raw.schema[c.name].dataType, c)
        values.append(value.alias(c.name))
        fine.append(~F.coalesce(bad, F.lit(False)))
        if c.required:
            fine.append(value.isNotNull())
    keep = functools.reduce(operator.and_, fine, F.lit(True))
    return raw.select(*values, keep.alias("_keep")).filter(F.col("_keep")).drop("_keep")


def _spark_value(col: Column, dtype: DataType, c: contract.Column) -> tuple[Column, Column]:
    """(typed value, the value is present but bad) of one column, as ``contract._typed`` does in Polars."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    present = col.isNotNull()
    text = F.trim(col.cast("string"))
    if c.kind == contract.STR:
        value = F.when(text != "", text)
        bad = value.isNotNull() & ~value.isin(*c.choices) if c.choices else F.lit(False)
        return value, bad
    if c.kind == contract.INT:
        value = col.cast("bigint") if isinstance(dtype, T.IntegralType) else text.try_cast("bigint")
        bad = present & value.isNull()
        if c.min_value is not None:
            bad = bad | (value < F.lit(c.min_value))
        return value, bad
    if c.kind == contract.BOOL:
        lower = F.lower(text)
        value = F.when(lower.isin("true", "1", "t", "yes", "是"), F.lit(True)).when(
            lower.isin("false", "0", "f", "no", "否"), F.lit(False)
        )
        return value, present & value.isNull()
    if isinstance(dtype, T.TimestampType):
        return col, F.lit(False)
    if isinstance(dtype, T.TimestampNTZType | T.DateType):  # no offset: Beijing time
        return F.to_utc_timestamp(col.cast("timestamp"), "Asia/Shanghai"), F.lit(False)
    parsed = text.try_cast("timestamp")
    value = F.when(text.rlike(_AWARE), parsed).when(text.rlike(_NAIVE), F.to_utc_timestamp(parsed, "Asia/Shanghai"))
    return value, text.isNotNull() & (text != "") & value.isNull()
