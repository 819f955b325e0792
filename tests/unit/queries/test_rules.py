"""Query rules without a database: purposes, authorisations, abuse findings, the rate limit, retention."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chengxin.domains.queries import rules
from chengxin.domains.queries.ratelimit import SlidingWindow
from chengxin.domains.queries.retention import cutoff
from chengxin.domains.queries.rules import AuthorisationFacts, QueryEvent, Refusal, decide, findings

R = rules.load_rules()
TODAY = date(2026, 11, 24)
AUTH = AuthorisationFacts(
    id=7, subject_id=1, organisation_id=3, purpose="hiring", scope=frozenset({"identity", "records"}),
    valid_from=date(2026, 11, 1), valid_until=date(2027, 10, 31), withdrawn=False,
)  # fmt: skip


def ask(**kw: object) -> rules.Decision:
    args: dict[str, object] = dict(
        role="platform", organisation_id=3, purpose="hiring", subject_id=1, subject_kind="natural",
        authorisation=AUTH, legal_basis=None, fields=None, today=TODAY,
    )  # fmt: skip
    args.update(kw)
    return decide(R, **args)  # type: ignore[arg-type]


def refusal(**kw: object) -> str:
    with pytest.raises(Refusal) as exc:
        ask(**kw)
    return exc.value.code


def test_defaults_load_with_the_purposes_of_the_issue() -> None:
    assert {"hiring", "procurement", "lending", "tenancy", "licensing", "supervision"} <= set(R.purposes)
    assert R.purposes["supervision"].legal_basis and not R.purposes["hiring"].legal_basis
    assert R.purpose_zh("hiring") == "招聘录用"


def test_an_authorised_query_within_its_authorisation_is_allowed() -> None:
    d = ask()
    assert d.basis == "authorisation" and d.fields == ("identity", "records")
    assert ask(fields=["records"]).fields == ("records",)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"purpose": None}, "purpose_missing"),
        ({"purpose": "gossip"}, "purpose_unknown"),
        ({"purpose": "licensing"}, "purpose_not_allowed"),  # platforms do not license
        ({"fields": ["restricted"]}, "field_not_allowed"),  # hiring never returns restricted information
        ({"authorisation": None}, "authorisation_required"),
        ({"authorisation": replace(AUTH, withdrawn=True)}, "authorisation_withdrawn"),
        ({"authorisation": replace(AUTH, valid_until=date(2026, 11, 23))}, "authorisation_expired"),
        ({"authorisation": replace(AUTH, valid_from=date(2026, 12, 1))}, "authorisation_not_yet_valid"),
        ({"authorisation": replace(AUTH, organisation_id=4)}, "authorisation_other_organisation"),
        ({"authorisation": replace(AUTH, subject_id=2)}, "authorisation_other_subject"),
        ({"authorisation": replace(AUTH, purpose="tenancy")}, "authorisation_out_of_scope"),
        ({"authorisation": replace(AUTH, scope=frozenset({"records"}))}, "authorisation_out_of_scope"),
        ({"authorisation": None, "legal_basis": "《电子商务法》"}, "legal_basis_not_allowed"),  # a platform
    ],
)
def test_refusals_name_their_reason(change: dict[str, object], code: str) -> None:
    assert refusal(**change) == code


def test_a_department_may_query_a_person_under_a_legal_basis_for_supervision_only() -> None:
    d = ask(role="department", purpose="supervision", authorisation=None, legal_basis="《行政处罚法》第五十五条")
    assert d.basis == "legal_basis" and "restricted" in d.fields
    assert (
        refusal(role="department", purpose="hiring", authorisation=None, legal_basis="x") == "legal_basis_not_allowed"
    )


def test_a_legal_person_needs_a_purpose_but_no_authorisation() -> None:
    assert ask(subject_kind="legal", authorisation=None).basis == "purpose"
    assert refusal(subject_kind="legal", authorisation=None, purpose=None) == "purpose_missing"


def test_check_scope() -> None:
    rules.check_scope(R, purpose="hiring", scope=["identity"], valid_from=TODAY, valid_until=TODAY)
    for kw, code in (
        ({"purpose": "x"}, "purpose_unknown"),
        ({"scope": ["everything"]}, "scope_invalid"),
        ({"scope": []}, "scope_invalid"),
        ({"valid_until": TODAY - timedelta(days=1)}, "validity_invalid"),
    ):
        args: dict[str, object] = {
            "purpose": "hiring",
            "scope": ["identity"],
            "valid_from": TODAY,
            "valid_until": TODAY,
        }
        with pytest.raises(Refusal) as exc:
            rules.check_scope(R, **{**args, **kw})  # type: ignore[arg-type]
        assert exc.value.code == code


def test_a_broken_rules_file_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "q.toml"
    bad.write_text(
        '[fields]\nidentity = "x"\n[purposes.a]\nroles = ["king"]\nfields = ["nope"]\n'
        '[business]\nplatform = ["b"]\n[abuse]\nwindow_minutes = 0\n',
        encoding="utf-8",
    )
    with pytest.raises(rules.RulesInvalid) as exc:
        rules.load_rules(bad)
    text = str(exc.value)
    for part in ("no name", "roles", "fields", "unknown purposes", "at least 1"):
        assert part in text, text


def test_business_purposes() -> None:
    assert R.business_purposes("department", "human_resources") == frozenset({"hiring", "licensing", "supervision"})
    assert "supervision" in (R.business_purposes("department", "tax") or set())
    assert R.business_purposes("credit_centre", None) is None


# ---------------------------------------------------------------- abuse rules

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai, a Tuesday
T = R.abuse


def events(n: int, *, start: datetime = NOON, subject: int | None = None, step_s: int = 10) -> list[QueryEvent]:
    return [
        QueryEvent(i + 1, "token:9", subject or (100 + i), "hiring", start + timedelta(seconds=i * step_s))
        for i in range(n)
    ]


def rules_of(found: list[rules.Finding]) -> set[str]:
    return {f.rule for f in found}


def test_many_distinct_subjects_in_the_window() -> None:
    log = events(T.many_subjects)
    assert rules_of(findings(log[:-1], log[-2], t=T, fits=None)) == set()
    found = findings(log[:-1], log[-1], t=T, fits=None)
    assert rules_of(found) == {"many_subjects"} and found[0].count == T.many_subjects
    # the same number spread beyond the window is not a finding
    spread = events(T.many_subjects, step_s=T.window_minutes * 60)
    assert findings(spread[:-1], spread[-1], t=T, fits=None) == []


def test_another_accounts_queries_do_not_count() -> None:
    log = [replace(e, account="token:8") for e in events(T.many_subjects - 1)]
    new = events(T.many_subjects)[-1]
    assert findings(log, new, t=T, fits=None) == []


def test_off_hours_bulk() -> None:
    night = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert rules.off_hours(night, T) and not rules.off_hours(NOON, T)
    assert rules.off_hours(datetime(2026, 11, 28, 4, 0, tzinfo=UTC), T)  # Saturday noon
    log = events(T.off_hours_queries, start=night, subject=5)
    found = findings(log[:-1], log[-1], t=T, fits=None)
    assert "off_hours" in rules_of(found)
    day = events(T.off_hours_queries, subject=5)
    assert "off_hours" not in rules_of(findings(day[:-1], day[-1], t=T, fits=None))


def test_repeated_queries_of_one_subject() -> None:
    log = events(T.repeated_queries, subject=42)
    found = [f for f in findings(log[:-1], log[-1], t=T, fits=None) if f.rule == "repeated_subject"]
    assert found and found[0].subject_id == 42 and found[0].count == T.repeated_queries
    assert findings(log[:-2], log[-2], t=T, fits=None) == []


def test_purpose_outside_the_business() -> None:
    new = events(1)[0]
    assert rules_of(findings([], new, t=T, fits=frozenset({"tenancy"}))) == {"purpose_mismatch"}
    assert findings([], new, t=T, fits=frozenset({"hiring"})) == []


# ---------------------------------------------------------------- rate limit and retention


def test_sliding_window_limits_each_client() -> None:
    w = SlidingWindow(3, period_s=60)
    assert [w.retry_after("a", t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    assert w.retry_after("a", 3.0) == 57  # the first request leaves the window at 60 s
    assert w.retry_after("b", 3.0) is None  # another client is not limited
    assert w.retry_after("a", 60.5) is None


def test_retention_cutoff() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert cutoff(now, 5) == datetime(2021, 11, 24, tzinfo=UTC)
    assert cutoff(datetime(2028, 2, 29, tzinfo=UTC), 5) == datetime(2023, 2, 28, tzinfo=UTC)
