"""Withdrawal (撤回): what follows whenever a record stops being published — repaired (信用修复),
revoked by its source (撤销) or at the end of its publicity period (公示期满).

One workflow for the three causes, in one transaction with the change:

1. the record is unpublished — the records domain sets its status (a new revoked version, or the
   current version's status *repaired* / *expired*);
2. the subject's evaluation is recomputed at once (a few subjects) or marked stale for the
   `evaluations.refresh` job (a large batch);
3. the subject's list entries are re-checked — event ``lists.recheck`` (the lists capability
   consumes it);
4. sharing subscribers are told — event ``sharing.withdrawal`` in the outbox, from which sharing
   delivers to departments, local systems and credit agencies (RULES.md: downstream copies must
   follow);
5. one audit entry (``record.repair`` / ``record.revoke`` / ``record.expire``) naming the records
   and the steps taken.

Every entry point that unpublishes a record goes through here: the revoke API, the publicity job
(server, ``chengxin records expire``, the demo), repair approval and objection decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from chengxin.db import Database, unit_of_work
from chengxin.domains.evaluation import service as evaluation_service
from chengxin.domains.lists import service as lists_service
from chengxin.domains.records import publicity, versions
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.publicity import Unpublished
from chengxin.domains.records.rules import Status
from chengxin.domains.records.service import legal_today
from chengxin.events import emit_batch
from chengxin.security import audit
from chengxin.security.actor import Actor


class Cause(StrEnum):
    repaired = "repaired"  # 信用修复
    revoked = "revoked"  # 撤销
    expired = "expired"  # 公示期满


AUDIT_ACTION = {Cause.repaired: "record.repair", Cause.revoked: "record.revoke", Cause.expired: "record.expire"}
STEPS = ("unpublished", "evaluation_refresh", "lists_recheck", "sharing_withdrawal")


def follow_up(
    session: Session, *, actor: Actor, cause: Cause, records: Sequence[Unpublished], detail: dict[str, Any]
) -> None:
    """Steps 2-5 for records the records domain has just unpublished (step 1)."""
    if not records:
        return
    subjects = sorted({r.subject_id for r in records})
    changed = [(r.record_id, r.subject_id) for r in records]
    evaluation_service.changed(session, subjects, cause=f"record.{cause}", on=legal_today())
    emit_batch(session, f"record.{cause}", object_type="credit_record", changed=changed, payload=detail)
    emit_batch(
        session, "lists.recheck", object_type="subject", changed=[(s, s) for s in subjects],
        payload={"cause": f"record.{cause}"},
    )  # fmt: skip
    lists_service.run_due(session, actor, today=legal_today(), subject_ids=subjects)  # a revoked basis: removed now
    emit_batch(
        session, "sharing.withdrawal", object_type="credit_record", changed=changed,
        payload={"cause": str(cause), "record_keys": sorted({r.record_key for r in records})},
    )  # fmt: skip
    one = len(records) == 1
    audit.record(
        session,
        actor,
        audit.Event(
            AUDIT_ACTION[cause],
            subject_id=subjects[0] if len(subjects) == 1 else None,
            object_type="credit_record",
            object_id=records[0].record_id if one else None,
            detail={**detail, "record_ids": [r.record_id for r in records], "steps": list(STEPS)},
        ),
    )


# --------------------------------------------------------------------------- the three causes


@dataclass
class ExpiryRun:
    today: date
    expired: int = 0
    record_ids: list[int] = field(default_factory=list)


def expire_due(session: Session, *, actor: Actor, today: date, limit: int = publicity.STEP) -> ExpiryRun:
    """The publicity job, one bounded step: records whose period ended before ``today``."""
    gone = publicity.expire_due(session, today=today, limit=limit)
    follow_up(session, actor=actor, cause=Cause.expired, records=gone, detail={"date": today.isoformat()})
    return ExpiryRun(today, len(gone), [r.record_id for r in gone])


def expire_all(db: Database, *, actor: Actor, today: date) -> int:
    """Every record due on ``today``, in transactions of up to ``publicity.STEP``; returns how many."""
    total = 0
    while True:
        with unit_of_work(db) as session:
            run = expire_due(session, actor=actor, today=today)
        total += run.expired
        if run.expired < publicity.STEP:
            return total


def revoke(
    session: Session, *, actor: Actor, record_id: int, reason: str, document_no: str | None = None
) -> CreditRecord:
    """The source revokes its decision: a new, revoked version, then the withdrawal."""
    old_id = record_id
    new = versions.revoke(session, actor=actor, record_id=record_id, reason=reason, document_no=document_no)
    follow_up(
        session,
        actor=actor,
        cause=Cause.revoked,
        records=[Unpublished(new.id, new.subject_id, new.record_key, new.type_code)],
        detail={"reason": reason, "supersedes": old_id, "type": new.type_code},
    )
    return new


def repair(session: Session, *, actor: Actor, record_id: int, application_id: int) -> CreditRecord:
    """An approved repair (信用修复): the record stops being published and used at once, then the
    withdrawal. The record keeps its content and version; its status becomes *repaired*."""
    rec = versions.set_status(session, record_id=record_id, status=Status.repaired)
    follow_up(
        session,
        actor=actor,
        cause=Cause.repaired,
        records=[Unpublished(rec.id, rec.subject_id, rec.record_key, rec.type_code)],
        detail={"application_id": application_id, "type": rec.type_code},
    )
    return rec
