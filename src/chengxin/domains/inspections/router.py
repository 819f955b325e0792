"""Inspection JSON API (thin): roster, plans (双随机), publication (一公开), results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from chengxin.domains.inspections import service
from chengxin.domains.inspections.models import InspectionTask
from chengxin.domains.inspections.schemas import ConflictIn, InspectorIn, PlanIn, PlanOut, ResultIn, TaskOut
from chengxin.domains.subjects.models import Subject
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


def task_out(t: InspectionTask, s: Subject, *, insider: bool) -> TaskOut:
    return TaskOut(id=t.id, subject_id=s.id, subject_name=s.name, uscc=s.uscc, supervision_class=t.supervision_class,
                   outcome=t.outcome, inspected_on=t.inspected_on, finding=t.finding, record_id=t.record_id,
                   inspector_ids=t.inspector_ids if insider else None)  # fmt: skip


def plan_out(session: Session, actor: Actor, plan_id: int) -> PlanOut:
    insider = actor.can(P.inspections_plan)
    plan = service.get_plan(session, plan_id, published_only=not insider)
    tasks = [task_out(t, s, insider=insider) for t, s in service.tasks(session, plan.id)]
    return PlanOut(id=plan.id, sector=plan.sector, month=plan.month, division=plan.division, seed=plan.seed,
                   status=plan.status, organisation_id=plan.organisation_id, population=plan.population,
                   policy=plan.policy, published_at=plan.published_at, tasks=tasks)  # fmt: skip


@router.post("/inspectors", status_code=201)
def add_inspector(
    data: InspectorIn, session: DB, actor: Actor = Depends(Require(P.inspections_plan))
) -> dict[str, int]:
    """Put an inspector (执法检查人员) on the roster."""
    return {"id": service.add_inspector(session, actor, **data.model_dump()).id}


@router.post("/inspectors/{inspector_id}/conflicts", status_code=204)
def add_conflict(
    inspector_id: PathId, data: ConflictIn, session: DB, actor: Actor = Depends(Require(P.inspections_plan))
) -> None:
    """Declare a conflict of interest (回避): the inspector is never drawn for the subject."""
    service.add_conflict(session, actor, inspector_id=inspector_id, subject_id=data.subject_id, reason=data.reason)


@router.post("/plans", status_code=201, response_model=PlanOut)
def make_plan(data: PlanIn, session: DB, actor: Actor = Depends(Require(P.inspections_plan))) -> PlanOut:
    """Draw a random inspection plan (a draft until published)."""
    plan = service.make_plan(session, actor, **data.model_dump())
    return plan_out(session, actor, plan.id)


@router.get("/plans", response_model=list[PlanOut])
def list_plans(session: DB, actor: Actor = Depends(Require(P.public_read))) -> list[PlanOut]:
    """Published plans (一公开); drafts too for holders of `inspections:plan`."""
    return [
        plan_out(session, actor, p.id) for p in service.plans(session, published_only=not actor.can(P.inspections_plan))
    ]


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))) -> PlanOut:
    return plan_out(session, actor, plan_id)


@router.post("/plans/{plan_id}/publish", response_model=PlanOut)
def publish(plan_id: PathId, session: DB, actor: Actor = Depends(Require(P.inspections_plan))) -> PlanOut:
    service.publish(session, actor, plan_id)
    return plan_out(session, actor, plan_id)


@router.post("/tasks/{task_id}/result", response_model=TaskOut)
def record_result(
    task_id: PathId, data: ResultIn, request: Request, session: DB,
    actor: Actor = Depends(Require(P.inspections_record)),
) -> TaskOut:  # fmt: skip
    """The inspection's result; a failure becomes a credit record (抽查检查不合格) and re-evaluates the subject."""
    t = service.record_result(session, actor, task_id, cipher=state(request).cipher, **data.model_dump())
    return task_out(t, service.subject_of(session, t), insider=True)
