"""Credit reports (信用报告): issue one (assemble, render, sign, register), read it back, verify a file or a
number, publish the signing key. Keyword-only use cases; the caller owns the transaction (never commits)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.config import Settings
from chengxin.db import utcnow
from chengxin.domains.queries import service as query_service
from chengxin.domains.records.files import source_names
from chengxin.domains.reports import render, rules, signing
from chengxin.domains.reports.assemble import assemble
from chengxin.domains.reports.models import IssuedReport, ReportKey
from chengxin.domains.reports.schemas import (
    Problem,
    PublicKeyOut,
    ReportContent,
    ReportLinks,
    ReportOut,
    VerificationOut,
    VerifiedReport,
)
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.views import SubjectView
from chengxin.errors import InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.http import clean_purpose
from chengxin.security.masking import Field, mask
from chengxin.security.permissions import Permission

CONTENT_CONTEXT = "credit_report.content"
PDF_CONTEXT = "credit_report.pdf"
Format = Literal["pdf", "html"]


@dataclass
class Issued:
    report: IssuedReport
    content: ReportContent
    pdf: bytes  # signed, as delivered


def current_rules() -> rules.ReportRules:
    return rules.load_rules()


def _subject(session: Session, *, subject_id: int | None, code: str | None, cipher: PiiCipher) -> SubjectView:
    if subject_id is not None:
        return subject_service.view_by_id(session, subject_id)
    return subject_service.view_by_code(session, code=code or "", cipher=cipher)


def _requester(session: Session, actor: Actor, kind: str, subject_id: int) -> str:
    """Who asked, as the report shows it."""
    if actor.is_self(subject_id):
        return "信用主体本人"
    if actor.organisation_id is not None:
        name = source_names(session, {actor.organisation_id}).get(actor.organisation_id)
        if name:
            return name
    if str(actor.role) == "credit_centre":
        return "信用中心" + ("（代本人出具）" if kind == "self" else "")
    return "社会公众" if kind == "public" else actor.label


def _key_row(session: Session, key: signing.SigningKey) -> None:
    if session.get(ReportKey, key.key_id) is None:
        session.add(ReportKey(key_id=key.key_id, algorithm=signing.ALGORITHM, public_key=key.public_b64))
        session.flush()


def _number(session: Session, prefix: str, now: datetime) -> str:
    day = now.astimezone(render.BEIJING).date()
    for _ in range(5):
        number = rules.new_number(prefix, day, os.urandom(rules.RANDOM_LENGTH))
        if session.scalar(select(IssuedReport.id).where(IssuedReport.number == number)) is None:
            return number
    raise RuntimeError("could not draw an unused report number")  # 31^8 numbers a day: never in practice


def verify_url(settings: Settings, number: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/reports/verify/{number}"


@dataclass(frozen=True)
class Admission:
    """Why a third-party report may be made: the purpose (its code), the authorisation or legal basis, the
    kinds of information it covers (``queries.service.admit``)."""

    purpose: str
    purpose_zh: str
    authorisation_id: int | None
    authorisation_ref: str | None
    legal_basis: str | None
    fields: tuple[str, ...]


def _admit(
    session: Session,
    *,
    actor: Actor,
    view: SubjectView,
    purpose: str,
    authorisation_id: int | None,
    legal_basis: str | None,
    fields: Sequence[str] | None,
    today: date,
) -> Admission:
    decision = query_service.admit(
        session, actor=actor, view=view, purpose=purpose, authorisation_id=authorisation_id, legal_basis=legal_basis,
        fields=fields, today=today, within_scope=True,
    )  # fmt: skip
    return Admission(
        purpose=purpose,
        purpose_zh=decision.purpose.name,
        authorisation_id=authorisation_id,
        authorisation_ref=None
        if authorisation_id is None
        else query_service.authorisation_reference(session, authorisation_id),
        legal_basis=legal_basis if decision.basis == "legal_basis" else None,
        fields=decision.fields,
    )


def issue(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    cipher: PiiCipher,
    kind: str,
    subject_id: int | None = None,
    code: str | None = None,
    purpose: str | None = None,
    authorisation_id: int | None = None,
    legal_basis: str | None = None,
    fields: Sequence[str] | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> Issued:
    """Make a report of one subject: check the caller may have this kind, assemble the content at this point
    in time, render the PDF, sign it, register it (number, subject, kind, purpose, requester, times, SHA-256)
    and write the audit entry — all in the caller's transaction.

    A ``third_party`` report is an authorised query (授权查询): admitted as ``queries.service.admit`` decides
    (``purpose`` a code of the query purposes; for a natural person ``authorisation_id``, an authorisation
    given to the requester's organisation, or for a department on a purpose that allows it ``legal_basis``;
    403 with the reason otherwise), and registered in the query register (查询登记, kind ``report``), so the
    subject sees it under "who looked at my file". A ``public`` report made by anyone but the subject is
    registered as a public query."""
    # a third-party report's purpose is a query purpose's code; the others' a free text for the audit log
    purpose = ((purpose or "").strip() if kind == "third_party" else clean_purpose(purpose)) or actor.purpose
    view = _subject(session, subject_id=subject_id, code=code, cipher=cipher)
    try:
        checked = rules.check_request(
            kind,
            role=str(actor.role),
            is_self=actor.is_self(view.id) and actor.can(Permission.self_read),
            may_issue=actor.can(Permission.reports_issue),
            may_query=actor.can(Permission.queries_run),
            purpose=purpose,
        )
    except rules.Refusal as exc:
        # 403 with the reason (no purpose, not one's own, no permission); 422 for an unknown kind
        error = PermissionDenied if exc.denied else InvalidInput
        raise error(exc.detail, code=exc.code, message_zh=exc.message_zh) from exc
    now = now or utcnow()
    on = now.astimezone(render.BEIJING).date()
    admitted = None
    if checked == "third_party":
        assert purpose is not None  # check_request: a third-party report states its purpose
        admitted = _admit(session, actor=actor, view=view, purpose=purpose, authorisation_id=authorisation_id,
                          legal_basis=legal_basis, fields=fields, today=on)  # fmt: skip
    policy_set = current_rules()
    policy = policy_set.policy(checked)
    actor = actor.with_purpose(purpose)
    until = rules.valid_until(now, policy_set.validity_days)
    number = _number(session, policy_set.number_prefix, now)
    key = signing.signing_key(settings)
    _key_row(session, key)
    content = assemble(
        session, view=view, kind=checked, policy=policy, actor=actor, cipher=cipher, number=number, issued_at=now,
        valid_until=until, on=on, requester=_requester(session, actor, checked, view.id),
        purpose=purpose if admitted else None, purpose_zh=admitted.purpose_zh if admitted else None,
        authorisation_id=admitted.authorisation_id if admitted else None,
        authorisation_ref=admitted.authorisation_ref if admitted else None,
        legal_basis=admitted.legal_basis if admitted else None, fields=admitted.fields if admitted else None,
        verify_url=verify_url(settings, number), key_id=key.key_id,
    )  # fmt: skip
    query = None
    if admitted is not None:  # 查询登记: the subject sees who had its report made, when and why
        query = query_service.register(
            session, actor=actor, kind="report", subject_id=view.id, purpose=admitted.purpose,
            authorisation_id=admitted.authorisation_id, legal_basis=admitted.legal_basis, fields=admitted.fields,
            client=client, records=sum(content.record_counts.values()), cipher=cipher,
        )  # fmt: skip
    elif checked == "public" and not actor.is_self(view.id):  # a public query too: registered like one
        query = query_service.register(
            session, actor=actor, kind="public", subject_id=view.id, purpose=None, authorisation_id=None,
            legal_basis=None, fields=["identity", "records", "lists"], client=client,
            records=sum(content.record_counts.values()), cipher=cipher,
        )  # fmt: skip
    signed = signing.sign(render.pdf(content), number=number, key=key)
    row = IssuedReport(
        number=number, subject_id=view.id, kind=checked, purpose=purpose,
        authorisation_id=admitted.authorisation_id if admitted else None,
        authorisation_ref=admitted.authorisation_ref if admitted else None,
        legal_basis=admitted.legal_basis if admitted else None, query_id=query.id if query else None,
        requester=actor.label, requester_role=str(actor.role), user_id=actor.user_id,
        organisation_id=actor.organisation_id, issued_at=now, as_of=content.as_of, valid_until=until,
        key_id=key.key_id, sha256=signing.sha256(signed), pdf_bytes=len(signed),
        content_cipher=cipher.encrypt(content.model_dump_json(), context=CONTENT_CONTEXT),
        pdf_cipher=_encrypt_bytes(cipher, signed),
    )  # fmt: skip
    session.add(row)
    session.flush()
    fields_shown = ["identity", "records", "lists"] + (["grade"] if content.grade else [])
    detail: dict[str, object] = {"kind": checked, "sha256": row.sha256, "valid_until": until.isoformat(),
                                 "masked": content.identity.masked}  # fmt: skip
    if admitted is not None:
        detail |= {"authorisation_id": admitted.authorisation_id, "legal_basis": admitted.legal_basis,
                   "query_id": row.query_id}  # fmt: skip
    audit.record(session, actor, audit.Event(
        "report.issue", subject_id=view.id, object_type="credit_report", object_id=number, fields=fields_shown,
        detail=detail,
    ))  # fmt: skip
    return Issued(row, content, signed)


def _encrypt_bytes(cipher: PiiCipher, data: bytes) -> bytes:
    """The PDF encrypted at rest like other personal data (AES-GCM with the PII encryption key, the same
    ``v1`` + nonce layout as ``PiiCipher.encrypt``; ``PiiCipher`` itself takes text)."""
    nonce = os.urandom(12)
    return b"v1" + nonce + AESGCM(cipher.enc_key).encrypt(nonce, data, PDF_CONTEXT.encode())


def _decrypt_bytes(cipher: PiiCipher, blob: bytes) -> bytes:
    if blob[:2] != b"v1":
        raise ValueError("unknown ciphertext version")
    return AESGCM(cipher.enc_key).decrypt(blob[2:14], blob[14:], PDF_CONTEXT.encode())


def out(row: IssuedReport) -> ReportOut:
    base = f"/api/v1/reports/{row.number}"
    return ReportOut(
        number=row.number, kind=row.kind, subject_id=row.subject_id, purpose=row.purpose,
        authorisation_id=row.authorisation_id, authorisation_ref=row.authorisation_ref, legal_basis=row.legal_basis,
        query_id=row.query_id, requester=row.requester, issued_at=row.issued_at,
        valid_until=row.valid_until, sha256=row.sha256, key_id=row.key_id,
        links=ReportLinks(pdf=f"{base}.pdf", html=f"{base}.html", verify=f"/reports/verify/{row.number}"),
    )  # fmt: skip


# --- reading a report back -------------------------------------------------------------------------


def find(session: Session, number: str) -> IssuedReport | None:
    return session.scalar(select(IssuedReport).where(IssuedReport.number == number.strip().upper()))


def may_read(actor: Actor, row: IssuedReport) -> bool:
    """Who may download an issued report again: anyone for a public one; the subject its own report; the
    requester (same account, or same organisation); the credit centre."""
    if row.kind == "public" or str(actor.role) == "credit_centre":
        return True
    if row.kind == "self" and actor.is_self(row.subject_id) and actor.can(Permission.self_read):
        return True
    if actor.label != "anonymous" and actor.label == row.requester:
        return True
    return actor.organisation_id is not None and actor.organisation_id == row.organisation_id


def document(session: Session, *, actor: Actor, cipher: PiiCipher, number: str, fmt: Format) -> bytes | str:
    """The issued report as PDF (the signed bytes as delivered) or HTML (rendered from the same content);
    a report the caller may not read is reported as not found (no existence leak). Non-public reads are
    audited."""
    row = find(session, number)
    if row is None or not may_read(actor, row):
        raise NotFound(f"no credit report numbered {number}", code="report_not_found", message_zh="未找到该信用报告")
    if row.kind != "public":
        event = audit.Event("report.read", subject_id=row.subject_id, object_type="credit_report",
                            object_id=row.number, detail={"kind": row.kind, "format": fmt})  # fmt: skip
        audit.record(session, actor, event)
    if fmt == "pdf":
        return _decrypt_bytes(cipher, row.pdf_cipher)
    content = ReportContent.model_validate(json.loads(cipher.decrypt(row.content_cipher, context=CONTENT_CONTEXT)))
    return render.html(content)


def for_subject(session: Session, subject_id: int, *, kind: str | None = None) -> list[IssuedReport]:
    stmt = select(IssuedReport).where(IssuedReport.subject_id == subject_id)
    if kind:
        stmt = stmt.where(IssuedReport.kind == kind)
    return list(session.scalars(stmt.order_by(IssuedReport.id.desc()).limit(50)))


# --- verification ----------------------------------------------------------------------------------

PROBLEMS_ZH = {
    "not_signed": "文件未携带诚信平台的报告签名，不是本平台出具的报告或已被改动",
    "signature_malformed": "报告签名行格式错误，文件已被改动",
    "unknown_key": "签名密钥不是本平台的密钥",
    "signature_mismatch": "数字签名不符：报告文件内容已被改动",
    "number_malformed": "报告编号格式或校验位错误",
    "unknown_number": "报告编号未登记：本平台未出具过该编号的报告",
    "hash_not_registered": "文件的SHA-256摘要与登记的不符：不是登记的那份文件",
    "expired": "报告已超过有效期",
}


def _problem(code: str, detail: str) -> Problem:
    return Problem(code=code, detail=detail, message_zh=PROBLEMS_ZH[code])


def _verified(session: Session, row: IssuedReport, now: datetime) -> VerifiedReport:
    view = subject_service.view_by_id(session, row.subject_id)
    name = view.name if view.kind == "legal" else mask(Field.person_name, view.name) or ""
    return VerifiedReport(number=row.number, kind=row.kind, kind_zh=rules.KIND_ZH.get(row.kind, row.kind),
                          subject_name=name, issued_at=row.issued_at, valid_until=row.valid_until,
                          expired=rules.is_expired(row.valid_until, now))  # fmt: skip


def verify_file(session: Session, data: bytes, *, now: datetime | None = None) -> VerificationOut:
    """Check a report file: its signature line, the key, the signature over every byte before it, the
    number in the registry, the file's SHA-256 against the registered one, the validity. Every check that
    fails is named."""
    now = now or utcnow()
    checks = {"signature": False, "registered": False, "hash": False, "in_validity": False}
    problems: list[Problem] = []
    try:
        signed = signing.read_signed(data)
    except signing.NotSigned as exc:
        return VerificationOut(valid=False, number=None, checks=checks, problems=[_problem(exc.code, exc.detail)],
                               report=None)  # fmt: skip
    key = session.get(ReportKey, signed.key_id)
    if key is None:
        problems.append(_problem("unknown_key", f"key {signed.key_id!r} never signed a report here"))
    elif signing.signature_holds(signed, signing.public_raw(key.public_key)):
        checks["signature"] = True
    else:
        problems.append(_problem("signature_mismatch", "the Ed25519 signature does not match the file's bytes: "
                                 "the file was changed after it was signed"))  # fmt: skip
    row = find(session, signed.number) if rules.well_formed(signed.number) else None
    report = None
    if row is None:
        problems.append(_problem("unknown_number", f"no report numbered {signed.number!r} was issued here"))
    else:
        checks["registered"] = True
        report = _verified(session, row, now)
        if signing.sha256(data) == row.sha256:
            checks["hash"] = True
        else:
            problems.append(_problem("hash_not_registered", f"the file's SHA-256 {signing.sha256(data)[:16]}… is not "
                                     f"the registered {row.sha256[:16]}… of report {row.number}"))  # fmt: skip
        if report.expired:
            problems.append(_problem("expired", f"report {row.number} was valid until {row.valid_until.isoformat()}"))
        else:
            checks["in_validity"] = True
    return VerificationOut(valid=not problems, number=signed.number, checks=checks, problems=problems, report=report)


def verify_number(session: Session, number: str, *, now: datetime | None = None) -> VerificationOut:
    """What the registry says of a report number (the QR code's link): issued? by whom for which subject
    (masked), valid until when. A number alone proves nothing about a file: upload it to check it."""
    now = now or utcnow()
    text = number.strip().upper()
    checks = {"registered": False, "in_validity": False}
    if not rules.well_formed(text):
        return VerificationOut(valid=False, number=text, checks=checks, report=None,
                               problems=[_problem("number_malformed", f"{text!r} is not a report number")])  # fmt: skip
    row = find(session, text)
    if row is None:
        unknown = _problem("unknown_number", f"no report numbered {text!r} was issued here")
        return VerificationOut(valid=False, number=text, checks=checks, report=None, problems=[unknown])
    checks["registered"] = True
    report = _verified(session, row, now)
    problems = []
    if report.expired:
        problems.append(_problem("expired", f"report {row.number} was valid until {row.valid_until.isoformat()}"))
    else:
        checks["in_validity"] = True
    return VerificationOut(valid=not problems, number=text, checks=checks, problems=problems, report=report)


def public_key(session: Session, settings: Settings) -> PublicKeyOut:
    key = signing.signing_key(settings)
    earlier = session.scalars(select(ReportKey).where(ReportKey.key_id != key.key_id).order_by(ReportKey.first_used_at))
    return PublicKeyOut(algorithm=signing.ALGORITHM, key_id=key.key_id, public_key=key.public_b64, pem=key.public_pem(),
                        previous=[{"key_id": k.key_id, "public_key": k.public_key} for k in earlier])  # fmt: skip
