"""The unmatched queue (待匹配): list, look at, and reconcile parked submissions. Never commits.

A submission whose subject could not be matched is parked by ``records.service.write_batch``
(table ``unmatched_records``, owned by the records domain; this module is its workflow). The
credit centre then

- links it to an existing subject (``resolve``): the record is written through the one write
  path, ``records.service.write_batch``, as the source submitted it, with the chosen subject;
- registers the subject from the party's USCC and links it (``register_and_resolve``);
- or dismisses it with a reason (``dismiss``).

Every action is audited. A natural person's identity number is shown masked only; it is
decrypted here solely to rebuild the submission for the write path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts import service as accounts_service
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.records import service as record_service
from chengxin.domains.records.models import UnmatchedRecord
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.identifiers import IdentifierError, validate_uscc
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher

STATUSES = ("open", "resolved", "dismissed")


@dataclass
class Page:
    total: int
    items: list[UnmatchedRecord]
    sources: dict[int, str]  # organisation id → name, for the rows shown


def list_unmatched(
    session: Session,
    *,
    status: str | None = "open",
    source_org_id: int | None = None,
    type_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """A page of the queue, oldest first (``status`` None: every status)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", code="invalid_status")
    where = []
    if status is not None:
        where.append(UnmatchedRecord.status == status)
    if source_org_id is not None:
        where.append(UnmatchedRecord.source_org_id == source_org_id)
    if type_code is not None:
        where.append(UnmatchedRecord.type_code == type_code)
    total = session.scalar(select(func.count()).select_from(UnmatchedRecord).where(*where)) or 0
    items = list(
        session.scalars(select(UnmatchedRecord).where(*where).order_by(UnmatchedRecord.id).limit(limit).offset(offset))
    )
    return Page(int(total), items, source_names(session, {u.source_org_id for u in items}))


def source_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {o.id: o.name for o in accounts_service.list_organisations(session) if o.id in ids}


def get_unmatched(session: Session, unmatched_id: int) -> UnmatchedRecord:
    u = session.get(UnmatchedRecord, unmatched_id)
    if u is None:
        raise NotFound(
            f"no unmatched record with id {unmatched_id}", code="unmatched_not_found", message_zh="未找到该待匹配记录"
        )
    return u


def _open(session: Session, unmatched_id: int) -> UnmatchedRecord:
    u = get_unmatched(session, unmatched_id)
    if u.status != "open":
        raise Conflict(
            f"unmatched record {unmatched_id} is already {u.status}",
            code="unmatched_not_open",
            message_zh="该待匹配记录已处理",
        )
    return u


def _party_uscc(u: UnmatchedRecord) -> str | None:
    """The party's USCC, when the code the source gave is one (it may be another registration number)."""
    if u.party_kind == "natural" or not u.party_code:
        return None
    try:
        return validate_uscc(u.party_code).code
    except IdentifierError:
        return None


def _check_identity(u: UnmatchedRecord, subject: Subject) -> None:
    """A record is never attached to a subject whose identifier differs from the one the source gave."""
    uscc = _party_uscc(u)
    if uscc and subject.uscc != uscc:
        raise Conflict(
            f"the source names USCC {uscc}; subject {subject.id} has {subject.uscc or 'none'}",
            code="identifier_mismatch",
            message_zh="所选主体的统一社会信用代码与报送数据不一致",
        )
    if u.party_ric_index and subject.ric_index != u.party_ric_index:
        raise Conflict(
            f"the source names another identity number than subject {subject.id}'s",
            code="identifier_mismatch",
            message_zh="所选主体的身份证号码与报送数据不一致",
        )


def _submission(u: UnmatchedRecord, cipher: PiiCipher) -> Submission:
    """The submission as the source sent it (same content, so the same fingerprint: a later
    re-send of the same row is found unchanged)."""
    s: dict[str, Any] = u.submission
    payload = dict(s.get("payload") or {})
    ric = cipher.decrypt(u.party_ric_cipher, context=subject_service.RIC_CONTEXT) if u.party_ric_cipher else None
    uscc = _party_uscc(u)
    party = Party(
        name=u.party_name,
        kind=u.party_kind,
        uscc=uscc,
        ric=ric,
        other_code=None if uscc else u.party_code,
    )
    return Submission(
        type_code=s["type_code"],
        source_record_id=s["source_record_id"],
        decided_on=s["decided_on"],
        party=party,
        occurred_on=s.get("occurred_on"),
        severity=s.get("severity"),
        document_no=s.get("document_no"),
        payload=payload,
        valid_to=payload.get("valid_to"),
    )


