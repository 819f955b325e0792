"""List rules: the rules file is checked, criteria select the right subjects, the procedure's order is
enforced, review happens one level up, and listings end as the rules say."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from chengxin.domains.lists import rules

RAW = tomllib.loads(rules.DEFAULTS.read_text(encoding="utf-8"))
POLICY = rules.parse_rules(RAW)
BLACK, WATCH, RED = (POLICY.lists[k] for k in ("black", "watch", "red"))
TODAY = date(2026, 11, 24)


def rec(
    i: int, t: str, sev: str = "general", *, status: str = "active", days: int = 30, pol: str = "negative"
) -> rules.RecordFact:
    return rules.RecordFact(i, t, sev, pol, status, date.fromordinal(TODAY.toordinal() - days), 7)


def test_every_problem_of_a_rules_file_is_named() -> None:
    raw: dict[str, Any] = copy.deepcopy(RAW)
    raw["lists"]["black"]["review"] = "by_lottery"
    raw["lists"]["watch"]["criteria"][0]["record_types"] = ["admin_penalty", "jaywalking"]
    raw["lists"]["red"]["criteria"] = []
    raw["lists"]["watch"]["period_months"] = 0
    with pytest.raises(rules.RulesInvalid) as caught:
        rules.parse_rules(
            raw,
            known_types={
                "admin_penalty",
                "commendation",
                "court_dishonest_debtor",
                "counterfeit",
                "brushing",
                "empty_parcel",
                "pii_abuse",
                "price_fraud",
            },
        )
    text = "\n".join(caught.value.problems)
    assert "review must be one of" in text and "unknown record types" in text and "jaywalking" in text
    assert "list red: no criteria" in text and "period_months must be a whole number" in text


def test_criteria() -> None:
    assert [m.criterion for m in rules.matches(BLACK, [rec(1, "admin_penalty", "serious")], None, TODAY)] == [
        "严重违法行为受到较重行政处罚"
    ]
    assert rules.matches(BLACK, [rec(1, "admin_penalty", "general")], None, TODAY) == []
    assert rules.matches(BLACK, [rec(1, "admin_penalty", "serious", status="repaired")], None, TODAY) == []
    assert rules.matches(BLACK, [rec(1, "court_dishonest_debtor", "serious")], None, TODAY)[0].record_ids == (1,)
    # watch: two general penalties within twelve months, or grade D
    two = [rec(1, "price_fraud"), rec(2, "item_not_as_described", days=300)]
    assert rules.matches(WATCH, two, None, TODAY)[0].record_ids == (1, 2)
    assert rules.matches(WATCH, [rec(1, "price_fraud"), rec(2, "price_fraud", days=400)], None, TODAY) == []
    assert [m.grade for m in rules.matches(WATCH, [], "D", TODAY)] == ["D"]
    # red: grade A, a commendation, and no live negative record for three years
    honour = rec(3, "commendation", "none", pol="positive")
    assert rules.matches(RED, [honour], "A", TODAY)[0].record_ids == (3,)
    assert rules.matches(RED, [honour], "B", TODAY) == []
    assert rules.matches(RED, [honour, rec(4, "upheld_complaint", "minor", days=900)], "A", TODAY) == []
    assert rules.matches(RED, [honour, rec(4, "upheld_complaint", "minor", days=1200)], "A", TODAY) != []


def test_the_procedure_in_order() -> None:
    order = ["candidate", "approved", "notified", "published", "removed"]
    for a, b in zip(order, order[1:], strict=False):
        rules.check_step(a, b)
    for a, b in [
        ("candidate", "published"),
        ("approved", "published"),
        ("candidate", "notified"),
        ("removed", "published"),
        ("rejected", "approved"),
        ("withdrawn", "published"),
    ]:
        with pytest.raises(rules.Refusal) as r:
            rules.check_step(a, b)
        assert r.value.code == "list_step_refused"
    with pytest.raises(rules.Refusal) as r:
        rules.check_publish("notified", date(2026, 12, 1), date(2026, 12, 1))
    assert r.value.code == "objection_window_open"
    rules.check_publish("notified", date(2026, 12, 1), date(2026, 12, 2))


def test_review_one_level_up() -> None:
    rules.check_reviewer(BLACK, source_org=5, parent_org=2, reviewer_org=2, is_centre=False)
    with pytest.raises(rules.Refusal):
        rules.check_reviewer(BLACK, source_org=5, parent_org=2, reviewer_org=5, is_centre=False)
    with pytest.raises(rules.Refusal):
        rules.check_reviewer(BLACK, source_org=5, parent_org=2, reviewer_org=None, is_centre=True)  # the parent decides
    rules.check_reviewer(BLACK, source_org=5, parent_org=None, reviewer_org=5, is_centre=False)
    rules.check_reviewer(BLACK, source_org=5, parent_org=None, reviewer_org=None, is_centre=True)
    rules.check_reviewer(WATCH, source_org=5, parent_org=2, reviewer_org=5, is_centre=False)  # same level
    rules.check_reviewer(WATCH, source_org=5, parent_org=2, reviewer_org=None, is_centre=True)


def test_removal() -> None:
    pub, ends = date(2026, 1, 10), date(2029, 1, 10)

    def why(kind: rules.ListKind, today: date, *, qualifies: bool = False, revoked: bool = False) -> str | None:
        return rules.removal(
            kind, published_on=pub, ends_on=ends, still_qualifies=qualifies, basis_revoked=revoked, today=today
        )

    assert why(BLACK, ends, qualifies=True) == "expired"
    assert why(BLACK, date(2026, 2, 1), qualifies=True) is None
    assert why(BLACK, date(2026, 2, 1), revoked=True) == "revoked"  # at once
    assert why(BLACK, date(2026, 6, 1)) is None  # repaired, but the minimum year has not passed
    assert why(BLACK, date(2027, 1, 10)) == "repaired"
    assert why(RED, date(2026, 2, 1)) == "no_longer_qualifies"  # a red listing ends at once


def test_add_months() -> None:
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 24), 36) == date(2029, 11, 24)
    assert rules.add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)
