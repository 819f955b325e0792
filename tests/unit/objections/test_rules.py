"""Objection routing, deadlines and who decides (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chengxin.domains.objections import rules
from chengxin.domains.objections.rules import Handler

POLICY = rules.default_policy()


def weekdays(start: date, n: int) -> tuple[date, bool]:
    """A plain Monday-to-Friday calendar for the rules' own arithmetic."""
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day, False


def test_routing() -> None:
    assert rules.route(POLICY, "wrong_subject") is Handler.centre
    assert rules.route(POLICY, "processing_error") is Handler.centre
    assert rules.route(POLICY, "content_error") is Handler.source
    assert rules.route(POLICY, "decision_changed") is Handler.source
    with pytest.raises(rules.PolicyError):
        rules.route(POLICY, "nonsense")


def test_deadlines_at_filing() -> None:
    monday = date(2026, 11, 23)
    centre = rules.deadlines_at_filing(POLICY, Handler.centre, monday, weekdays)
    assert centre.decide_due == date(2026, 11, 30) and centre.forward_due is None  # 5 working days
    source = rules.deadlines_at_filing(POLICY, Handler.source, monday, weekdays)
    assert source.forward_due == date(2026, 11, 25)  # 2 working days
    assert source.decide_due == date(2026, 12, 2)  # then 5 more


def test_who_decides() -> None:
    assert rules.may_decide(status="filed", role="credit_centre", organisation_id=None, source_org_id=7)[0]
    assert not rules.may_decide(status="filed", role="department", organisation_id=7, source_org_id=7)[0]
    assert rules.may_decide(status="forwarded", role="department", organisation_id=7, source_org_id=7)[0]
    assert not rules.may_decide(status="forwarded", role="department", organisation_id=8, source_org_id=7)[0]
    assert not rules.may_decide(status="forwarded", role="credit_centre", organisation_id=None, source_org_id=7)[0]
    assert rules.may_decide(status="decided", role="credit_centre", organisation_id=None, source_org_id=7) == (
        False,
        "objection_decided",
    )


def test_standing() -> None:
    assert rules.has_standing(role="subject", actor_subject_id=3, record_subject_id=3)
    assert not rules.has_standing(role="subject", actor_subject_id=4, record_subject_id=3)
    assert rules.has_standing(role="credit_centre", actor_subject_id=None, record_subject_id=3)
    assert not rules.has_standing(role="department", actor_subject_id=None, record_subject_id=3)
    assert not rules.has_standing(role="platform", actor_subject_id=None, record_subject_id=3)


def test_overdue() -> None:
    assert not rules.is_overdue(date(2026, 11, 24), date(2026, 11, 24))
    assert rules.is_overdue(date(2026, 11, 24), date(2026, 11, 25))
    assert not rules.is_overdue(None, date(2026, 11, 25))


def test_policy_errors() -> None:
    with pytest.raises(rules.PolicyError):
        rules.parse_policy({"mark_working_days": 1, "centre_decide_working_days": 5, "forward_working_days": 2,
                            "source_decide_working_days": 5, "reasons": {}})  # fmt: skip
    with pytest.raises(rules.PolicyError):
        rules.parse_policy({"mark_working_days": -1, "reasons": {"x": {"handler": "centre"}}})


def test_which_records_may_be_objected_to() -> None:
    assert rules.may_object(is_current=True, record_status="active", open_objection=False)
    assert not rules.may_object(is_current=False, record_status="active", open_objection=False)
    assert not rules.may_object(is_current=True, record_status="active", open_objection=True)
    for status in ("under_objection", "expired", "revoked", "repaired"):
        assert not rules.may_object(is_current=True, record_status=status, open_objection=False)
