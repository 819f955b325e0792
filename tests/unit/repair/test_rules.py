"""Credit repair eligibility (pure): every reason a record is or is not repairable, and from when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.repair import rules
from chengxin.domains.repair.rules import PastRepair, RecordFacts

POLICY = rules.default_policy()
TODAY = date(2026, 11, 24)


def rec(**kw: object) -> RecordFacts:
    base: dict[str, object] = dict(
        record_id=1, type_code="admin_penalty", polarity="negative", severity="general", status="active",
        is_current=True, decided_on=date(2026, 1, 10), repairable_from=date(2026, 4, 10),
        publicity_until=date(2027, 1, 10),
    )  # fmt: skip
    base.update(kw)
    return RecordFacts(**base)  # type: ignore[arg-type]


def codes(e: rules.Eligibility) -> list[str]:
    return [r.code for r in e.reasons]


def test_eligible_once_the_minimum_period_has_passed() -> None:
    e = rules.eligibility(POLICY, rec(), [], TODAY)
    assert e.eligible and e.eligible_from == TODAY and e.decider == "source"
    assert e.evidence == ("obligations_fulfilled",) and e.commitment_required


def test_not_yet_says_from_when() -> None:
    e = rules.eligibility(POLICY, rec(repairable_from=date(2027, 1, 1)), [], TODAY)
    assert not e.eligible and e.eligible_from == date(2027, 1, 1) and codes(e) == ["minimum_period"]
    # the first day is eligible
    assert rules.eligibility(POLICY, rec(repairable_from=TODAY), [], TODAY).eligible


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"type_code": "brushing"}, "type_not_repairable"),
        ({"type_code": "court_dishonest_debtor"}, "type_not_repairable"),
        ({"type_code": "no_such_type"}, "type_not_repairable"),
        ({"polarity": "positive", "type_code": "commendation"}, "not_negative"),
        ({"is_current": False}, "not_current_version"),
        ({"status": "repaired"}, "not_published"),
        ({"status": "expired"}, "not_published"),
        ({"status": "revoked"}, "not_published"),
        ({"publicity_until": date(2026, 4, 10)}, "no_early_end"),
    ],
)
def test_never_through_the_platform(changes: dict[str, object], code: str) -> None:
    e = rules.eligibility(POLICY, rec(**changes), [], TODAY)
    assert not e.eligible and e.eligible_from is None and codes(e) == [code]


def test_under_objection_waits_for_the_decision() -> None:
    e = rules.eligibility(POLICY, rec(status="under_objection"), [], TODAY)
    assert not e.eligible and codes(e) == ["under_objection"] and e.eligible_from is None


def test_repeat_limits() -> None:
    # a repair 6 months ago (other type): wait till 12 months have passed
    e = rules.eligibility(POLICY, rec(), [PastRepair("tax_arrears", date(2026, 5, 24))], TODAY)
    assert codes(e) == ["repeat_too_soon"] and e.eligible_from == date(2027, 5, 24)
    # the same type repaired 2 years ago: 5 years
    e = rules.eligibility(POLICY, rec(), [PastRepair("admin_penalty", date(2024, 11, 1))], TODAY)
    assert codes(e) == ["same_type_repaired"] and e.eligible_from == date(2029, 11, 1)
    # two repairs in five years: the window moves past the older one
    past = [PastRepair("tax_arrears", date(2022, 3, 1)), PastRepair("unpaid_utility_fees", date(2024, 6, 1))]
    e = rules.eligibility(POLICY, rec(), past, TODAY)
    assert codes(e) == ["repeat_limit"] and e.eligible_from == date(2027, 3, 1)
    # long ago: no limit
    assert rules.eligibility(POLICY, rec(), [PastRepair("admin_penalty", date(2019, 1, 1))], TODAY).eligible


def test_missing_for_application() -> None:
    e = rules.eligibility(POLICY, rec(), [], TODAY)
    assert [r.code for r in rules.missing_for_application(e, [], False)] == ["evidence_missing", "commitment_missing"]
    assert rules.missing_for_application(e, ["obligations_fulfilled", "other"], True) == []


def test_policy_errors() -> None:
    with pytest.raises(rules.PolicyError):
        rules.parse_policy({**_raw(), "types": {"x": {"decider": "court"}}})
    with pytest.raises(rules.PolicyError):
        rules.parse_policy({**_raw(), "types": {"x": {"decider": "source", "evidence": ["nope"]}}})
    with pytest.raises(rules.PolicyError):
        rules.parse_policy({**_raw(), "review_working_days": -1})


def _raw() -> dict[str, object]:
    import tomllib

    return tomllib.loads(rules.DEFAULTS.read_text(encoding="utf-8"))


@given(
    decided=st.dates(date(2020, 1, 1), date(2026, 11, 1)),
    min_days=st.integers(0, 1200),
    today=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_eligible_from_is_never_before_the_minimum_period_and_eligible_means_from_today(
    decided: date, min_days: int, today: date
) -> None:
    repairable = decided + timedelta(days=min_days)
    e = rules.eligibility(POLICY, rec(decided_on=decided, repairable_from=repairable,
                                      publicity_until=repairable + timedelta(days=30)), [], today)  # fmt: skip
    assert e.eligible_from is not None and e.eligible_from >= repairable
    assert e.eligible == (today >= repairable)
    if e.eligible:
        assert e.eligible_from == today


def test_who_decides_an_application() -> None:
    kw = {"organisation_id": 7, "decider_org_id": 7}
    assert rules.may_decide(status="submitted", decider="source", role="department", **kw)[0]
    assert not rules.may_decide(status="submitted", decider="source", role="department", organisation_id=8,
                                decider_org_id=7)[0]  # fmt: skip
    assert not rules.may_decide(status="submitted", decider="source", role="credit_centre", **kw)[0]
    assert rules.may_decide(status="submitted", decider="centre", role="credit_centre", **kw)[0]
    assert rules.may_decide(status="approved", decider="source", role="department", **kw) == (False, "repair_decided")
