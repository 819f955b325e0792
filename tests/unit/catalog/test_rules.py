"""Catalog rules: the shipped defaults, validation of edits, severity and publicity periods."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.catalog import rules as r

CATALOG = r.parse_catalog(r.default_catalog_source(), version=1)
REGIMES = CATALOG.regimes
SWITCH = date(2026, 4, 1)
# RULES.md, "Publicity periods and repair": (min months, max months).
ORDER36 = {r.Severity.minor: (0, 3), r.Severity.general: (3, 12), r.Severity.serious: (12, 36)}
ORDER58 = (3, 36)
ORDER58_SPECIAL_MIN = 12


def test_defaults_cover_every_kind_of_record_the_seeds_name() -> None:
    wanted = {
        "admin_licence", "admin_penalty", "commendation", "court_dishonest_debtor", "tax_arrears",
        "unpaid_utility_fees", "sampling_inspection_failure", "upheld_complaint", "malicious_review", "brushing",
        "fake_traffic", "item_not_as_described", "counterfeit", "price_fraud", "empty_parcel", "pii_abuse",
        "professional_qualification", "professional_title", "commitment_signed", "commitment_breached",
        "volunteer_honour", "model_citizen_honour",
    }  # fmt: skip
    assert wanted <= set(CATALOG.types)
    for t in CATALOG.types.values():
        assert t.name and t.legal_basis, t.code
        if t.polarity is r.Polarity.negative:
            assert t.publicity is r.PublicityKind.dishonesty


def test_round_trip_through_the_stored_form() -> None:
    again = r.parse_catalog(r.as_config(CATALOG), version=1)
    assert again.types == CATALOG.types
    assert again.regimes == CATALOG.regimes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"polarity": "sideways"}, "polarity"),
        ({"severity": {"default": "none", "allowed": ["none"]}}, "negative record type needs"),
        ({"submitters": ["public"]}, "submitters"),
        ({"disclosure": "everyone"}, "disclosure"),
        ({"publicity": "fixed"}, "months"),
        ({"colour": "red"}, "unknown fields"),
        ({"code": "Bad Code"}, "lower-case"),
    ],
)
def test_invalid_record_types_are_refused_with_the_reason(change: dict[str, object], message: str) -> None:
    raw = CATALOG.types["admin_penalty"].to_dict() | change
    with pytest.raises(r.CatalogError, match=message):
        r.parse_type(raw)


def test_regimes_must_meet_without_a_gap() -> None:
    raw = copy.deepcopy(r.as_config(CATALOG))
    raw["regimes"]["order36"]["decided_from"] = "2026-05-01"
    with pytest.raises(r.CatalogError, match="no gap"):
        r.parse_catalog(raw)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert r.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert r.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert r.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert r.add_months(date(2025, 5, 15), 36) == date(2028, 5, 15)


PENALTY = CATALOG.types["admin_penalty"]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("警告", "minor"),
        ("罚款", "general"),
        ("警告;罚款", "general"),
        ("罚款；吊销营业执照", "serious"),
        ("其他", "general"),
    ],
)
def test_severity_implied_by_the_penalty_categories(category: str, expected: str) -> None:
    assert r.resolve_severity(PENALTY, None, category) == expected


def test_a_lighter_severity_than_the_penalty_implies_is_inconsistent() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        r.resolve_severity(PENALTY, "minor", "吊销许可证")
    assert r.resolve_severity(PENALTY, "serious", "警告") == "serious"  # a source may judge it heavier
    with pytest.raises(ValueError, match="not allowed"):
        r.resolve_severity(CATALOG.types["court_dishonest_debtor"], "minor", None)


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
severities = st.sampled_from([r.Severity.minor, r.Severity.general, r.Severity.serious])


@given(decided=days, severity=severities, special=st.booleans())
def test_publicity_periods_follow_the_rules_for_every_severity_and_both_regimes(
    decided: date, severity: r.Severity, special: bool
) -> None:
    p = r.publicity_for(PENALTY, REGIMES, severity=severity, decided_on=decided, special_sector=special)
    if decided < SWITCH:
        lo, hi = ORDER58[0], ORDER58[1]
        if special:
            lo = ORDER58_SPECIAL_MIN
        assert p.regime == "order58"
    else:
        lo, hi = ORDER36[severity]
        assert p.regime == "order36"
    assert (p.min_months, p.max_months) == (lo, hi)
    assert p.published_from == decided
    assert p.until == r.add_months(decided, hi)
    assert p.repairable_from == r.add_months(decided, lo)
    # Calendar sanity, independent of add_months: the period is hi months long, give or take month ends.
    assert p.until is not None and p.repairable_from is not None
    assert abs((p.until - decided).days - hi * 30.44) <= 3 + hi * 0.6
    assert decided <= p.repairable_from <= p.until


def test_the_regime_switches_on_the_first_of_april_2026() -> None:
    before = r.publicity_for(PENALTY, REGIMES, severity=r.Severity.minor, decided_on=SWITCH - timedelta(days=1))
    after = r.publicity_for(PENALTY, REGIMES, severity=r.Severity.minor, decided_on=SWITCH)
    assert (before.regime, before.until) == ("order58", date(2029, 3, 31))
    assert (after.regime, after.until) == ("order36", date(2026, 7, 1))


def test_positive_and_basic_records_follow_their_own_publicity() -> None:
    licence = CATALOG.types["admin_licence"]
    d = date(2025, 3, 1)
    assert r.publicity_for(
        licence, REGIMES, severity=r.Severity.none, decided_on=d, valid_to=date(2030, 2, 28)
    ).until == date(2030, 2, 28)
    assert (
        r.publicity_for(licence, REGIMES, severity=r.Severity.none, decided_on=d, valid_to=date(2099, 12, 31)).until
        is None
    )
    honour = CATALOG.types["commendation"]
    assert r.publicity_for(honour, REGIMES, severity=r.Severity.none, decided_on=d).until == date(2028, 3, 1)
    title = CATALOG.types["professional_title"]
    assert r.publicity_for(title, REGIMES, severity=r.Severity.none, decided_on=d).until is None


def test_changed_periods_in_configuration_change_the_result() -> None:
    raw = copy.deepcopy(r.as_config(CATALOG))
    raw["regimes"]["order36"]["general"] = {"min_months": 6, "max_months": 24}
    cat = r.parse_catalog(raw)
    p = r.publicity_for(PENALTY, cat.regimes, severity=r.Severity.general, decided_on=date(2026, 6, 1))
    assert (p.min_months, p.max_months, p.until) == (6, 24, date(2028, 6, 1))
