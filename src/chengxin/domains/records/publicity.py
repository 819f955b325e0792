"""The publicity job (公示期满): records whose publicity period ended stop being published.

``expire_due`` does one bounded step in the caller's transaction; ``workflows.withdrawal`` calls
it and does what follows (the daily job, ``chengxin records expire`` and the demo all use that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.records import rules
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Status

STEP = 10_000  # records per transaction


@dataclass(frozen=True)
class Unpublished:
    """A record that has just stopped being published (what the withdrawal workflow needs of it)."""

    record_id: int
    subject_id: int
    record_key: str
    type_code: str


def expire_due(session: Session, *, today: date, limit: int = STEP) -> list[Unpublished]:
    """Stop publishing current records whose publicity period ended before ``today`` (at most
    ``limit`` per call; the caller loops): each becomes *expired*. What follows (events, the
    evaluation, sharing, the audit entry) is ``workflows.withdrawal``'s, which calls this."""
    due = session.execute(
        select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.record_key, CreditRecord.type_code)
        .where(
            CreditRecord.is_current.is_(True),
            CreditRecord.status.in_([str(s) for s in rules.LIVE]),
            CreditRecord.publicity_until.is_not(None),
            CreditRecord.publicity_until < today,
        )
        .order_by(CreditRecord.id)
        .limit(limit)
    ).all()
    ids = [r.id for r in due]
    now = utcnow()
    for start in range(0, len(ids), 1000):
        session.execute(
            update(CreditRecord)
            .where(CreditRecord.id.in_(ids[start : start + 1000]))
            .values(status=str(Status.expired), status_changed_at=now)
        )
    return [Unpublished(r.id, r.subject_id, r.record_key, r.type_code) for r in due]
