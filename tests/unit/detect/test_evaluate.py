"""Precision, recall and F1 per (detector, entity_type); finding ids stable."""

from __future__ import annotations

import polars as pl

from chengxin.analytics.detect import evaluate, findings


def test_scores_per_detector_and_entity_type() -> None:
    labels = pl.DataFrame(
        {"detector": ["brushing"] * 4 + ["empty_parcel"],
         "entity_type": ["seller", "seller", "order", "order", "waybill"], "entity_id": ["S1", "S2", "O1", "O2", "W1"]}
    )  # fmt: skip
    found = pl.DataFrame(
        {"detector": ["brushing"] * 4, "entity_type": ["seller", "seller", "order", "order"],
         "entity_id": ["S1", "S3", "O1", "O1"]}
    )  # fmt: skip
    scores = {(r["detector"], r["entity_type"]): r for r in evaluate.evaluate(found, labels).iter_rows(named=True)}
    assert (scores["brushing", "seller"]["tp"], scores["brushing", "seller"]["fp"]) == (1, 1)
    assert scores["brushing", "seller"]["f1"] == 0.5
    assert scores["brushing", "order"]["precision"] == 1.0 and scores["brushing", "order"]["recall"] == 0.5
    assert scores["empty_parcel", "waybill"]["recall"] == 0.0 and scores["empty_parcel", "waybill"]["fn"] == 1


def test_honest_sellers_flagged() -> None:
    labels = pl.DataFrame({"detector": ["brushing"], "entity_type": ["seller"], "entity_id": ["S1"]})
    found = pl.DataFrame(
        {"detector": ["brushing", "brushing"], "entity_type": ["seller"] * 2, "entity_id": ["S1", "S2"]}
    )
    assert evaluate.honest_flagged(found, labels, pl.Series(["S1", "S2", "S3", "S4", "S5"])) == 0.25


def test_finding_ids_are_stable_and_distinct() -> None:
    frame = pl.DataFrame(
        {"entity_id": ["A", "B"], "score": [0.9, 1.7], "group_id": [None, "g"], "explanation": ["x", "y"],
         "evidence": [{"k": 1}, {"k": 2}]}
    )  # fmt: skip
    one, two = findings.build("brushing", "buyer", frame), findings.build("brushing", "buyer", frame)
    assert one.get_column("finding_id").to_list() == two.get_column("finding_id").to_list()
    assert one.get_column("finding_id").n_unique() == 2
    assert one.get_column("score").max() == 1.0  # clipped
    other = findings.build("malicious_review", "buyer", frame)
    assert set(other.get_column("finding_id")).isdisjoint(one.get_column("finding_id"))
    assert list(one.columns) == list(findings.SCHEMA)
