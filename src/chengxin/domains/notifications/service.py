"""Notifications: written in the transaction of the change they report; handed to the e-mail/SMS
channel afterwards (``send_pending``)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.notifications.channels import Message, Notifier
from chengxin.domains.notifications.models import Notification
from chengxin.errors import NotFound


def notify_subject(
    session: Session, *, subject_id: int, kind: str, title_zh: str, body_zh: str, link: str | None = None
) -> Notification:
    n = Notification(subject_id=subject_id, kind=kind, title_zh=title_zh[:200], body_zh=body_zh, link=link)
    session.add(n)
    session.flush()
    return n


def for_subject(session: Session, subject_id: int, *, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.subject_id == subject_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, subject_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(Notification.subject_id == subject_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, *, subject_id: int, notification_id: int) -> Notification:
    n = session.get(Notification, notification_id)
    if n is None or n.subject_id != subject_id:
        raise NotFound("no such notification", code="notification_not_found", message_zh="未找到该通知")
    if n.read_at is None:
        n.read_at = utcnow()
    return n


def send_pending(session: Session, notifier: Notifier, *, limit: int = 1000) -> int:
    """Hand notifications not yet sent to the e-mail/SMS channel; returns how many."""
    pending = list(
        session.scalars(
            select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id).limit(limit)
        )
    )
    for n in pending:
        notifier.send(Message(n.subject_id, n.title_zh, n.body_zh, n.link))
    if pending:
        session.execute(
            update(Notification).where(Notification.id.in_([n.id for n in pending])).values(sent_at=utcnow())
        )
    return len(pending)
