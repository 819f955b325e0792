"""Objection JSON API (thin): file, the queues, forward, decide; the subject's notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.notifications import service as notifications
from chengxin.domains.objections import rules, service
from chengxin.domains.objections.schemas import DecisionIn, NotificationOut, ObjectionIn, ObjectionOut, ReasonOut
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import NotFound, PermissionDenied
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.workflows import objections as objection_workflow

router = APIRouter(prefix="/api/v1", tags=["objections"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("/objections/reasons", response_model=list[ReasonOut])
def reasons(actor: Actor = Depends(Require(P.public_read))) -> list[ReasonOut]:
    """The reason kinds an objection may give, and who decides each."""
    return [
        ReasonOut(code=r.code, handler=r.handler, name_zh=r.name_zh) for r in rules.default_policy().reasons.values()
    ]


@router.post("/records/{record_id}/objections", status_code=201, response_model=ObjectionOut)
def file_objection(
    record_id: PathId, data: ObjectionIn, response: Response, session: DB,
    actor: Actor = Depends(Require(P.objections_file)),
) -> ObjectionOut:  # fmt: skip
    """Object to a record (异议): it is marked under objection at once; 409 when one is open already."""
    obj = service.file_objection(
        session, actor=actor,
        filing=service.Filing(record_id=record_id, reason_kind=data.reason_kind, reasons=data.reasons,
                              requested=data.requested, attachment_ids=tuple(data.attachment_ids)),
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/objections/{obj.id}"
    return ObjectionOut.of(obj, legal_today())


@router.get("/objections", response_model=list[ObjectionOut])
def list_objections(
    session: DB,
    include_decided: bool = Query(False, description="also decided ones"),
    actor: Actor = Depends(Require(P.objections_read)),
) -> list[ObjectionOut]:
    """The caller's queue: the credit centre's, a department's (its records), a subject's own."""
    today = legal_today()
    return [ObjectionOut.of(o, today) for o in service.queue(session, actor=actor, include_decided=include_decided)]


@router.get("/objections/{objection_id}", response_model=ObjectionOut)
def get_objection(
    objection_id: PathId, session: DB, actor: Actor = Depends(Require(P.objections_read))
) -> ObjectionOut:
    obj = service.get(session, objection_id)
    if not service.may_read(actor, obj):
        raise NotFound(f"no objection with id {objection_id}", code="objection_not_found", message_zh="未找到该异议")
    return ObjectionOut.of(obj, legal_today())


@router.post("/objections/{objection_id}/forward", response_model=ObjectionOut)
def forward(objection_id: PathId, session: DB, actor: Actor = Depends(Require(P.objections_decide))) -> ObjectionOut:
    """The credit centre forwards the objection to the record's source (转办)."""
    return ObjectionOut.of(service.forward(session, actor=actor, objection_id=objection_id), legal_today())


@router.post("/objections/{objection_id}/decision", response_model=ObjectionOut)
def decide(
    objection_id: PathId, data: DecisionIn, request: Request, session: DB,
    actor: Actor = Depends(Require(P.objections_decide)),
) -> ObjectionOut:  # fmt: skip
    """Decide: corrected (a new version), revoked (withdrawn everywhere) or upheld; 409 if decided already."""
    obj = objection_workflow.decide(
        session, actor=actor, objection_id=objection_id, cipher=state(request).cipher,
        decision=service.Decision(outcome=data.outcome, reasons=data.reasons, correction=data.correction),
    )  # fmt: skip
    return ObjectionOut.of(obj, legal_today())


@router.get("/me/notifications", response_model=list[NotificationOut])
def my_notifications(session: DB, actor: Actor = Depends(Require(P.self_read))) -> list[NotificationOut]:
    """What the platform has told the subject (objection and repair results …), newest first."""
    if actor.subject_id is None:
        raise PermissionDenied("notifications are a subject's", code="not_a_subject")
    return [
        NotificationOut(id=n.id, kind=n.kind, title_zh=n.title_zh, body_zh=n.body_zh, link=n.link,
                        created_at=n.created_at.isoformat(), read=n.read_at is not None)
        for n in notifications.for_subject(session, actor.subject_id)
    ]  # fmt: skip


@router.post("/me/notifications/{notification_id}/read", status_code=204)
def read_notification(notification_id: PathId, session: DB, actor: Actor = Depends(Require(P.self_read))) -> Response:
    if actor.subject_id is None:
        raise PermissionDenied("notifications are a subject's", code="not_a_subject")
    notifications.mark_read(session, subject_id=actor.subject_id, notification_id=notification_id)
    return Response(status_code=204)
