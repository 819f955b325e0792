"""Consumer warnings (消费警示 / 风险提示): issued when a merchant is black-listed (and lifted with the
listing), or pushed by a department about a serious listing of its own (and lifted by it); shown on the
merchant's public pages and sent to platforms (``GET /api/v1/consumer-warnings`` and the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.lists.models import ConsumerWarning, ListEntry
from chengxin.domains.subjects.models import Subject
from chengxin.errors import Conflict, NotFound
from chengxin.events import emit
from chengxin.security import audit
from chengxin.security.actor import Actor

LIST_TEXT = "该经营者已被列入严重失信主体名单，请谨慎交易。"


def _emit(session: Session, w: ConsumerWarning, topic: str) -> None:
    emit(
        session,
        topic,
        subject_id=w.subject_id,
        object_type="consumer_warning",
        object_id=w.id,
        payload={"text": w.text, "source": w.source},
    )


def on_listing(session: Session, entry: ListEntry, *, basis: str) -> ConsumerWarning | None:
    """A black listing was published: warn consumers on the merchant's pages."""
    if entry.list_kind != "black":
        return None
    w = ConsumerWarning(subject_id=entry.subject_id, source="list", list_entry_id=entry.id, text=LIST_TEXT, basis=basis)
    session.add(w)
    session.flush()
    _emit(session, w, "consumer_warning.issued")
    return w


def on_removal(session: Session, entry: ListEntry, *, reason: str) -> int:
    """The listing ended: lift its warnings."""
    lifted = 0
    for w in session.scalars(
        select(ConsumerWarning).where(ConsumerWarning.list_entry_id == entry.id, ConsumerWarning.lifted_at.is_(None))
    ):
        w.lifted_at, w.lift_reason = utcnow(), reason
        _emit(session, w, "consumer_warning.lifted")
        lifted += 1
    return lifted


def push(session: Session, actor: Actor, *, subject_id: int, text: str, basis: str) -> ConsumerWarning:
    """A department pushes a warning about a serious listing of its own."""
    if session.get(Subject, subject_id) is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该主体")
    w = ConsumerWarning(
        subject_id=subject_id, source="department", organisation_id=actor.organisation_id, text=text, basis=basis
    )
    session.add(w)
    session.flush()
    _emit(session, w, "consumer_warning.issued")
    audit.record(
        session,
        actor,
        audit.Event("consumer_warning.push", subject_id=subject_id, object_type="consumer_warning", object_id=w.id),
    )
    return w


def lift(session: Session, actor: Actor, warning_id: int, *, reason: str) -> ConsumerWarning:
    w = session.get(ConsumerWarning, warning_id)
    if w is None or (
        actor.role != "credit_centre" and (w.source != "department" or w.organisation_id != actor.organisation_id)
    ):
        raise NotFound(
            f"no warning {warning_id} pushed by your organisation",
            code="warning_not_found",
            message_zh="未找到本机构发布的该警示",
        )
    if w.lifted_at is not None:
        raise Conflict(f"warning {warning_id} was lifted already", code="warning_lifted", message_zh="该警示已解除")
    w.lifted_at, w.lift_reason = utcnow(), reason
    _emit(session, w, "consumer_warning.lifted")
    audit.record(
        session,
        actor,
        audit.Event("consumer_warning.lift", subject_id=w.subject_id, object_type="consumer_warning", object_id=w.id),
    )
    return w


def active_for(session: Session, subject_id: int) -> list[ConsumerWarning]:
    stmt = select(ConsumerWarning).where(ConsumerWarning.subject_id == subject_id, ConsumerWarning.lifted_at.is_(None))
    return list(session.scalars(stmt.order_by(ConsumerWarning.id)))


def changes(session: Session, *, since: datetime | None, limit: int = 1000) -> list[ConsumerWarning]:
    """Warnings in force (``since`` omitted), or all issued or lifted after ``since`` — for platforms."""
    stmt = select(ConsumerWarning)
    if since is None:
        stmt = stmt.where(ConsumerWarning.lifted_at.is_(None))
    else:
        stmt = stmt.where(ConsumerWarning.changed_at > since)
    return list(session.scalars(stmt.order_by(ConsumerWarning.changed_at, ConsumerWarning.id).limit(limit)))