def resolve(
    session: Session, *, actor: Actor, unmatched_id: int, subject_id: int, cipher: PiiCipher
) -> UnmatchedRecord:
    """Link a parked submission to an existing subject: the record is written through
    ``records.service.write_batch`` and the queue row is marked resolved with its id."""
    u = _open(session, unmatched_id)
    subject = subject_service.get_subject(session, subject_id)
    _check_identity(u, subject)
    source = next((o for o in accounts_service.list_organisations(session) if o.id == u.source_org_id), None)
    role = source.kind if source is not None else "department"
    catalog = catalog_service.ensure_stored(session, actor)
    today = record_service.legal_today()
    counts = record_service.BatchCounts()
    items = record_service.prepare_items(
        catalog,
        [(0, _submission(u, cipher), {"unmatched_id": u.id})],
        submitter_role=role,
        cipher=cipher,
        today=today,
        counts=counts,
    )
    items = [replace(it, prepared=replace(it.prepared, party=replace(it.prepared.party, subject_id=subject.id)))
             for it in items]  # fmt: skip
    record_service.write_batch(
        session,
        actor=actor,
        source_org_id=u.source_org_id,
        items=items,
        cipher=cipher,
        counts=counts,
        today=today,
        via="reconciliation",
    )
    outcome = counts.outcomes[0]
    if outcome.result == "rejected":
        if outcome.code == "submitter_not_allowed":
            raise PermissionDenied(outcome.detail or "", code=outcome.code, message_zh="该来源机构无权报送此类记录")
        raise InvalidInput(
            outcome.detail or "", code=outcome.code or "invalid_record", message_zh="该记录不能关联到所选主体"
        )
    now = utcnow()
    u.status, u.resolved_record_id, u.resolved_by, u.resolved_at, u.updated_at = (
        "resolved",
        outcome.record_id,
        actor.label,
        now,
        now,
    )
    audit.record(
        session,
        actor,
        audit.Event(
            "unmatched.resolve",
            subject_id=subject.id,
            object_type="unmatched_record",
            object_id=u.id,
            detail={"record_id": outcome.record_id, "result": outcome.result, "source_record_id": u.source_record_id},
        ),
    )
    return u


def register_and_resolve(
    session: Session, *, actor: Actor, unmatched_id: int, cipher: PiiCipher
) -> tuple[UnmatchedRecord, Subject]:
    """Register the party as a subject from its USCC (统一社会信用代码) and link the record to it.
    When a subject with that USCC exists by now, the record is linked to it."""
    u = _open(session, unmatched_id)
    uscc = _party_uscc(u)
    if uscc is None or not u.party_name.strip():
        raise InvalidInput(
            "only a party named with a valid USCC can be registered from the queue",
            code="not_registrable",
            message_zh="仅能根据有效的统一社会信用代码登记主体",
        )
    existing = session.scalar(select(Subject).where(Subject.uscc == uscc))
    if existing is None:
        data = LegalSubjectIn(kind="legal", name=u.party_name.strip(), uscc=uscc)
        existing = subject_service.create_subject(session, actor=actor, data=data, cipher=cipher)
    return resolve(session, actor=actor, unmatched_id=u.id, subject_id=existing.id, cipher=cipher), existing


def dismiss(session: Session, *, actor: Actor, unmatched_id: int, reason: str) -> UnmatchedRecord:
    """Close a parked submission without a record (e.g. the source withdrew it), with the reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required to dismiss", code="reason_required", message_zh="请填写忽略原因")
    u = _open(session, unmatched_id)
    now = utcnow()
    u.status, u.resolved_by, u.resolved_at, u.updated_at = "dismissed", actor.label, now, now
    u.provenance = {**(u.provenance or {}), "dismissal": {"reason": reason, "by": actor.label, "at": now.isoformat()}}
    audit.record(
        session,
        actor,
        audit.Event(
            "unmatched.dismiss",
            object_type="unmatched_record",
            object_id=u.id,
            detail={"reason": reason, "source_record_id": u.source_record_id},
        ),
    )
    return u


def dismissal_reason(u: UnmatchedRecord) -> str | None:
    d = (u.provenance or {}).get("dismissal")
    return str(d.get("reason")) if isinstance(d, dict) else None
