"""Credit repair JSON API (thin): eligibility, apply, the queues, decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from chengxin.domains.repair import service
from chengxin.domains.repair.schemas import ApplicationIn, ApplicationOut, EligibilityOut, RepairDecisionIn
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import NotFound
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.workflows import repair as repair_workflow

router = APIRouter(prefix="/api/v1", tags=["repair"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("/subjects/{subject_id}/repair/eligibility", response_model=list[EligibilityOut])
def eligibility(
    subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.repair_apply))
) -> list[EligibilityOut]:
    """Before applying: each negative record, whether it may be repaired now, and if not why and from when."""
    return [EligibilityOut.of(rec, e) for rec, e in service.check(session, actor=actor, subject_id=subject_id)]


@router.post("/repairs", status_code=201, response_model=ApplicationOut)
def apply(
    data: ApplicationIn, response: Response, session: DB, actor: Actor = Depends(Require(P.repair_apply))
) -> ApplicationOut:
    """Apply for credit repair (信用修复申请); 422 ``not_eligible`` says why and from which date."""
    app = service.apply(
        session, actor=actor,
        application=service.Application(data.record_id, data.statement,
                                        tuple((e.kind, e.description) for e in data.evidence),
                                        tuple(data.attachment_ids)),
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/repairs/{app.id}"
    return ApplicationOut.of(app, legal_today())


@router.get("/repairs", response_model=list[ApplicationOut])
def list_repairs(
    session: DB, include_decided: bool = Query(False), actor: Actor = Depends(Require(P.repair_read))
) -> list[ApplicationOut]:
    """The caller's queue: the credit centre's, a department's (it decides), a subject's own."""
    today = legal_today()
    return [ApplicationOut.of(a, today) for a in service.queue(session, actor=actor, include_decided=include_decided)]


@router.get("/repairs/{application_id}", response_model=ApplicationOut)
def get_repair(application_id: PathId, session: DB, actor: Actor = Depends(Require(P.repair_read))) -> ApplicationOut:
    app = service.get(session, application_id)
    if not service.may_read(actor, app):
        raise NotFound(f"no repair application with id {application_id}", code="repair_not_found",
                       message_zh="未找到该修复申请")  # fmt: skip
    return ApplicationOut.of(app, legal_today())


@router.post("/repairs/{application_id}/decision", response_model=ApplicationOut)
def decide(
    application_id: PathId, data: RepairDecisionIn, session: DB, actor: Actor = Depends(Require(P.repair_decide))
) -> ApplicationOut:
    """Approve (the record stops being published and used at once) or reject, with reasons."""
    app = repair_workflow.decide(session, actor=actor, application_id=application_id, approve=data.approve,
                                 reasons=data.reasons)  # fmt: skip
    return ApplicationOut.of(app, legal_today())
