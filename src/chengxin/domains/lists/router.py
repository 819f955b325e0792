"""List JSON API (thin): the published lists, the review queue, the procedure's steps, one's own listings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.lists import rectification, service, warnings
from chengxin.domains.lists.models import ConsumerWarning, EscalationTask, ListEntry, Rectification
from chengxin.domains.lists.schemas import (
    DecisionIn,
    EntryOut,
    LiftIn,
    ObjectionIn,
    ProgressIn,
    ProposeIn,
    PublicEntryOut,
    PublicPage,
    RectificationOut,
    ReviewIn,
    TaskOut,
    WarningIn,
    WarningOut,
)
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import legal_today
from chengxin.ids import PathId
from chengxin.security import masking
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.text import PRINTABLE

router = APIRouter(tags=["lists"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
Kind = Literal["black", "watch", "red"]


def entry_out(e: ListEntry) -> EntryOut:
    return EntryOut.model_validate(e, from_attributes=True)


def shown(s: Subject, actor: Actor) -> str:
    """The subject's name as this actor sees it (a person's masked by the masking policy)."""
    return masking.show_name(s.kind, s.name, role=actor.role, purpose=actor.purpose, own=actor.is_self(s.id))


def public_out(e: ListEntry, s: Subject, actor: Actor) -> PublicEntryOut:
    return PublicEntryOut(
        id=e.id,
        list_kind=e.list_kind,
        subject_id=s.id,
        name=shown(s, actor),
        uscc=s.uscc,
        reasons=[b["criterion"] for b in e.basis],
        published_on=e.published_on,
        ends_on=e.ends_on,
    )


@router.get("/api/v1/lists/{kind}", response_model=PublicPage)
def published_list(
    kind: Kind,
    session: DB,
    q: str = Query("", max_length=100, pattern=PRINTABLE),
    page: int = Query(1, ge=1, le=10_000),
    actor: Actor = Depends(Require(P.public_read)),
) -> PublicPage:
    """A published list (名单公示), newest first, 50 per page; ``q`` searches names and USCCs."""
    names = masking.reveals(masking.Field.person_name, role=actor.role, purpose=actor.purpose)
    total, entries = service.published(session, kind, q=q, page=page, person_names=names)
    return PublicPage(
        total=total, page=page, entries=[public_out(e, session.get_one(Subject, e.subject_id), actor) for e in entries]
    )


@router.get("/api/v1/list-queue", response_model=list[EntryOut])
def review_queue(session: DB, actor: Actor = Depends(Require(P.lists_review))) -> list[EntryOut]:
    """Candidates to review, approved listings to notify, objections to decide — the caller's organisation's."""
    return [entry_out(e) for e in service.queue(session, actor)]


@router.post("/api/v1/list-entries/propose", response_model=list[EntryOut])
def propose(data: ProposeIn, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> list[EntryOut]:
    """Propose candidates from the list criteria (for the given subjects, or every subject)."""
    found = service.propose(session, actor, today=legal_today(), subject_ids=data.subject_ids)
    return [entry_out(e) for e in found.candidates]


@router.post("/api/v1/list-entries/{entry_id}/review", response_model=EntryOut)
def review(entry_id: PathId, data: ReviewIn, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> EntryOut:
    return entry_out(service.review(session, actor, entry_id, approve=data.approve, note=data.note))


@router.post("/api/v1/list-entries/{entry_id}/notify", response_model=EntryOut)
def notify(entry_id: PathId, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> EntryOut:
    """Tell the subject reasons, basis and rights; the objection window opens."""
    return entry_out(service.notify(session, actor, entry_id, today=legal_today()))


@router.post("/api/v1/list-entries/{entry_id}/objection", response_model=EntryOut)
def object_to(
    entry_id: PathId, data: ObjectionIn, session: DB, actor: Actor = Depends(Require(P.objections_file))
) -> EntryOut:
    """The subject objects within the window (陈述、申辩)."""
    return entry_out(service.object_to(session, actor, entry_id, text=data.text, today=legal_today()))


@router.post("/api/v1/list-entries/{entry_id}/objection/decision", response_model=EntryOut)
def decide(
    entry_id: PathId, data: DecisionIn, session: DB, actor: Actor = Depends(Require(P.lists_review))
) -> EntryOut:
    return entry_out(service.decide_objection(session, actor, entry_id, upheld=data.upheld, answer=data.answer))


@router.post("/api/v1/list-entries/{entry_id}/publish", response_model=EntryOut)
def publish(entry_id: PathId, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> EntryOut:
    """Publish once the objection window has closed (the daily job does it too)."""
    return entry_out(service.publish(session, actor, entry_id, today=legal_today()))


@router.get("/api/v1/me/lists", response_model=list[EntryOut])
def my_lists(session: DB, actor: Actor = Depends(Require(P.self_read))) -> list[EntryOut]:
    """The caller's own listings, at every step."""
    return [entry_out(e) for e in service.for_subject(session, own_subject_id(actor))]


