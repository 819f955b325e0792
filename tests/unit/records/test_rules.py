"""Record rules: a submission is judged against the catalog the same way on every channel."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from chengxin.domains.catalog import rules as catalog_rules
from chengxin.domains.records import rules as r
from tests.factories import make_uscc

CATALOG = catalog_rules.parse_catalog(catalog_rules.default_catalog_source(), version=3)
TODAY = date(2026, 11, 24)
USCC = make_uscc(random.Random(3))  # a valid code: prepare() does not check it, the service does
PAYLOAD = {"violation_facts": "虚构交易", "penalty_category": "罚款", "penalty_content": "罚款2万元"}


def sub(**kw: Any) -> r.Submission:
    base: dict[str, Any] = {
        "type_code": "admin_penalty",
        "source_record_id": "X-1",
        "decided_on": "2026-06-01",
        "party": r.Party(name="某公司", uscc=USCC),
        "document_no": "苏市监罚〔2026〕1号",
        "payload": PAYLOAD,
    }
    base.update(kw)
    return r.Submission(**base)


def test_a_valid_penalty_gets_severity_publicity_and_a_fingerprint() -> None:
    p = r.prepare(CATALOG, sub(), submitter_role="department", today=TODAY)
    v = p.values
    assert v["severity"] == "general" and v["regime"] == "order36"
    assert v["publicity_until"] == date(2027, 6, 1) and v["repairable_from"] == date(2026, 9, 1)
    assert v["catalog_version"] == 3 and v["payload"]["document_no"] == "苏市监罚〔2026〕1号"
    assert len(v["fingerprint"]) == 64
    same = r.prepare(CATALOG, sub(), submitter_role="department", today=TODAY)
    other = r.prepare(CATALOG, sub(payload={**PAYLOAD, "penalty_content": "罚款3万元"}), submitter_role="department",
                      today=TODAY)  # fmt: skip
    assert same.values["fingerprint"] == v["fingerprint"] != other.values["fingerprint"]


@pytest.mark.parametrize(
    ("kw", "role", "code"),
    [
        ({"type_code": "no_such_type"}, "department", "unknown_record_type"),
        ({}, "platform", "submitter_not_allowed"),
        ({"payload": {"violation_facts": "x"}}, "department", "missing_field"),
        ({"source_record_id": " "}, "department", "missing_field"),
        ({"decided_on": None}, "department", "missing_field"),
        ({"decided_on": "2026-12-01"}, "department", "future_date"),
        ({"decided_on": "2026-13-01"}, "department", "invalid_date"),
        ({"occurred_on": "2026-07-01"}, "department", "date_order"),
        ({"severity": "minor", "payload": {**PAYLOAD, "penalty_category": "吊销营业执照"}}, "department",
         "inconsistent_severity"),
        ({"severity": "catastrophic"}, "department", "invalid_severity"),
        ({"type_code": "professional_title", "party": r.Party(kind="legal"), "payload": {"title": "x"}}, "department",
         "subject_kind_not_allowed"),
    ],
)  # fmt: skip
def test_bad_submissions_are_rejected_with_a_stable_code(kw: dict[str, Any], role: str, code: str) -> None:
    with pytest.raises(r.RecordRejected) as info:
        r.prepare(CATALOG, sub(**kw), submitter_role=role, today=TODAY)
    assert info.value.code == code
    assert info.value.forbidden == (code == "submitter_not_allowed")


@pytest.mark.parametrize(
    "text", ["2024/3/5", "2024年3月5日", "20240305", "2024-03-05", "2024-03-05 00:00:00", "2024.3.5"]
)
def test_dates_in_the_forms_chinese_sheets_use(text: str) -> None:
    assert r.parse_day(text, "d") == date(2024, 3, 5)


def test_platform_types_may_come_from_platforms() -> None:
    p = r.prepare(
        CATALOG,
        sub(type_code="brushing", payload={"platform": "某平台", "finding": "组织刷单"}, document_no=None),
        submitter_role="platform",
        today=TODAY,
    )
    assert p.values["severity"] == "general" and p.values["disclosure"] == "public"


def test_a_record_past_its_period_lands_expired() -> None:
    p = r.prepare(CATALOG, sub(decided_on="2020-01-01"), submitter_role="department", today=TODAY)
    assert p.values["publicity_until"] == date(2023, 1, 1)
    assert r.initial_status(p.publicity, TODAY) is r.Status.expired
    assert r.initial_status(p.publicity, date(2022, 12, 31)) is r.Status.active


def test_public_means_live_published_public_and_inside_the_period() -> None:
    base: dict[str, Any] = {"status": "active", "published": True, "disclosure": "public",
                            "published_from": date(2026, 1, 1), "publicity_until": date(2026, 12, 31)}  # fmt: skip
    assert r.is_public(**base, today=date(2026, 12, 31))
    assert not r.is_public(**base, today=date(2027, 1, 1))  # hidden on time even before the job runs
    assert not r.is_public(**(base | {"status": "repaired"}), today=date(2026, 6, 1))
    assert not r.is_public(**(base | {"status": "expired"}), today=date(2026, 6, 1))
    assert r.is_public(**(base | {"status": "under_objection"}), today=date(2026, 6, 1))
    assert not r.is_public(**(base | {"disclosure": "departments"}), today=date(2026, 6, 1))
    assert not r.is_public(**(base | {"published": False}), today=date(2026, 6, 1))
    assert r.is_due("active", date(2026, 12, 31), date(2027, 1, 1))
    assert not r.is_due("active", date(2026, 12, 31), date(2026, 12, 31))
    assert not r.is_due("repaired", date(2026, 1, 1), date(2027, 1, 1))


def test_who_may_see_what() -> None:
    assert r.may_see(r.Viewer.self, disclosure="restricted", public_now=False)
    assert r.may_see(r.Viewer.full, disclosure="restricted", public_now=False)
    assert r.may_see(r.Viewer.departments, disclosure="departments", public_now=False)
    assert not r.may_see(r.Viewer.departments, disclosure="restricted", public_now=False)
    assert not r.may_see(r.Viewer.public, disclosure="public", public_now=False)
    assert r.may_see(r.Viewer.public, disclosure="public", public_now=True)
