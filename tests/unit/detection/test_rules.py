"""Detection review rules (pure): row validation, grouping into cases, whom a confirmed case concerns,
and the evidence graph."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from chengxin.domains.detection import graph, rules
from chengxin.domains.detection.rules import FindingRejected, ValidFinding
from tests.factories import make_uscc

USCC = make_uscc(random.Random(7))


def row(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "finding_id": "F1", "detector": "brushing", "entity_type": "seller", "entity_id": "S1", "score": "0.9",
        "group_id": "G1", "explanation": "卖家 S1 的订单多由共用设备的新账户下单",
        "evidence": json.dumps({"platform_id": "P1", "subject_id": USCC, "orders": ["O1"], "accounts": ["B1"]}),
    }  # fmt: skip
    return base | over


def finding(**over: Any) -> ValidFinding:
    return rules.validate_row(row(**over), platform_id=None)


def test_a_valid_row() -> None:
    f = finding()
    assert (f.finding_id, f.detector, f.entity_type, f.entity_id, f.score, f.group_id) == (
        "F1", "brushing", "seller", "S1", 0.9, "G1",
    )  # fmt: skip
    assert f.evidence["subject_id"] == USCC and f.platform_id == "P1"
    assert rules.validate_row(row(group_id="", evidence={"a": 1}), platform_id="P9").group_id is None
    assert rules.validate_row(row(evidence={"a": 1}), platform_id="P9").platform_id == "P9"


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"finding_id": " "}, "missing_value"),
        ({"finding_id": "x" * 121}, "value_too_long"),
        ({"detector": "spam"}, "unknown_detector"),
        ({"entity_type": "shop"}, "unknown_entity_type"),
        ({"entity_id": None}, "missing_value"),
        ({"score": "high"}, "invalid_score"),
        ({"score": "1.5"}, "invalid_score"),
        ({"score": float("nan")}, "invalid_score"),
        ({"explanation": ""}, "missing_value"),
        ({"evidence": None}, "missing_evidence"),
        ({"evidence": "{not json"}, "invalid_evidence"),
        ({"evidence": "[1, 2]"}, "invalid_evidence"),
        ({"evidence": '{"orders": "O1"}'}, "invalid_evidence"),
        # a well-formed USCC whose check character is wrong (valid: 91320102088123450P)
        ({"evidence": '{"subject_id": "91320102088123450Q"}'}, "invalid_subject_id"),
    ],
)
def test_rows_that_break_the_contract(over: dict[str, Any], code: str) -> None:
    with pytest.raises(FindingRejected) as err:
        rules.validate_row(row(**over), platform_id=None)
    assert err.value.code == code


def test_another_platforms_evidence_is_refused() -> None:
    with pytest.raises(FindingRejected) as err:
        rules.validate_row(row(), platform_id="P2")
    assert err.value.code == "other_platform"


def test_validate_lists_bad_rows_and_duplicates() -> None:
    rows = [(2, row()), (3, row(score="x")), (4, row()), (5, row(finding_id="F2"))]
    valid, rejected = rules.validate(rows, platform_id=None)
    assert [f.finding_id for f in valid] == ["F1", "F2"]
    assert [(r.row, r.code) for r in rejected] == [(3, "invalid_score"), (4, "duplicate_in_input")]
    assert rules.missing_columns(["finding_id", "detector"]) == list(rules.COLUMNS[2:])


def test_one_case_per_detector_and_group_a_lone_finding_alone() -> None:
    fs = [
        finding(), finding(finding_id="F2", entity_type="buyer", entity_id="B1", score="0.95"),
        finding(finding_id="F3", group_id=None), finding(finding_id="F4", group_id=None),
        finding(finding_id="F5", detector="fake_traffic", entity_type="visitor", entity_id="V1"),
    ]  # fmt: skip
    groups = rules.group(fs)
    assert sorted(len(v) for v in groups.values()) == [1, 1, 1, 2]
    top, text = rules.headline(groups[("P1", "brushing", "G1", None)])
    assert top == 0.95 and text == fs[1].explanation


def test_targets_of_brushing_are_the_flagged_accounts() -> None:
    fs = [finding(), finding(finding_id="F2", entity_type="buyer", entity_id="B1", evidence='{"x": 1}'),
          finding(finding_id="F3", entity_type="order", entity_id="O1")]  # fmt: skip
    t = rules.targets("brushing", fs)
    assert [(a.account_id, a.uscc, a.why) for a in t.accounts] == [("S1", USCC, "flagged"), ("B1", None, "flagged")]
    assert t.lookup == []  # a seller is flagged: nothing to look up


def test_targets_name_the_seller_concerned_or_look_it_up() -> None:
    named = [finding(detector="empty_parcel", entity_type="waybill", entity_id="W1",
                     evidence='{"seller_account_id": "S9", "orders": ["O1"]}')]  # fmt: skip
    t = rules.targets("empty_parcel", named)
    assert [(a.account_id, a.why) for a in t.accounts] == [("S9", "seller_concerned")] and t.lookup == []
    unnamed = [finding(detector="price_fraud", entity_type="item", entity_id="I1", evidence='{"n": 3}')]
    assert rules.targets("price_fraud", unnamed).lookup == [("item", "I1")]


def test_malicious_reviews_concern_the_writers_and_the_competitor_never_the_victim() -> None:
    fs = [
        finding(detector="malicious_review", entity_type="rating", entity_id="R1",
                evidence='{"ratee_account_id": "VICTIM", "competitor_account_id": "S7"}'),
        finding(finding_id="F2", detector="malicious_review", entity_type="buyer", entity_id="B3", evidence="{}"),
    ]  # fmt: skip
    t = rules.targets("malicious_review", fs)
    assert {a.account_id for a in t.accounts} == {"B3", "S7"} and t.lookup == []
    lone_rating = finding(detector="malicious_review", entity_type="rating", entity_id="R2", evidence="{}")
    only_ratings = rules.targets("malicious_review", [lone_rating])
    assert only_ratings.accounts == [] and only_ratings.lookup == []


def test_the_evidence_graph() -> None:
    ev = {
        "accounts": ["B1", {"account_id": "B2", "role": "buyer"}],
        "orders": [{"order_id": "O1", "buyer_account_id": "B1", "seller_account_id": "S1"}, "O2"],
        "links": [{"link_type": "device", "value": "abc", "accounts": ["B1", "B2"]}, 7],
    }
    g = graph.build([finding(evidence=json.dumps(ev)), finding(finding_id="F2", entity_type="buyer",
                                                               entity_id="B1", evidence="{}")])  # fmt: skip
    ids = {n.id for n in g.nodes}
    assert {"account:S1", "account:B1", "account:B2", "order:O1", "order:O2", "link:device:abc"} <= ids
    assert next(n for n in g.nodes if n.id == "account:B1").flagged  # one node, flagged as buyer too
    rel = {(e.source, e.target, e.relation) for e in g.edges}
    assert ("account:B1", "order:O1", "placed") in rel and ("order:O1", "account:S1", "sold") in rel
    assert ("account:B2", "link:device:abc", "device") in rel
    placed, lines = graph.layout(g)
    assert len(placed) == len(g.nodes) and len(lines) == len(g.edges)
    assert all(0 <= p.x <= 560 and 0 <= p.y <= 560 for p in placed)
    d = g.as_dict()
    assert set(d) == {"nodes", "edges", "truncated"} and not d["truncated"]


def test_a_large_graph_is_truncated() -> None:
    ev = json.dumps({"orders": [f"O{i}" for i in range(graph.MAX_NODES + 5)]})
    g = graph.build([finding(evidence=ev)])
    assert len(g.nodes) == graph.MAX_NODES and g.truncated
