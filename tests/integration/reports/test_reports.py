"""Issuing, registering and verifying credit reports on both databases: the kinds show what they may
(a person's identity masked in the public report, in clear in its own), every report is registered and
audited, a generated PDF verifies and the same PDF with one byte changed anywhere does not; expired, unknown
and re-signed files are named as such; the refusals carry their reason."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.queries import service as query_service
from chengxin.domains.queries.models import QueryRecord
from chengxin.domains.records import service as records
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.reports import service, signing
from chengxin.domains.reports.models import IssuedReport
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import NaturalSubjectIn
from chengxin.errors import PermissionDenied
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role
from tests.factories import make_ric

CENTRE = cli_actor("tests")
NAME = "王小明"


@pytest.fixture
def person(db: Database, settings: Settings) -> tuple[int, str, int]:
    ric = make_ric(random.Random(7), birth="19900307")
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=CENTRE, kind="department", name="南京市市场监督管理局",
                                           sector="market")  # fmt: skip
        p = subjects.create_subject(s, actor=CENTRE, data=NaturalSubjectIn(kind="natural", name=NAME, ric=ric),
                                    cipher=cipher(settings))  # fmt: skip
        subs = [Submission("admin_penalty", source_record_id=f"P{i}", party=Party(ric=ric, name=NAME),
                           decided_on=date(2026, 3, 1) + timedelta(days=i), document_no=f"宁市监罚〔2026〕{i}号",
                           payload={"violation_facts": "无照经营", "penalty_category": "罚款",
                                    "penalty_content": f"罚款人民币{i + 1}千元"}) for i in range(3)]  # fmt: skip
        assert (
            records.submit(s, actor=CENTRE, source_org_id=org.id, submissions=subs, cipher=cipher(settings)).created
            == 3
        )
        return p.id, ric, org.id


def _actor(role: Role, **kw: object) -> Actor:
    return Actor(role=role, label=f"user:{role}", permissions=MATRIX[role], **kw)  # type: ignore[arg-type]


def test_kinds_registered_masked_and_verified(db: Database, settings: Settings, person: tuple[int, str, int]) -> None:
    sid, ric, org = person
    c = cipher(settings)
    me = _actor(Role.subject, subject_id=sid)
    with unit_of_work(db) as s:
        own = service.issue(s, actor=me, settings=settings, cipher=c, kind="self", subject_id=sid)
        public = service.issue(s, actor=Actor(role=Role.public, label="anonymous", permissions=MATRIX[Role.public]),
                               settings=settings, cipher=c, kind="public", code=ric)  # fmt: skip
        dept = _actor(Role.department, organisation_id=org)
        third = service.issue(s, actor=dept, settings=settings, cipher=c, kind="third_party", subject_id=sid,
                              purpose="supervision", legal_basis="《行政处罚法》第五十五条")  # fmt: skip
    # identity: in clear in the person's own report, masked in the public one (security.masking)
    assert own.content.identity.name == NAME and own.content.identity.ric == ric and own.content.grade is not None
    assert public.content.identity.name != NAME and public.content.identity.ric != ric
    assert set(public.content.identity.masked) == {"name", "ric"} and public.content.grade is None
    assert third.content.identity.name == NAME and third.content.purpose == "行政监管、执法（法定职责）"  # by policy
    assert third.content.legal_basis == "《行政处罚法》第五十五条"
    assert third.content.requester == "南京市市场监督管理局" and own.content.requester == "信用主体本人"
    assert sum(len(g.records) for g in own.content.groups) == 3
    with unit_of_work(db, readonly=True) as s:
        rows = {r.kind: r for r in s.scalars(select(IssuedReport))}
        assert rows["third_party"].purpose == "supervision" and rows["third_party"].organisation_id == org
        assert rows["third_party"].legal_basis == "《行政处罚法》第五十五条" and rows["third_party"].query_id
        assert rows["self"].requester == me.label and rows["self"].sha256 == signing.sha256(own.pdf)
        assert (rows["public"].valid_until - rows["public"].issued_at) == timedelta(days=30)
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.action == "report.issue"))]
        assert len(actions) == 3
        assert NAME.encode() not in rows["self"].content_cipher and b"%PDF" not in rows["self"].pdf_cipher  # encrypted
        # a generated PDF verifies; the same PDF with one byte changed — anywhere — does not
        assert service.verify_file(s, own.pdf).valid
        for at in (0, 100, len(own.pdf) // 2, len(own.pdf) - 200, len(own.pdf) - 2):
            bad = bytearray(own.pdf)
            bad[at] ^= 0x20
            result = service.verify_file(s, bytes(bad))
            assert not result.valid, at
            assert {p.code for p in result.problems} & {"signature_mismatch", "signature_malformed", "not_signed",
                                                         "unknown_number", "unknown_key"}  # fmt: skip
        # the registry answers for the number; a person's name masked
        by_number = service.verify_number(s, own.report.number.lower())
        assert by_number.valid and by_number.report is not None and by_number.report.subject_name != NAME
    with unit_of_work(db) as s:  # downloads (audited): the PDF as delivered, the HTML from the same content
        assert service.document(s, actor=me, cipher=c, number=own.report.number, fmt="pdf") == own.pdf
        assert NAME in str(service.document(s, actor=me, cipher=c, number=own.report.number, fmt="html"))


def test_failures_name_what_does_not_match(db: Database, settings: Settings, person: tuple[int, str, int]) -> None:
    sid, _, _ = person
    c = cipher(settings)
    with unit_of_work(db) as s:
        issued = service.issue(s, actor=CENTRE, settings=settings, cipher=c, kind="public", subject_id=sid)
    number = issued.report.number
    key = signing.signing_key(settings)
    body = issued.pdf[: issued.pdf.rindex(b"%CX-SIGNATURE")]
    with unit_of_work(db, readonly=True) as s:
        late = service.verify_file(s, issued.pdf, now=issued.report.valid_until + timedelta(seconds=1))
        assert not late.valid and [p.code for p in late.problems] == ["expired"] and late.checks["signature"]
        # re-signed with the real key after a change: the signature holds, but it is not the registered file
        resigned = signing.sign(body.replace(b"%%EOF", b"%%EOF "), number=number, key=key)
        again = service.verify_file(s, resigned)
        assert again.checks["signature"] and [p.code for p in again.problems] == ["hash_not_registered"]
        forged = signing.sign(body, number="XY20261125ABCDEFGHJ", key=key)
        assert [p.code for p in service.verify_file(s, forged).problems] == ["unknown_number"]
        stranger = signing.sign(body, number=number, key=signing.key_from_seed(bytes(32)))
        assert {p.code for p in service.verify_file(s, stranger).problems} == {"unknown_key", "hash_not_registered"}
        assert [p.code for p in service.verify_file(s, body).problems] == ["not_signed"]
        assert [p.code for p in service.verify_number(s, "XY20261125").problems] == ["number_malformed"]
        other = service.document  # a self report of someone else is not found for a platform
        with pytest.raises(Exception) as hidden:
            other(s, actor=_actor(Role.platform, organisation_id=999), cipher=c, number="XY20261125ABCDEFGHJ",
                  fmt="pdf")  # fmt: skip
        assert getattr(hidden.value, "code", "") == "report_not_found"


@pytest.mark.parametrize(
    ("kind", "who", "purpose", "code"),
    [
        ("self", Role.department, None, "report_not_own"),
        ("third_party", Role.subject, "hiring", "report_not_authorised"),
        ("third_party", Role.platform, None, "purpose_required"),
        ("third_party", Role.platform, "招聘", "purpose_unknown"),  # a code of the query purposes, not free text
        ("third_party", Role.platform, "licensing", "purpose_not_allowed"),
        ("third_party", Role.platform, "hiring", "authorisation_required"),
        ("third_party", Role.department, "licensing", "authorisation_required"),  # no legal basis for licensing
    ],
)
def test_refusals_carry_their_reason(
    db: Database, settings: Settings, person: tuple[int, str, int], kind: str, who: Role, purpose: str | None, code: str
) -> None:
    sid, _, _ = person
    with unit_of_work(db) as s, pytest.raises(PermissionDenied) as refused:
        service.issue(s, actor=_actor(who), settings=settings, cipher=cipher(settings), kind=kind, subject_id=sid,
                      purpose=purpose)  # fmt: skip
    assert refused.value.code == code and refused.value.status == 403
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(IssuedReport.id)) is None


def _authorise(db: Database, settings: Settings, org: int, ric: str, **kw: object) -> int:
    dept = _actor(Role.department, organisation_id=org)
    args: dict[str, object] = {"purpose": "licensing", "scope": ["identity", "records"], "reference": "授权书 R-1",
                               "valid_from": None, "valid_until": date.today() + timedelta(days=90)} | kw  # fmt: skip
    with unit_of_work(db) as s:
        return query_service.record_authorisation(s, actor=dept, cipher=cipher(settings), code=ric, **args).id  # type: ignore[arg-type]


def test_third_party_report_is_an_authorised_query(
    db: Database, settings: Settings, person: tuple[int, str, int]
) -> None:
    """Admitted like an authorised query (the authorisation looked up, the rules asked), registered in the
    query register (kind ``report``) so the person sees it; a withdrawn, expired or another organisation's
    authorisation refuses the report with the rules' reason."""
    sid, ric, org = person
    c = cipher(settings)
    dept = _actor(Role.department, organisation_id=org)
    auth = _authorise(db, settings, org, ric)
    with unit_of_work(db) as s:
        made = service.issue(s, actor=dept, settings=settings, cipher=c, kind="third_party", subject_id=sid,
                             purpose="licensing", authorisation_id=auth, client="10.1.2.3")  # fmt: skip
    assert made.content.purpose == "行政许可审查" and made.content.authorisation_id == auth
    assert made.content.authorisation_ref == "授权书 R-1" and sum(made.content.record_counts.values()) == 3
    row = made.report
    assert (row.purpose, row.authorisation_id, row.authorisation_ref) == ("licensing", auth, "授权书 R-1")
    with unit_of_work(db, readonly=True) as s:
        rec = s.get_one(QueryRecord, row.query_id)
        assert (rec.kind, rec.subject_id, rec.purpose, rec.authorisation_id, rec.client) == (
            "report", sid, "licensing", auth, query_service.pseudonym(cipher(settings), "10.1.2.3"))  # fmt: skip
        assert rec.fields == ["identity", "records"] and rec.organisation_id == org
        seen = query_service.seen_by(s, sid)
        assert [(q.kind, q.organisation, q.purpose, q.authorisation_id) for q in seen] == [
            ("report", "南京市市场监督管理局", "licensing", auth)
        ]
        assert query_service.KIND_ZH[seen[0].kind] == "信用报告"
    # the person withdraws the authorisation: the next report relying on it is refused, nothing registered
    with unit_of_work(db) as s:
        query_service.withdraw(s, actor=_actor(Role.subject, subject_id=sid), subject_id=sid, authorisation_id=auth)
    expired = _authorise(db, settings, org, ric, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    with unit_of_work(db) as s:
        other = accounts.create_organisation(s, actor=CENTRE, kind="department", name="某区人社局", sector="hr").id
    foreign = _authorise(db, settings, other, ric)
    for authorisation_id, code in ((auth, "authorisation_withdrawn"), (expired, "authorisation_expired"),
                                   (foreign, "authorisation_other_organisation"),
                                   (99999, "authorisation_not_found")):  # fmt: skip
        with unit_of_work(db) as s, pytest.raises(PermissionDenied) as refused:
            service.issue(s, actor=dept, settings=settings, cipher=c, kind="third_party", subject_id=sid,
                          purpose="licensing", authorisation_id=authorisation_id)  # fmt: skip
        assert refused.value.code == code and refused.value.status == 403
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(IssuedReport)) == 1
        assert s.scalar(select(func.count()).select_from(QueryRecord)) == 1


def test_a_public_report_is_registered_as_a_public_query(
    db: Database, settings: Settings, person: tuple[int, str, int]
) -> None:
    sid, _, _ = person
    with unit_of_work(db) as s:
        made = service.issue(s, actor=_actor(Role.public), settings=settings, cipher=cipher(settings),
                             kind="public", subject_id=sid, client="198.51.100.7")  # fmt: skip
        own = service.issue(s, actor=_actor(Role.subject, subject_id=sid), settings=settings,
                            cipher=cipher(settings), kind="public", subject_id=sid)  # fmt: skip
    with unit_of_work(db, readonly=True) as s:
        rows = s.scalars(select(QueryRecord).where(QueryRecord.subject_id == sid)).all()
        kept = query_service.pseudonym(cipher(settings), "198.51.100.7")  # the address never kept in clear
        assert [(r.kind, r.client) for r in rows] == [("public", kept)]  # not the subject's own
        assert s.get_one(IssuedReport, made.report.id).query_id == rows[0].id
        assert s.get_one(IssuedReport, own.report.id).query_id is None
        assert [q.kind for q in query_service.seen_by(s, sid)] == ["public"]
