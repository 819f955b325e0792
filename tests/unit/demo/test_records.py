"""The demo's credit records: deterministic, valid against the catalog, realistic proportions."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

import pytest

from chengxin.demo import names_data as nd
from chengxin.demo.load import replay_day
from chengxin.demo.province import Province, generate_province
from chengxin.demo.records import DEMO_RECORD_TYPES, INDEFINITE, PLATFORM_TYPES, RecordSpec, generate_records
from chengxin.domains.catalog.rules import Catalog, default_catalog_source, parse_catalog
from chengxin.domains.records.rules import Prepared, Status, initial_status, prepare
from chengxin.domains.subjects.identifiers import validate_ric, validate_uscc

TODAY = date(2026, 11, 24)
# Which department sector submits each type that is not platform-reported.
SECTORS = {
    "admin_licence": {"market_regulation", "postal"},
    "admin_penalty": {"market_regulation", "postal", "tax", "cyberspace", "public_security"},
    "commendation": {"market_regulation", "commerce", "tax", "postal", "civilisation"},
    "court_dishonest_debtor": {"court"},
    "tax_arrears": {"tax"},
    "unpaid_utility_fees": {"utility"},
    "sampling_inspection_failure": {"market_regulation"},
    "upheld_complaint": {"market_regulation", "postal"},
    "empty_parcel": {"postal"},
    "pii_abuse": {"postal", "cyberspace"},
    "professional_qualification": {"human_resources", "market_regulation"},
    "professional_title": {"human_resources"},
    "volunteer_honour": {"civilisation"},
    "model_citizen_honour": {"civilisation"},
}


@pytest.fixture(scope="module")
def province() -> Province:
    return generate_province()


@pytest.fixture(scope="module")
def records(province: Province) -> tuple[RecordSpec, ...]:
    return generate_records(province, today=TODAY)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog(default_catalog_source(), version=1)


@pytest.fixture(scope="module")
def prepared(province: Province, records: tuple[RecordSpec, ...], catalog: Catalog) -> list[Prepared]:
    """Every record validated as the write path does, on the day the demo's replay submits it."""
    kinds = {o.key: o.kind for o in province.organisations}
    out = []
    for r in records:
        decided = r.submission.decided_on
        assert isinstance(decided, date)
        out.append(prepare(catalog, r.submission, submitter_role=kinds[r.source], today=replay_day(decided, TODAY)))
    return out


def _ref(r: RecordSpec) -> str | None:
    return r.submission.party.uscc or r.submission.party.ric


def test_deterministic_for_seed_and_date(province: Province, records: tuple[RecordSpec, ...]) -> None:
    assert generate_records(province, today=TODAY) == records
    later = generate_records(province, today=TODAY + timedelta(days=100))
    # the same subjects get the same kinds of record from the same sources; only dates move
    assert [(r.source, r.submission.type_code, _ref(r)) for r in later] == [
        (r.source, r.submission.type_code, _ref(r)) for r in records
    ]
    assert [r.submission.decided_on for r in later] != [r.submission.decided_on for r in records]
    other = generate_records(generate_province(seed=2027), today=TODAY)
    assert [_ref(r) for r in other] != [_ref(r) for r in records]


