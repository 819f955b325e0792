"""Batch evaluation (批量评价): every subject's score and grade in one Narwhals pipeline.

Written once; runs on Polars (default), DuckDB or Spark (``chengxin.analytics.engines``). The same
integer arithmetic as ``scoring.evaluate`` — which stays the reference: a property test asserts both
give every subject the same units and grade, and CI runs the three engines on the same data.

Inputs (LazyFrames of one engine):

* ``subjects``: subject_id, model_kind, verification_status, rated, rated_good, dsr_sum, dsr_count
* ``records``: subject_id, record_id, type_code, severity, decided_on (date), publicity_until (date
  or null), status, scoring (bool)

Output (Polars): subject_id, model_kind, model_version, weighted_units, weight_total, score, grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.analytics.engines import AnalyticsEngine
from chengxin.domains.evaluation.rules import LIVE_STATUSES, TOP, UNIT, ScoringModel

SUBJECT_SCHEMA = {
    "subject_id": pl.Int64, "model_kind": pl.String, "verification_status": pl.String, "rated": pl.Int64,
    "rated_good": pl.Int64, "dsr_sum": pl.Int64, "dsr_count": pl.Int64,
}  # fmt: skip
RECORD_SCHEMA = {
    "subject_id": pl.Int64, "record_id": pl.Int64, "type_code": pl.String, "severity": pl.String,
    "decided_on": pl.Date, "publicity_until": pl.Date, "status": pl.String, "scoring": pl.Boolean,
}  # fmt: skip
RESULT_COLUMNS = ["subject_id", "model_kind", "model_version", "weighted_units", "weight_total", "score", "grade"]
I64 = nw.Int64()


def _lit(value: int) -> Any:
    return nw.lit(value, I64)


def _constants(models: Mapping[str, ScoringModel]) -> dict[str, pl.DataFrame]:
    """The models' tables the pipeline joins: indicator per record type, severity %, dimensions."""
    types, severities, dims = [], [], []
    for kind, m in models.items():
        for ind in m.indicators:
            if ind.source == "records" and ind.points:
                types += [(kind, t, ind.dimension, ind.points) for t in ind.record_types]
        severities += [(kind, s, p) for s, p in m.severity_percent.items()]
        dims += [(kind, d.key, d.weight, d.base) for d in m.dimensions]
    return {
        "types": pl.DataFrame(types, schema={"model_kind": pl.String, "type_code": pl.String, "dimension": pl.String,
                                             "points": pl.Int64}, orient="row"),
        "severities": pl.DataFrame(severities, schema={"model_kind": pl.String, "severity": pl.String,
                                                       "severity_pct": pl.Int64}, orient="row"),
        "dims": pl.DataFrame(dims, schema={"model_kind": pl.String, "dimension": pl.String, "weight": pl.Int64,
                                           "base": pl.Int64}, orient="row"),
    }  # fmt: skip


def _decay(models: Mapping[str, ScoringModel]) -> Any:
    months, kind = nw.col("months"), nw.col("model_kind")
    expr: Any = _lit(100)
    for k, m in models.items():  # innermost first: the first matching band wins
        per_model: Any = _lit(m.decay_beyond_percent)
        for within, percent in reversed(m.decay):
            per_model = nw.when(months < within).then(_lit(percent)).otherwise(per_model)
        expr = nw.when(kind == k).then(per_model).otherwise(expr)
    return expr


def _record_units(records: nw.LazyFrame[Any], subjects: nw.LazyFrame[Any], c: dict[str, nw.LazyFrame[Any]],
                  models: Mapping[str, ScoringModel], on: date) -> nw.LazyFrame[Any]:  # fmt: skip
    decided = nw.col("decided_on")
    until = nw.col("publicity_until")
    age = (
        _lit(on.year * 12 + on.month)
        - (decided.dt.year().cast(I64) * 12 + decided.dt.month().cast(I64))
        - nw.when(decided.dt.day().cast(I64) > on.day).then(_lit(1)).otherwise(_lit(0))
    )
    live = records.filter(
        nw.col("scoring"), nw.col("status").is_in(LIVE_STATUSES), decided <= nw.lit(on),
        until.is_null() | (until >= nw.lit(on)),
    )  # fmt: skip
    rows = (
        live.select("subject_id", "type_code", "severity", decided.alias("decided_on"))
        .join(subjects.select("subject_id", "model_kind"), on="subject_id", how="inner")
        .join(c["types"], on=["model_kind", "type_code"], how="inner")
        .join(c["severities"], on=["model_kind", "severity"], how="left")
        .with_columns(age.alias("months"))
        .with_columns(nw.when(nw.col("months") < 0).then(_lit(0)).otherwise(nw.col("months")).alias("months"))
        .with_columns(_decay(models).alias("decay_pct"), nw.col("severity_pct").fill_null(100))
    )
    return rows.select(
        "subject_id", "dimension", (nw.col("points") * nw.col("severity_pct") * nw.col("decay_pct")).alias("units")
    )


