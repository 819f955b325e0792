"""Notices from departments to platforms and logistics companies (整改、处置、协查通知, 警示约谈).

A department issues a notice with a due date to a platform operator or a logistics company; the
addressee (a platform token or user of that company's organisation) answers it. The assessment counts
the notices not answered by their due date and the warnings received.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.assessments import rules
from chengxin.domains.assessments.models import PlatformNotice
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P

ADDRESSEE_ROLES = ("platform_operator", "logistics_company")


def issue(
    session: Session,
    actor: Actor,
    *,
    subject_id: int,
    kind: str,
    title: str,
    text: str,
    due_on: date,
    issued_on: date,
) -> PlatformNotice:
    if kind not in rules.NOTICE_KINDS:
        raise InvalidInput(
            f"kind {kind!r} is not one of {', '.join(rules.NOTICE_KINDS)}",
            code="notice_kind_unknown",
            message_zh="通知类型无效",
        )
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该主体")
    roles = set(session.scalars(select(SubjectRole.role).where(SubjectRole.subject_id == subject_id)))
    if not roles & set(ADDRESSEE_ROLES):
        raise InvalidInput(
            f"subject {subject_id} is neither a platform operator nor a logistics company",
            code="notice_addressee",
            message_zh="通知对象须为电子商务平台或寄递物流企业",
        )
    if due_on < issued_on:
        raise InvalidInput(
            "due_on is before issued_on", code="notice_due_before_issue", message_zh="办理期限早于发出日期"
        )
    notice = PlatformNotice(
        notice_no=f"pending-{utcnow().timestamp()}",
        kind=kind,
        subject_id=subject_id,
        organisation_id=actor.organisation_id,
        title=title,
        text=text,
        issued_on=issued_on,
        due_on=due_on,
    )
    session.add(notice)
    session.flush()
    notice.notice_no = f"TZ{issued_on:%Y%m%d}{notice.id:06d}"
    audit.record(
        session,
        actor,
        audit.Event(
            "notice.issue",
            subject_id=subject_id,
            object_type="notice",
            object_id=notice.id,
            detail={"kind": kind, "due_on": str(due_on)},
        ),
    )
    return notice


def _addressed_to_actor(session: Session, actor: Actor, notice: PlatformNotice) -> bool:
    if actor.organisation_id is None:
        return False
    org = session.get(Organisation, actor.organisation_id)
    subject = session.get(Subject, notice.subject_id)
    return org is not None and subject is not None and org.uscc is not None and org.uscc == subject.uscc


def get(session: Session, actor: Actor, notice_id: int) -> PlatformNotice:
    """A notice its issuer, its addressee or the credit centre may see; others get 404 (not told it exists)."""
    notice = session.get(PlatformNotice, notice_id)
    if notice is None or not visible(session, actor, notice):
        raise NotFound(f"no notice with id {notice_id}", code="notice_not_found", message_zh="未找到该通知")
    return notice


def visible(session: Session, actor: Actor, notice: PlatformNotice) -> bool:
    if actor.role == "credit_centre":
        return True
    if actor.can(P.notices_issue) and notice.organisation_id == actor.organisation_id:
        return True
    return _addressed_to_actor(session, actor, notice)


def answer(session: Session, actor: Actor, notice_id: int, text: str) -> PlatformNotice:
    notice = get(session, actor, notice_id)
    if not _addressed_to_actor(session, actor, notice) and actor.role != "credit_centre":
        raise NotFound(
            f"no notice with id {notice_id} addressed to you",
            code="notice_not_found",
            message_zh="未找到发给本机构的该通知",
        )
    if notice.answered_at is not None:
        raise Conflict(
            f"notice {notice.notice_no} was answered on {notice.answered_at:%Y-%m-%d}",
            code="notice_answered",
            message_zh="该通知已回复",
        )
    notice.answered_at, notice.answer = utcnow(), text
    audit.record(
        session,
        actor,
        audit.Event("notice.answer", subject_id=notice.subject_id, object_type="notice", object_id=notice.id),
    )
    return notice


def listing(session: Session, actor: Actor, *, received: bool, open_only: bool = False) -> list[PlatformNotice]:
    """The notices issued by the actor's organisation, or (``received``) addressed to its company; the
    credit centre sees all of them."""
    stmt = select(PlatformNotice).order_by(PlatformNotice.id.desc())
    if open_only:
        stmt = stmt.where(PlatformNotice.answered_at.is_(None))
    if actor.role != "credit_centre":
        if actor.organisation_id is None:
            return []
        if received:
            org = session.get(Organisation, actor.organisation_id)
            if org is None or not org.uscc:
                return []
            ids = select(Subject.id).where(Subject.uscc == org.uscc).scalar_subquery()
            stmt = stmt.where(PlatformNotice.subject_id.in_(ids))
        else:
            stmt = stmt.where(PlatformNotice.organisation_id == actor.organisation_id)
    return list(session.scalars(stmt.limit(1000)))