def test_deterministic_across_processes() -> None:
    """No dependence on set or hash order: other hash seeds give the same records."""
    code = (
        "import hashlib, datetime\n"
        "from chengxin.demo.province import generate_province\n"
        "from chengxin.demo.records import generate_records\n"
        "p = generate_province(seed=5, enterprises=300, persons=150)\n"
        "r = generate_records(p, today=datetime.date(2026, 11, 24))\n"
        "print(hashlib.sha256(repr(r).encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    small = generate_records(generate_province(seed=5, enterprises=300, persons=150), today=TODAY)
    assert digests == {hashlib.sha256(repr(small).encode()).hexdigest()}


def test_every_record_is_valid_and_lands_live(
    records: tuple[RecordSpec, ...], prepared: list[Prepared], catalog: Catalog
) -> None:
    assert 1000 <= len(records) <= 5000
    assert {r.submission.type_code for r in records} == set(DEMO_RECORD_TYPES)
    for r, p in zip(records, prepared, strict=True):
        assert p.rtype.code == r.submission.type_code
        # replayed at the end of its decision quarter, no record's publicity has ended yet
        decided = r.submission.decided_on
        assert isinstance(decided, date)
        assert initial_status(p.publicity, replay_day(decided, TODAY)) is Status.active
    keys = Counter((r.source, r.submission.source_record_id) for r in records)
    assert max(keys.values()) == 1  # a source's record ids are unique


def test_parties_and_sources(province: Province, records: tuple[RecordSpec, ...]) -> None:
    orgs = {o.key: o for o in province.organisations}
    registered = {s.uscc for s in province.legal_subjects} | {p.ric for p in province.natural_subjects}
    unmatched = []
    for r in records:
        party = r.submission.party
        if party.uscc:
            assert validate_uscc(party.uscc).code == party.uscc
            assert party.kind == "legal"
        if party.ric:
            assert validate_ric(party.ric) == party.ric
            assert party.kind == "natural"
        if _ref(r) not in registered:
            unmatched.append(r)
            continue
        org = orgs[r.source]
        if r.submission.type_code in PLATFORM_TYPES:
            assert org.kind == "platform"
            assert r.submission.payload["platform"] in {brand for _, brand, _, _ in nd.PLATFORMS}
        elif org.kind == "department":
            assert org.sector in SECTORS[r.submission.type_code], (r.submission.type_code, org.sector)
        else:
            assert org.kind == "platform" and r.submission.type_code in (
                "upheld_complaint",
                "empty_parcel",
                "pii_abuse",
            )
    # firms of other provinces and one party named without any code: the unmatched queue (待匹配)
    assert len(unmatched) == 6
    assert sum(r.submission.party.uscc is not None and r.submission.party.uscc[2:4] != "32" for r in unmatched) == 5
    assert sum(_ref(r) is None for r in unmatched) == 1


def test_proportions(province: Province, records: tuple[RecordSpec, ...], prepared: list[Prepared]) -> None:
    negative = Counter(_ref(r) for r, p in zip(records, prepared, strict=True) if p.rtype.polarity == "negative")
    for subjects in ([s.uscc for s in province.legal_subjects], [p.ric for p in province.natural_subjects]):
        counts = Counter(min(negative.get(code, 0), 3) for code in subjects)
        share = {k: n / len(subjects) for k, n in counts.items()}
        assert share[0] >= 0.85  # most subjects have no negative record
        assert 0.03 <= share[1] + share[2] <= 0.15  # a minority one or two
        assert 0.002 <= share[3] <= 0.03  # a few bad actors several
    assert max(negative.values()) >= 5
    types = Counter(r.submission.type_code for r in records)
    assert types["admin_licence"] == max(types.values())
    assert types["admin_penalty"] > types["court_dishonest_debtor"] > types["model_citizen_honour"]
    natural_only = {"professional_qualification", "professional_title", "volunteer_honour", "model_citizen_honour"}
    assert all(r.submission.party.kind == "natural" for r in records if r.submission.type_code in natural_only)
    assert any(r.submission.party.kind == "natural" for r in records if r.submission.type_code == "unpaid_utility_fees")


def test_dates_spread_and_some_expired(records: tuple[RecordSpec, ...], prepared: list[Prepared]) -> None:
    earliest = TODAY - timedelta(days=5 * 366 + 3)
    years: Counter[int] = Counter()
    for r in records:
        decided, occurred = r.submission.decided_on, r.submission.occurred_on
        assert isinstance(decided, date) and earliest <= decided <= TODAY
        assert decided.weekday() < 5
        assert occurred is None or (isinstance(occurred, date) and occurred <= decided)
        years[decided.year] += 1
    assert len(years) >= 5
    expired = Counter(
        r.submission.type_code
        for r, p in zip(records, prepared, strict=True)
        if initial_status(p.publicity, TODAY) is Status.expired
    )
    assert 0.05 <= sum(expired.values()) / len(records) <= 0.4
    for type_code in ("admin_penalty", "commendation", "volunteer_honour", "unpaid_utility_fees", "admin_licence"):
        assert expired[type_code] > 0, type_code
    regimes = Counter(p.values["regime"] for p in prepared if p.values["regime"])
    assert regimes["order58"] > regimes["order36"] > 0


def test_licences_penalties_and_severities(records: tuple[RecordSpec, ...], prepared: list[Prepared]) -> None:
    licences = [r for r in records if r.submission.type_code == "admin_licence"]
    assert all(r.submission.valid_to is not None and r.submission.document_no for r in licences)
    indefinite = [r for r in licences if r.submission.valid_to == INDEFINITE]
    assert 0.1 <= len(indefinite) / len(licences) <= 0.9
    penalties = [(r, p) for r, p in zip(records, prepared, strict=True) if r.submission.type_code == "admin_penalty"]
    categories = Counter(
        part for r, _ in penalties for part in str(r.submission.payload["penalty_category"]).split(";")
    )
    assert categories["警告"] + categories["罚款"] > 0.6 * len(penalties)
    assert categories["没收违法所得"] > 0 and categories["责令停产停业"] > 0 and categories["行政拘留"] > 0
    severities = Counter(p.values["severity"] for _, p in penalties)
    assert severities["general"] > severities["minor"] > severities["serious"] > 0
    for r, p in penalties:
        revoked = "吊销" in str(r.submission.payload["penalty_category"])
        assert (p.values["severity"] == "serious") == (
            revoked or "行政拘留" in str(r.submission.payload["penalty_category"])
        )
        assert re.fullmatch(r".+〔20\d\d〕\d+号", r.submission.document_no or ""), r.submission.document_no
        assert re.search(r"[\u4e00-\u9fff]", str(r.submission.payload["violation_facts"]))
    assert {p.values["severity"] for p in prepared if p.rtype.polarity == "negative"} == {"minor", "general", "serious"}
    special = [r for r, _ in penalties if "特种设备" in str(r.submission.payload["violation_type"])]
    assert special  # Order 58's special sectors are represented


def test_login_subjects_have_a_small_varied_file(
    province: Province, records: tuple[RecordSpec, ...], prepared: list[Prepared]
) -> None:
    logins = [u for u in province.users if u.role == "subject"]
    assert len(logins) == 2
    for user in logins:
        own = [(r, p) for r, p in zip(records, prepared, strict=True) if _ref(r) == user.subject_ref]
        assert 3 <= len(own) <= 6, user.username
        statuses = {initial_status(p.publicity, TODAY) for _, p in own}
        assert statuses == {Status.active, Status.expired}, user.username
        restricted = [(r, p) for r, p in own if p.values["disclosure"] == "restricted"]
        assert any(
            r.submission.type_code == "unpaid_utility_fees" and initial_status(p.publicity, TODAY) is Status.active
            for r, p in restricted
        ), user.username