def warning_out(session: Session, w: ConsumerWarning, actor: Actor) -> WarningOut:
    s = session.get_one(Subject, w.subject_id)
    shops = list(
        session.scalars(
            select(MarketAccount.account_id).where(MarketAccount.subject_id == s.id, MarketAccount.role == "seller")
        )
    )
    name = shown(s, actor)
    return WarningOut(
        id=w.id,
        subject_id=s.id,
        name=name,
        uscc=s.uscc,
        shop_account_ids=sorted(shops),
        source=w.source,
        text=masking.mask_text(w.text, name=s.name, masked_name=name) if name != s.name else w.text,
        basis=w.basis,
        issued_at=w.issued_at,
        lifted_at=w.lifted_at,
        lift_reason=w.lift_reason,
    )


@router.get("/api/v1/consumer-warnings", response_model=list[WarningOut])
def consumer_warnings(
    session: DB,
    since: datetime | None = Query(None, description="changes (issued or lifted) after this time"),
    actor: Actor = Depends(Require(P.public_read)),
) -> list[WarningOut]:
    """Consumer warnings in force (消费警示), or every one issued or lifted after ``since`` — what platforms
    poll to show and lift warnings on their shops (up to 1,000 per call, oldest change first)."""
    return [warning_out(session, w, actor) for w in warnings.changes(session, since=since)]


@router.post("/api/v1/consumer-warnings", status_code=201, response_model=WarningOut)
def push_warning(data: WarningIn, session: DB, actor: Actor = Depends(Require(P.warnings_push))) -> WarningOut:
    """A department pushes a consumer warning about a serious listing of its own."""
    return warning_out(
        session, warnings.push(session, actor, subject_id=data.subject_id, text=data.text, basis=data.basis), actor
    )


@router.post("/api/v1/consumer-warnings/{warning_id}/lift", response_model=WarningOut)
def lift_warning(
    warning_id: PathId, data: LiftIn, session: DB, actor: Actor = Depends(Require(P.warnings_push))
) -> WarningOut:
    """The department lifts a warning it pushed (those from listings lift with the listing)."""
    return warning_out(session, warnings.lift(session, actor, warning_id, reason=data.reason), actor)


def rect_out(r: Rectification) -> RectificationOut:
    return RectificationOut.model_validate(r, from_attributes=True)


def task_out(t: EscalationTask, steps: Mapping[str, str]) -> TaskOut:
    return TaskOut(
        id=t.id,
        rectification_id=t.rectification_id,
        step=t.step,
        step_zh=steps.get(t.step, t.step),
        opened_on=t.opened_on,
        done_at=t.done_at,
        note=t.note,
    )


@router.get("/api/v1/rectifications", response_model=list[RectificationOut])
def rectification_ledger(session: DB, actor: Actor = Depends(Require(P.lists_review))) -> list[RectificationOut]:
    """The rectification ledger (整改台账): every listed subject's rectification, latest first."""
    return [rect_out(r) for r in rectification.ledger(session)]


@router.get("/api/v1/rectifications/{rectification_id}", response_model=RectificationOut)
def get_rectification(
    rectification_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> RectificationOut:
    """The subject's own rectification, or any for holders of `lists:review` (others: 404)."""
    return rect_out(rectification.get(session, actor, rectification_id))


@router.post("/api/v1/rectifications/{rectification_id}/sign", response_model=RectificationOut)
def sign_commitment(
    rectification_id: PathId, session: DB, actor: Actor = Depends(Require(P.commitments_sign))
) -> RectificationOut:
    """The subject signs its credit commitment letter (信用承诺书)."""
    return rect_out(rectification.sign(session, actor, rectification_id))


@router.post("/api/v1/rectifications/{rectification_id}/progress", response_model=RectificationOut)
def report_progress(
    rectification_id: PathId, data: ProgressIn, session: DB, actor: Actor = Depends(Require(P.commitments_sign))
) -> RectificationOut:
    """The subject reports what it has done (a ledger entry)."""
    return rect_out(rectification.progress(session, actor, rectification_id, text=data.text))


@router.post("/api/v1/rectifications/{rectification_id}/complete", response_model=RectificationOut)
def confirm_rectified(
    rectification_id: PathId, data: ProgressIn, session: DB, actor: Actor = Depends(Require(P.lists_review))
) -> RectificationOut:
    """A department confirms the rectification (整改到位)."""
    return rect_out(rectification.progress(session, actor, rectification_id, text=data.text, done=True))


@router.get("/api/v1/escalation-tasks", response_model=list[TaskOut])
def escalation_tasks(
    session: DB, all_tasks: bool = Query(False, alias="all"), actor: Actor = Depends(Require(P.lists_review))
) -> list[TaskOut]:
    """The escalation steps opened for overdue rectifications (open ones; `?all=true` for every one)."""
    steps = service.current_rules(session).escalation
    return [task_out(t, steps) for t in rectification.tasks(session, open_only=not all_tasks)]


@router.post("/api/v1/escalation-tasks/{task_id}/done", response_model=TaskOut)
def finish_task(
    task_id: PathId, data: ProgressIn, session: DB, actor: Actor = Depends(Require(P.lists_review))
) -> TaskOut:
    done = rectification.finish_task(session, actor, task_id, note=data.text)
    return task_out(done, service.current_rules(session).escalation)
