"""Assessment rules: the rules file is checked with every problem named, periods parse, complaint rows
are checked one by one, and a score is its base plus its indicators' points (capped, explained)."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.assessments import rules

RAW = tomllib.loads(rules.DEFAULTS.read_text(encoding="utf-8"))
POLICY = rules.parse_rules(RAW)


def _raw() -> dict[str, Any]:
    return copy.deepcopy(RAW)


def test_the_shipped_rules_hold_both_models() -> None:
    assert set(POLICY.models) == {"platform", "logistics"}
    assert POLICY.handling.response_limit_hours == 48
    assert [g for g, _, _ in POLICY.models["platform"].grades] == ["A", "B", "C", "D"]


def test_every_problem_of_a_bad_rules_file_is_named() -> None:
    raw = _raw()
    platform = raw["models"][0]
    platform["indicators"][0]["measure"] = "refund_rate"  # no such measure
    platform["indicators"][1]["cap"] = 5  # a deduction with a positive cap
    platform["grades"][1]["min"] = 90  # B starts where A does
    raw["models"] = [platform]  # and the logistics model is gone
    raw["handling"]["response_limit_hours"] = 0
    with pytest.raises(rules.RulesInvalid) as caught:
        rules.parse_rules(raw)
    text = "\n".join(caught.value.problems)
    assert "unknown measure 'refund_rate'" in text
    assert "cap must be a number of the same sign" in text
    assert "grade thresholds overlap" in text
    assert "no model for logistics" in text
    assert "handling.response_limit_hours" in text
    assert len(caught.value.problems) == 5


def test_grades_must_cover_zero_and_indicators_need_one_way_of_scoring() -> None:
    raw = _raw()
    raw["models"][0]["grades"][-1]["min"] = 10
    del raw["models"][1]["indicators"][0]["points_per_unit"]
    with pytest.raises(rules.RulesInvalid) as caught:
        rules.parse_rules(raw)
    assert any("lowest grade must start at 0" in p for p in caught.value.problems)
    assert any("give either points_per_unit or by_value" in p for p in caught.value.problems)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-02", date(2026, 2, 1), date(2026, 3, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    assert rules.parse_period(text) == (start, end)


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "26Q1", "", "2026-1-1", "0001", "9999Q4", "1899-12"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="use a quarter"):
        rules.parse_period(text)


def test_last_complete_quarter_and_utc_bounds() -> None:
    assert rules.last_complete_quarter(date(2026, 11, 24)) == "2026Q3"
    assert rules.last_complete_quarter(date(2026, 1, 5)) == "2025Q4"
    assert rules.last_complete_quarter(date(2026, 4, 1)) == "2026Q1"
    start, end = rules.bounds_utc(*rules.parse_period("2026Q3"))
    assert (start, end) == (datetime(2026, 6, 30, 16, tzinfo=UTC), datetime(2026, 9, 30, 16, tzinfo=UTC))


def test_delivery_limits_by_route() -> None:
    h = POLICY.handling
    assert rules.delivery_limit(h, "320102", "320105") == h.delivery_limit_hours_same_city == 24
    assert rules.delivery_limit(h, "320102", "320205") == h.delivery_limit_hours == 72
    assert rules.delivery_limit(h, None, "320105") == 72


def test_a_complaint_row() -> None:
    values, errors = rules.check_complaint(
        {"complaint_no": " C1 ", "platform_id": "P1", "received_at": "2026-08-05 09:30",
         "responded_at": "2026-08-05T03:00:00Z", "outcome": None}
    )  # fmt: skip
    assert errors == [] and values is not None
    assert values["complaint_no"] == "C1" and values["channel"] == "other" and values["outcome"] == "pending"
    assert values["received_at"] == datetime(2026, 8, 5, 1, 30, tzinfo=UTC)
    _, errors = rules.check_complaint({"complaint_no": "C2", "carrier_uscc": "91350100M000100Y44", "received_at": "x"})
    assert {c for c, _ in errors} == {"bad_uscc", "bad_time"}
    _, errors = rules.check_complaint({"complaint_no": "C3", "seller_account_id": "S1", "received_at": "2026-08-05"})
    assert {c for c, _ in errors} == {"no_respondent", "no_platform"}


def test_points_are_capped_and_explained() -> None:
    ind = next(i for i in POLICY.models["platform"].indicators if i.key == "complaint_rate")
    assert rules.indicator_points(ind, 10) == (-5.0, "每万单投诉量：10件/万单，扣 5 分")
    assert rules.indicator_points(ind, 1000)[0] == -20 and "已达上限" in rules.indicator_points(ind, 1000)[1]
    assert rules.indicator_points(ind, None) == (0.0, "每万单投诉量：本期无数据，不计分")
    assert rules.indicator_points(ind, 0)[1].endswith("不扣分")
    own = next(i for i in POLICY.models["platform"].indicators if i.key == "own_grade")
    assert rules.indicator_points(own, "C")[0] == -15 and rules.indicator_points(own, "A")[0] == 0


MEASURE = st.one_of(st.none(), st.floats(min_value=0, max_value=5000, allow_nan=False))


@given(
    kind=st.sampled_from(["platform", "logistics"]),
    values=st.dictionaries(st.sampled_from(sorted(rules.MEASURES["logistics"] | rules.MEASURES["platform"])), MEASURE),
    grade=st.sampled_from([None, "A", "B", "C", "D"]),
)
def test_a_score_is_its_base_plus_its_points(kind: str, values: dict[str, Any], grade: str | None) -> None:
    model = POLICY.models[kind]
    measures = values | {"own_grade": grade}
    score, letter, lines = rules.assess(model, measures)
    total = model.base + sum(line["points"] for line in lines)
    assert score == round(min(100.0, max(0.0, total)), 2)
    for ind, line in zip(model.indicators, lines, strict=True):
        assert line["key"] == ind.key and line["why"].startswith(ind.name)
        if ind.cap is not None:
            assert ind.cap <= line["points"] <= 0
    assert letter == model.grade_for(score)[0]
    worse = {k: (v * 2 if isinstance(v, float) else v) for k, v in measures.items()}
    assert rules.assess(model, worse)[0] <= score  # more complaints, later answers: never a better score
