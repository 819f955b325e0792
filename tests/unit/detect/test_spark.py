"""The detectors' relational part runs unchanged on Spark (local mode): the same findings as on Polars."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from chengxin.analytics.detect import dataset, run
from chengxin.analytics.engines import spark_session, stop_spark
from chengxin.simulate.market import simulate_market


@pytest.fixture(scope="module")
def spark() -> Iterator[None]:
    spark_session()
    yield
    stop_spark()


@pytest.mark.spark
def test_every_detector_gives_the_same_findings_on_spark(spark: None, tmp_path: Path) -> None:
    simulate_market(tmp_path, seed=3, orders=12_000, sellers=200, buyers=2_500)
    on_polars = run.run(dataset.open_dataset(tmp_path)).findings
    on_spark = run.run(dataset.open_dataset(tmp_path, engine="spark")).findings
    key = ["detector", "entity_type", "entity_id"]
    assert on_polars.height > 0
    assert set(on_polars.get_column("detector")) >= {"brushing", "empty_parcel", "malicious_review"}
    left = on_polars.sort(key).select(*key, "score", "group_id")
    right = on_spark.sort(key).select(*key, "score", "group_id")
    assert left.select(key).equals(right.select(key))
    assert (left.get_column("score") - right.get_column("score")).abs().max() < 1e-9  # type: ignore[operator]
    assert pl.Series(left.get_column("group_id")).equals(right.get_column("group_id"))
