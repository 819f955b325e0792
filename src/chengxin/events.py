"""Domain events in an outbox table: written in the same transaction as the change that
causes them, consumed later by other capabilities (evaluation refresh, sharing withdrawal).

Topics so far: ``record.created``, ``record.corrected``, ``record.revoked``, ``record.expired``,
``commitment.breached``. A consumer reads unprocessed events of its topics in id order and
marks them processed.

Changes made in bulk (an import batch, a run of the publicity job) are one event per topic and
batch, not one per row: the payload lists ``object_ids`` and ``subject_ids`` (sorted, distinct);
``subject_id`` and ``object_id`` are also set when the batch concerns only one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from chengxin.db import Base, UTCDateTime, bulk_insert, table_of, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_events_topic_processed", "topic", "processed_at"),)


def emit(
    session: Session,
    topic: str,
    *,
    subject_id: int | None = None,
    object_type: str | None = None,
    object_id: object = None,
    payload: dict[str, Any] | None = None,
) -> None:
    session.add(
        OutboxEvent(
            topic=topic,
            subject_id=subject_id,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            payload=payload or {},
        )
    )


def emit_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many events at once (bulk jobs): each row has topic, subject_id, object_type, object_id, payload."""
    if rows:
        now = utcnow()
        bulk_insert(session, table_of(OutboxEvent), [{"created_at": now, "processed_at": None, **r} for r in rows])


def emit_batch(
    session: Session,
    topic: str,
    *,
    object_type: str,
    changed: list[tuple[int, int]],
    payload: dict[str, Any] | None = None,
) -> None:
    """One event for many objects changed alike: ``changed`` holds (object id, subject id) pairs."""
    if not changed:
        return
    objects = sorted({o for o, _ in changed})
    subjects = sorted({s for _, s in changed})
    emit_many(
        session,
        [
            {
                "topic": topic,
                "subject_id": subjects[0] if len(subjects) == 1 else None,
                "object_type": object_type,
                "object_id": str(objects[0]) if len(objects) == 1 else None,
                "payload": {**(payload or {}), "object_ids": objects, "subject_ids": subjects},
            }
        ],
    )
