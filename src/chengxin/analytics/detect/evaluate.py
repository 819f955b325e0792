"""Precision, recall and F1 of findings against labels, per (detector, entity_type).

A finding counts once per (detector, entity_type, entity_id) whatever its score (the findings file is the
detector's decision). Pairs present in either file are reported; a pair with no label and no finding does
not appear.
"""

from __future__ import annotations

import polars as pl

KEY = ["detector", "entity_type", "entity_id"]


def evaluate(findings: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    found = findings.select(KEY).unique().with_columns(pl.lit(True).alias("found"))
    truth = labels.select(KEY).unique().with_columns(pl.lit(True).alias("labelled"))
    both = found.join(truth, on=KEY, how="full", coalesce=True).with_columns(
        pl.col("found").fill_null(False), pl.col("labelled").fill_null(False)
    )
    counts = both.group_by("detector", "entity_type").agg(
        (pl.col("found") & pl.col("labelled")).sum().alias("tp"),
        (pl.col("found") & ~pl.col("labelled")).sum().alias("fp"),
        (~pl.col("found") & pl.col("labelled")).sum().alias("fn"),
    )
    tp, fp, fn = (pl.col(c).cast(pl.Float64) for c in ("tp", "fp", "fn"))
    precision = pl.when(tp + fp > 0).then(tp / (tp + fp)).otherwise(0.0)
    recall = pl.when(tp + fn > 0).then(tp / (tp + fn)).otherwise(0.0)
    return (
        counts.with_columns(precision.alias("precision"), recall.alias("recall"))
        .with_columns(
            pl.when(pl.col("precision") + pl.col("recall") > 0)
            .then(2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall")))
            .otherwise(0.0)
            .alias("f1")
        )
        .with_columns(pl.col("precision", "recall", "f1").round(4))
        .sort("detector", "entity_type")
    )


def honest_flagged(findings: pl.DataFrame, labels: pl.DataFrame, sellers: pl.Series) -> float:
    """Share of honest sellers (``sellers`` not labelled by any detector) that some finding flags as a seller."""
    bad = set(labels.filter(pl.col("entity_type") == "seller").get_column("entity_id").to_list())
    honest = set(sellers.to_list()) - bad
    if not honest:
        return 0.0
    flagged = set(findings.filter(pl.col("entity_type") == "seller").get_column("entity_id").to_list())
    return len(flagged & honest) / len(honest)
