"""Record versions: reading one record and its history, and revocation by its source (撤销).

A revocation, like a correction, is a new version; the previous row only stops being current.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Change, Status
from chengxin.errors import Conflict, NotFound, PermissionDenied
from chengxin.security.actor import Actor


def revoke(
    session: Session, *, actor: Actor, record_id: int, reason: str, document_no: str | None = None
) -> CreditRecord:
    """The source revokes its decision (撤销): a new version with status revoked; publication stops at
    once. Called by ``workflows.withdrawal.revoke``, which does what follows (events, audit …)."""
    old = get_record(session, record_id)
    if not old.is_current:
        raise Conflict("only the current version of a record can be revoked", code="not_current_version")
    if old.status == Status.revoked:
        raise Conflict("the record is already revoked", code="already_revoked")
    if actor.role == "department" and actor.organisation_id != old.source_org_id:
        raise PermissionDenied("only the record's source organisation may revoke it", code="not_record_source")
    now = utcnow()
    old.is_current = False
    session.flush()
    new = CreditRecord(
        **{c: getattr(old, c) for c in _CONTENT_COLUMNS},
        version=old.version + 1,
        is_current=True,
        change=str(Change.revocation),
        supersedes_id=old.id,
        status=str(Status.revoked),
        status_changed_at=now,
        provenance={"via": "api", "by": actor.label, "reason": reason, "document_no": document_no},
        created_by=actor.label,
        created_at=now,
    )
    session.add(new)
    session.flush()
    return new


_CONTENT_COLUMNS = (
    "record_key", "subject_id", "type_code", "category", "polarity", "catalog_version", "source_org_id",
    "source_record_id", "source_document_no", "occurred_on", "decided_on", "payload", "severity", "disclosure",
    "regime", "published", "published_from", "publicity_until", "repairable_from", "fingerprint",
)  # fmt: skip


def get_record(session: Session, record_id: int) -> CreditRecord:
    rec = session.get(CreditRecord, record_id)
    if rec is None:
        raise NotFound(f"no credit record with id {record_id}", code="record_not_found", message_zh="未找到该信用记录")
    return rec


def history(session: Session, record_key: str) -> list[CreditRecord]:
    return list(
        session.scalars(
            select(CreditRecord).where(CreditRecord.record_key == record_key).order_by(CreditRecord.version)
        )
    )


def set_status(session: Session, *, record_id: int, status: Status) -> CreditRecord:
    """A lifecycle status change on the current version (under objection, back to active …);
    the caller audits it as part of the change that causes it."""
    rec = get_record(session, record_id)
    if not rec.is_current:
        raise Conflict("only the current version of a record changes status", code="not_current_version")
    rec.status, rec.status_changed_at = str(status), utcnow()
    session.flush()
    return rec


def current_for_subject(session: Session, subject_id: int) -> list[CreditRecord]:
    """The current version of every record of a subject (any status), newest decision first."""
    return list(
        session.scalars(
            select(CreditRecord)
            .where(CreditRecord.subject_id == subject_id, CreditRecord.is_current.is_(True))
            .order_by(CreditRecord.decided_on.desc(), CreditRecord.id.desc())
        )
    )
