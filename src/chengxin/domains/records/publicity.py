"""The publicity job (公示期满): records whose publicity period ended stop being published.

``expire_due`` does one bounded step in the caller's transaction; ``expire_all`` loops steps in
transactions of their own — the daily job, ``chengxin records expire`` and the demo all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.records import rules
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Status
from chengxin.events import emit_batch
from chengxin.security import audit
from chengxin.security.actor import Actor

STEP = 10_000  # records per transaction


@dataclass
class ExpiryRun:
    today: date
    expired: int = 0
    record_ids: list[int] = field(default_factory=list)


def expire_due(session: Session, *, actor: Actor, today: date, limit: int = STEP) -> ExpiryRun:
    """Stop publishing every current record whose publicity period ended before ``today``
    (at most ``limit`` per call; the job loops). Each becomes *expired*, with an event
    (``record.expired``) for evaluation refresh and sharing withdrawal, and the run is audited."""
    run = ExpiryRun(today)
    due = session.execute(
        select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.type_code)
        .where(
            CreditRecord.is_current.is_(True),
            CreditRecord.status.in_([str(s) for s in rules.LIVE]),
            CreditRecord.publicity_until.is_not(None),
            CreditRecord.publicity_until < today,
        )
        .order_by(CreditRecord.id)
        .limit(limit)
    ).all()
    if not due:
        return run
    ids = [r.id for r in due]
    now = utcnow()
    for start in range(0, len(ids), 1000):
        session.execute(
            update(CreditRecord)
            .where(CreditRecord.id.in_(ids[start : start + 1000]))
            .values(status=str(Status.expired), status_changed_at=now)
        )
    emit_batch(
        session,
        "record.expired",
        object_type="credit_record",
        changed=[(r.id, r.subject_id) for r in due],
        payload={"date": today.isoformat()},
    )
    audit.record(
        session,
        actor,
        audit.Event(
            "record.expire", object_type="credit_record", detail={"date": today.isoformat(), "record_ids": ids}
        ),
    )
    run.expired, run.record_ids = len(ids), ids
    return run


def expire_all(db: Database, *, actor: Actor, today: date) -> int:
    """Every record due on ``today``, in transactions of up to ``STEP``; returns how many."""
    total = 0
    while True:
        with unit_of_work(db) as session:
            run = expire_due(session, actor=actor, today=today)
        total += run.expired
        if run.expired < STEP:
            return total
