"""Rectification under the 716 notice (发改办财金〔2018〕716号): a black- or watch-listed subject gets a
rectification notice (整改通知书) and signs a credit commitment letter (信用承诺书); rectification is due
within the list's months; progress is kept in a ledger (台账); once overdue, the notice's escalation steps
open as tasks — and the platforms hosting the subject's shops receive a notice to restrict them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.lists import rules
from chengxin.domains.lists.models import EscalationTask, ListEntry, Rectification
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.notifications.service import notify_subject
from chengxin.domains.subjects.models import Subject
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P


def open_for(session: Session, entry: ListEntry, kind: rules.ListKind, *, today: date) -> Rectification | None:
    """On publication of a listing whose list requires rectification: the notice, due in its months."""
    if kind.rectification_months is None:
        return None
    r = Rectification(
        list_entry_id=entry.id,
        subject_id=entry.subject_id,
        notice_no=f"pending-{entry.id}",
        issued_on=today,
        due_on=rules.add_months(today, kind.rectification_months),
        status="open",
        ledger=[{"on": str(today), "by": "system", "text": "发出失信整改通知书"}],
    )
    session.add(r)
    session.flush()
    r.notice_no = f"ZG{today:%Y%m%d}{r.id:06d}"
    notify_subject(
        session,
        subject_id=entry.subject_id,
        kind="list.rectification",
        link=f"/rectifications/{r.id}/notice",
        title_zh=f"失信整改通知书 {r.notice_no}",
        body_zh=(
            f"您已被列入{kind.name}。请于 {r.due_on} 前整改到位，并签署信用承诺书；"
            "逾期未整改的，将依法采取约谈、通报、平台限制、公开等措施。"
        ),
    )
    return r


def get(session: Session, actor: Actor, rectification_id: int) -> Rectification:
    """The subject's own, or any for holders of ``lists:review``."""
    r = session.get(Rectification, rectification_id)
    if r is None or not (actor.is_self(r.subject_id) or actor.can(P.lists_review)):
        raise NotFound(
            f"no rectification with id {rectification_id}",
            code="rectification_not_found",
            message_zh="未找到该整改记录",
        )
    return r


def sign(session: Session, actor: Actor, rectification_id: int) -> Rectification:
    r = get(session, actor, rectification_id)
    if not actor.is_self(r.subject_id):
        raise PermissionDenied("only the subject signs its commitment letter", code="not_the_subject")
    if r.commitment_signed_at is not None:
        raise Conflict("the commitment letter is signed already", code="commitment_signed", message_zh="承诺书已签署")
    r.commitment_signed_at, r.commitment_signed_by = utcnow(), actor.label
    r.ledger = [*r.ledger, {"on": str(utcnow().date()), "by": actor.label, "text": "签署信用承诺书"}]
    audit.record(
        session,
        actor,
        audit.Event("rectification.sign", subject_id=r.subject_id, object_type="rectification", object_id=r.id),
    )
    return r


def progress(session: Session, actor: Actor, rectification_id: int, *, text: str, done: bool = False) -> Rectification:
    """A ledger entry by the subject or a department; ``done`` (a department): rectified."""
    r = get(session, actor, rectification_id)
    if done and not actor.can(P.lists_review):
        raise PermissionDenied("a department confirms the rectification", code="not_a_reviewer")
    if r.status == "done":
        raise Conflict("the rectification is done", code="rectification_done", message_zh="整改已完成")
    today = utcnow().date()
    r.ledger = [*r.ledger, {"on": str(today), "by": actor.label, "text": text + ("（整改到位）" if done else "")}]
    if done:
        r.status, r.done_on = "done", today
    audit.record(
        session,
        actor,
        audit.Event(
            "rectification.progress",
            subject_id=r.subject_id,
            object_type="rectification",
            object_id=r.id,
            detail={"done": done},
        ),
    )
    return r


def _platform_notices(session: Session, actor: Actor, r: Rectification, today: date, days: int) -> int:
    """Ask each platform hosting the subject's shops to restrict them (a notice with a due date)."""
    from chengxin.domains.assessments import notices

    pids = set(
        session.scalars(
            select(MarketAccount.platform_id).where(
                MarketAccount.subject_id == r.subject_id, MarketAccount.role == "seller"
            )
        )
    )
    name = session.get_one(Subject, r.subject_id).name
    sent = 0
    for uscc in session.scalars(
        select(Organisation.uscc).where(Organisation.code.in_(sorted(pids)), Organisation.uscc.is_not(None))
    ):
        platform = session.scalar(select(Subject.id).where(Subject.uscc == uscc))
        if platform is None:
            continue
        try:
            notices.issue(
                session,
                actor,
                subject_id=platform,
                kind="takedown",
                title=f"关于对{name}采取限制措施的通知",
                text=(
                    f"{name}被列入失信名单且逾期未整改（整改通知书 {r.notice_no}），请依据发改财金〔2016〕2370号"
                    "对其店铺采取降低信用等级、屏蔽或关闭店铺、封号封账等措施，并回复落实情况。"
                ),
                due_on=today + timedelta(days=days),
                issued_on=today,
            )
        except InvalidInput:  # the platform's subject lacks the platform-operator role: nobody to address
            continue
        sent += 1
    return sent


def escalate_overdue(session: Session, actor: Actor, *, today: date) -> int:
    """Rectifications past their due date: mark them overdue and open the escalation steps, once."""
    from chengxin.domains.lists.service import current_rules

    policy = current_rules(session)
    overdue = list(
        session.scalars(select(Rectification).where(Rectification.status == "open", Rectification.due_on < today))
    )
    for r in overdue:
        r.status = "overdue"
        for step in policy.escalation:
            note = None
            if step == "platform_restrict":
                sent = _platform_notices(session, actor, r, today, policy.platform_notice_days)
                note = f"已向 {sent} 家平台发出限制通知"
            session.add(EscalationTask(rectification_id=r.id, step=step, opened_on=today, note=note))
        r.ledger = [*r.ledger, {"on": str(today), "by": "system", "text": "逾期未整改，启动惩戒措施"}]
        audit.record(
            session,
            actor,
            audit.Event("rectification.overdue", subject_id=r.subject_id, object_type="rectification", object_id=r.id),
        )
    return len(overdue)


def tasks(session: Session, *, open_only: bool = True) -> list[EscalationTask]:
    stmt = select(EscalationTask).order_by(EscalationTask.id)
    if open_only:
        stmt = stmt.where(EscalationTask.done_at.is_(None))
    return list(session.scalars(stmt.limit(2000)))


def finish_task(session: Session, actor: Actor, task_id: int, *, note: str) -> EscalationTask:
    t = session.get(EscalationTask, task_id)
    if t is None:
        raise NotFound(f"no escalation task {task_id}", code="task_not_found", message_zh="未找到该任务")
    if t.done_at is not None:
        raise Conflict("the task is done already", code="task_done", message_zh="该任务已完成")
    t.done_at, t.note = utcnow(), "；".join(x for x in (t.note, note) if x)
    audit.record(
        session,
        actor,
        audit.Event("rectification.task_done", object_type="escalation_task", object_id=t.id, detail={"step": t.step}),
    )
    return t


def ledger(session: Session) -> list[Rectification]:
    """The rectification ledger (台账): every rectification, the latest first."""
    return list(session.scalars(select(Rectification).order_by(Rectification.id.desc()).limit(5000)))


def ledger_of(session: Session, subject_id: int) -> list[Rectification]:
    return list(session.scalars(select(Rectification).where(Rectification.subject_id == subject_id)))
