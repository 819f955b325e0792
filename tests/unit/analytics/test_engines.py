"""The analytics engines: the same credit on Polars, DuckDB and Spark, from frames and from dataset folders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from chengxin.analytics.credit import compute_credit
from chengxin.analytics.engines import ENGINES, get_engine, spark_session, stop_spark
from chengxin.domains.ratings import rules as rr
from chengxin.errors import UnusableInput

from .streams import BASE, RandomChooser, as_rows, reference, stream

RULES = rr.load_rules(str(rr.DEFAULTS))
ALWAYS = replace(RULES, default_when="always", pair_month_cap=2)
DAY = (BASE + timedelta(days=150)).date()


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    """About four thousand ratings between a few hundred accounts over 200 days, with repeats every engine
    must settle alike: an order given twice identically, one given twice with different amounts, and a
    rating given twice at the same instant with different scores."""
    fixed = stream(RandomChooser(42), n_orders=1500, accounts=300, items=5, days=200)
    day = DAY
    assert as_rows(compute_credit(fixed.frames(), day=day, rules=RULES)) == reference(fixed, day, RULES)
    out = fixed.frames()
    orders, ratings = out["orders"], out["ratings"]
    rated = set(ratings["order_id"])
    done = orders.filter(pl.col("status") == "completed", pl.col("order_id").is_in(list(rated)))
    same, changed = done.slice(0, 1), done.slice(1, 1).with_columns(pl.col("amount_fen") + 1)
    initial = ratings.filter(pl.col("kind") == "initial", pl.col("score") == "good")
    tie = initial.slice(0, 1).with_columns(score=pl.lit("neutral"))  # the later by the tie-break: kept
    return {"orders": pl.concat([orders, same, changed]), "ratings": pl.concat([ratings, tie])}


@pytest.fixture(scope="module")
def expected(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return compute_credit(frames, day=DAY, rules=RULES, engine="polars")


@pytest.fixture(scope="module")
def folder(frames: dict[str, pl.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``frames`` as a dataset folder: orders as CSV (Beijing times with their offset, one broken row),
    ratings as Parquet."""
    path = tmp_path_factory.mktemp("dataset")
    local = pl.selectors.datetime().dt.convert_time_zone("Asia/Shanghai").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z")
    orders = frames["orders"].with_columns(local)
    broken = {c: None for c in orders.columns} | {"order_id": "o-broken", "created_at": "yesterday"}
    pl.concat([orders, pl.DataFrame([broken], schema=orders.schema)]).write_csv(path / "orders.csv")
    frames["ratings"].write_parquet(path / "ratings.parquet")
    return path


@pytest.fixture(scope="module")
def spark() -> Iterator[None]:
    spark_session()
    yield
    stop_spark()


def test_the_factory_knows_every_engine() -> None:
    assert [get_engine(name).name for name in ENGINES if name != "spark"] == ["polars", "duckdb"]
    with pytest.raises(ValueError, match="unknown analytics engine"):
        get_engine("pandas")


def test_polars_reads_a_dataset_folder(folder: Path, expected: pl.DataFrame) -> None:
    assert compute_credit(folder, day=DAY, rules=RULES).equals(expected)


def test_a_missing_table_is_unusable_input(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput, match=r"no orders\.parquet or orders\.csv"):
        compute_credit(tmp_path, day=DAY, rules=RULES)


def test_duckdb_gives_the_same_credit(frames: dict[str, pl.DataFrame], folder: Path, expected: pl.DataFrame) -> None:
    assert compute_credit(frames, day=DAY, rules=RULES, engine="duckdb").equals(expected)
    assert compute_credit(folder, day=DAY, rules=RULES, engine="duckdb").equals(expected)
    assert compute_credit(frames, day=DAY, rules=ALWAYS, engine="duckdb").equals(
        compute_credit(frames, day=DAY, rules=ALWAYS)
    )


@pytest.mark.spark
def test_spark_gives_the_same_credit(spark: None, frames: dict[str, pl.DataFrame], expected: pl.DataFrame) -> None:
    assert compute_credit(frames, day=DAY, rules=RULES, engine="spark").equals(expected)


@pytest.mark.spark
def test_spark_reads_a_dataset_folder_itself(spark: None, folder: Path) -> None:
    assert compute_credit(folder, day=DAY, rules=ALWAYS, engine="spark").equals(
        compute_credit(folder, day=DAY, rules=ALWAYS)
    )