def _band(ind_bands: Any, num: Any, den: Any, scale: int, min_count: int) -> Any:
    expr: Any = nw.lit(None, I64)
    for band in reversed(ind_bands):
        expr = nw.when(num * scale >= den * band.at_least).then(_lit(band.points * UNIT)).otherwise(expr)
    return nw.when((den > 0) & (den >= min_count)).then(expr).otherwise(nw.lit(None, I64))


def _subject_units(subjects: nw.LazyFrame[Any], models: Mapping[str, ScoringModel]) -> list[nw.LazyFrame[Any]]:
    """Units of the indicators read from the subject row: identity, positive rate, store rating."""
    parts = []
    for kind, m in models.items():
        own = subjects.filter(nw.col("model_kind") == kind)
        for ind in m.indicators:
            if ind.source == "identity":
                expr: Any = _lit(0)
                for status, pts in ind.by_status.items():
                    expr = nw.when(nw.col("verification_status") == status).then(_lit(pts * UNIT)).otherwise(expr)
            elif ind.source == "positive_rate":
                expr = _band(ind.bands, nw.col("rated_good"), nw.col("rated"), 10_000, ind.min_count)
            elif ind.source == "store_rating":
                expr = _band(ind.bands, nw.col("dsr_sum"), nw.col("dsr_count"), 100, ind.min_count)
            else:
                continue
            parts.append(
                own.select("subject_id", nw.lit(ind.dimension).alias("dimension"), expr.alias("units")).filter(
                    ~nw.col("units").is_null() & (nw.col("units") != 0)
                )
            )
    return parts


def _grade(models: Mapping[str, ScoringModel]) -> Any:
    weighted, kind = nw.col("weighted_units"), nw.col("model_kind")
    expr: Any = nw.lit(None, nw.String())
    for k, m in models.items():
        per_model: Any = nw.lit(m.grades[-1].grade)
        for g in reversed(m.grades[:-1]):
            per_model = nw.when(weighted >= g.min * UNIT * m.weight_total).then(nw.lit(g.grade)).otherwise(per_model)
        expr = nw.when(kind == k).then(per_model).otherwise(expr)
    return expr


def evaluate_frames(
    engine: AnalyticsEngine,
    subjects: pl.DataFrame,
    records: pl.DataFrame,
    models: Mapping[str, ScoringModel],
    on: date,
) -> pl.DataFrame:
    """Every subject of ``subjects`` scored on ``on``; see the module doc for the columns."""
    subj = engine.load(subjects.select([pl.col(k).cast(t) for k, t in SUBJECT_SCHEMA.items()]))
    recs = engine.load(records.select([pl.col(k).cast(t) for k, t in RECORD_SCHEMA.items()]))
    c = {name: engine.load(frame) for name, frame in _constants(models).items()}
    parts = [_record_units(recs, subj, c, models, on), *_subject_units(subj, models)]
    units = nw.concat([p.select("subject_id", "dimension", nw.col("units").cast(I64)) for p in parts], how="vertical")
    sums = units.group_by("subject_id", "dimension").agg(nw.col("units").sum().alias("sum_units"))
    raw = nw.col("base") * UNIT + nw.col("sum_units").fill_null(0)
    capped = nw.when(raw < 0).then(_lit(0)).when(raw > TOP * UNIT).then(_lit(TOP * UNIT)).otherwise(raw)
    per_dim = (
        subj.select("subject_id", "model_kind")
        .join(c["dims"], on="model_kind", how="inner")
        .join(sums, on=["subject_id", "dimension"], how="left")
        .select("subject_id", "model_kind", (nw.col("weight") * capped).alias("weighted"), nw.col("weight"))
    )
    scored = (
        per_dim.group_by("subject_id", "model_kind")
        .agg(nw.col("weighted").sum().alias("weighted_units"), nw.col("weight").sum().alias("weight_total"))
        .with_columns(_grade(models).alias("grade"))
    )
    out = engine.collect(scored)
    labels = pl.DataFrame({"model_kind": list(models), "model_version": [m.label for m in models.values()]})
    return (
        out.with_columns(pl.col("weighted_units").cast(pl.Int64), pl.col("weight_total").cast(pl.Int64))
        .join(labels, on="model_kind", how="left")
        .with_columns((pl.col("weighted_units") / (pl.col("weight_total") * UNIT)).round(4).alias("score"))
        .select(RESULT_COLUMNS)
        .sort("subject_id")
    )
