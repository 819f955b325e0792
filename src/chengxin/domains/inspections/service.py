"""Graded supervision service: the roster, drawing and publishing plans, recording results.

A failed inspection becomes a credit record (抽查检查不合格) through the records service, and the
subject's evaluation is refreshed at once: results flow back into the credit file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.inspections import rules
from chengxin.domains.inspections.models import InspectionPlan, InspectionTask, Inspector, InspectorConflict
from chengxin.domains.records import rules as record_rules
from chengxin.domains.records import service as records
from chengxin.domains.subjects.models import Subject
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def add_inspector(
    session: Session, actor: Actor, *, organisation_id: int, name: str, badge_no: str, sector: str
) -> Inspector:
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind != "department":
        raise InvalidInput(f"organisation {organisation_id} is not a department", code="not_a_department")
    if session.scalar(select(Inspector.id).where(Inspector.organisation_id == organisation_id,
                                                 Inspector.badge_no == badge_no)) is not None:  # fmt: skip
        raise Conflict(f"badge {badge_no} is already on the roster", code="inspector_exists")
    inspector = Inspector(organisation_id=organisation_id, name=name, badge_no=badge_no, sector=sector)
    session.add(inspector)
    session.flush()
    audit.record(session, actor, audit.Event("inspection.inspector_add", object_type="inspector",
                                             object_id=inspector.id, detail={"sector": sector}))  # fmt: skip
    return inspector


def add_conflict(session: Session, actor: Actor, *, inspector_id: int, subject_id: int, reason: str) -> None:
    if session.get(Inspector, inspector_id) is None:
        raise NotFound(f"no inspector {inspector_id}", code="inspector_not_found", message_zh="未找到该检查人员")
    if session.get(Subject, subject_id) is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该信用主体")
    if session.get(InspectorConflict, (inspector_id, subject_id)) is None:
        session.add(InspectorConflict(inspector_id=inspector_id, subject_id=subject_id, reason=reason))
        audit.record(session, actor, audit.Event("inspection.conflict_add", subject_id=subject_id,
                                                 object_type="inspector", object_id=inspector_id))  # fmt: skip
    session.flush()


def _organisation(session: Session, actor: Actor, sector: str, organisation_id: int | None) -> int:
    if organisation_id is None and actor.role == "department":
        organisation_id = actor.organisation_id
    if organisation_id is None:
        stmt = select(Organisation.id).where(Organisation.kind == "department", Organisation.sector == sector)
        found = session.scalar(stmt.order_by(Organisation.id))
        if found is None:
            raise InvalidInput(f"no department of sector {sector!r} to run the plan", code="no_department")
        return found
    return organisation_id


def population(session: Session, division: str = "") -> list[tuple[int, str]]:
    """(subject_id, grade) of the legal persons with a stored evaluation, within ``division``."""
    stmt = (
        select(Subject.id, Evaluation.grade)
        .join(Evaluation, Evaluation.subject_id == Subject.id)
        .where(Subject.kind == "legal")
        .order_by(Subject.id)
    )
    if division:
        stmt = stmt.where(Subject.division.like(f"{division}%"))
    return [(sid, grade) for sid, grade in session.execute(stmt)]


def make_plan(
    session: Session, actor: Actor, *, sector: str, month: str, seed: int | None = None, division: str = "",
    organisation_id: int | None = None, policy: rules.InspectionPolicy | None = None,
) -> InspectionPlan:  # fmt: skip
    """Draw a plan (a draft until published); refused if one exists for the sector, month and division."""
    if not MONTH.match(month):
        raise InvalidInput(f"month must be YYYY-MM, not {month!r}", code="invalid_month")
    policy = policy or rules.load_policy()
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.sector == sector, InspectionPlan.month == month,
                                                      InspectionPlan.division == division)) is not None:  # fmt: skip
        raise Conflict(f"a {sector} plan for {month} already exists", code="plan_exists")
    org = _organisation(session, actor, sector, organisation_id)
    roster = list(session.scalars(select(Inspector.id).where(Inspector.sector == sector, Inspector.active.is_(True))))
    if not roster:
        raise InvalidInput(f"no active inspectors of sector {sector!r} on the roster", code="no_inspectors")
    conflicts = session.execute(select(InspectorConflict.inspector_id, InspectorConflict.subject_id)
                                .where(InspectorConflict.inspector_id.in_(roster))).all()  # fmt: skip
    year_plans = select(InspectionPlan.id).where(InspectionPlan.sector == sector,
                                                 InspectionPlan.month.like(f"{month[:4]}-%"))  # fmt: skip
    drawn_before = set(session.scalars(select(InspectionTask.subject_id).where(InspectionTask.plan_id.in_(year_plans))))
    graded = population(session, division)
    classed = [(sid, c.code) for sid, g in graded if (c := policy.class_of(g)) is not None]
    seed = rules.default_seed(f"{sector}|{division}", month) if seed is None else seed
    try:
        drawn = rules.draw(classed, policy, seed=seed, roster=roster, conflicts=[(i, s) for i, s in conflicts],
                           drawn_this_year=drawn_before)  # fmt: skip
    except rules.NotEnoughInspectors as exc:
        raise InvalidInput(str(exc), code="not_enough_inspectors") from exc
    grades = dict(graded)
    counts = {c.code: {"subjects": sum(1 for _, k in classed if k == c.code),
                       "drawn": sum(1 for d in drawn if d.supervision_class == c.code), "percent": c.percent}
              for c in policy.classes}  # fmt: skip
    plan = InspectionPlan(sector=sector, month=month, organisation_id=org, seed=seed, division=division,
                          policy={"classes": [asdict(c) for c in policy.classes],
                                  "inspectors_per_task": policy.inspectors_per_task,
                                  "low_risk_once_a_year": policy.low_risk_once_a_year},
                          population={"classes": counts, "drawn_before": len(drawn_before)},
                          created_by=actor.label)  # fmt: skip
    session.add(plan)
    session.flush()
    for d in drawn:
        session.add(InspectionTask(plan_id=plan.id, subject_id=d.subject_id, supervision_class=d.supervision_class,
                                   grade=grades.get(d.subject_id), inspector_ids=list(d.inspector_ids)))  # fmt: skip
    audit.record(session, actor, audit.Event("inspection.plan", object_type="inspection_plan", object_id=plan.id,
                                             detail={"sector": sector, "month": month, "seed": seed,
                                                     "drawn": len(drawn)}))  # fmt: skip
    session.flush()
    return plan


def get_plan(session: Session, plan_id: int, *, published_only: bool) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or (published_only and plan.status != "published"):
        raise NotFound(f"no inspection plan {plan_id}", code="plan_not_found", message_zh="未找到该抽查计划")
    return plan


def publish(session: Session, actor: Actor, plan_id: int) -> InspectionPlan:
    """一公开: the plan, its subjects and (later) their results become public."""
    plan = get_plan(session, plan_id, published_only=False)
    if plan.status != "published":
        plan.status, plan.published_at = "published", utcnow()
        audit.record(session, actor, audit.Event("inspection.publish", object_type="inspection_plan",
                                                 object_id=plan.id))  # fmt: skip
    return plan


def plans(session: Session, *, published_only: bool) -> list[InspectionPlan]:
    stmt = select(InspectionPlan).order_by(InspectionPlan.month.desc(), InspectionPlan.id.desc())
    if published_only:
        stmt = stmt.where(InspectionPlan.status == "published")
    return list(session.scalars(stmt))


def tasks(session: Session, plan_id: int) -> Sequence[tuple[InspectionTask, Subject]]:
    stmt = (select(InspectionTask, Subject).join(Subject, Subject.id == InspectionTask.subject_id)
            .where(InspectionTask.plan_id == plan_id).order_by(InspectionTask.id))  # fmt: skip
    return [(t, s) for t, s in session.execute(stmt)]


def record_result(
    session: Session, actor: Actor, task_id: int, *, outcome: str, inspected_on: date, finding: str,
    product: str | None, cipher: PiiCipher, severity: str | None = None,
) -> InspectionTask:  # fmt: skip
    """The result of one inspection; a failure becomes a credit record and the subject is re-evaluated."""
    task = session.get(InspectionTask, task_id)
    if task is None:
        raise NotFound(f"no inspection task {task_id}", code="task_not_found", message_zh="未找到该检查任务")
    if outcome not in ("passed", "failed"):
        raise InvalidInput(f"outcome must be passed or failed, not {outcome!r}", code="invalid_outcome")
    if task.outcome != "pending":
        raise Conflict(f"task {task_id} already has its result ({task.outcome})", code="result_exists")
    plan = session.get(InspectionPlan, task.plan_id)
    assert plan is not None
    if plan.status != "published":
        raise Conflict("record results once the plan is published", code="plan_not_published")
    if actor.role == "department" and actor.organisation_id != plan.organisation_id:
        raise InvalidInput("only the department that runs the plan records its results", code="not_the_plan_owner")
    if outcome == "failed" and not product:
        raise InvalidInput("a failed inspection needs the product or item inspected", code="product_required")
    task.outcome, task.inspected_on, task.finding, task.recorded_by = outcome, inspected_on, finding, actor.label
    if outcome == "failed":
        subject = session.get(Subject, task.subject_id)
        assert subject is not None and plan.organisation_id is not None
        sub = record_rules.Submission(
            type_code="sampling_inspection_failure", source_record_id=f"INSPECTION-{plan.id}-{task.id}",
            decided_on=inspected_on, severity=severity,
            party=record_rules.Party(name=subject.name, kind="legal", uscc=subject.uscc, subject_id=subject.id),
            payload={"product": product, "inspection_result": finding,
                     "inspection_plan": f"{plan.sector} {plan.month}"},
        )  # fmt: skip
        done = records.submit_one(session, actor=actor, source_org_id=plan.organisation_id, submission=sub,
                                  cipher=cipher)  # fmt: skip
        task.record_id = done.record_id  # the records service re-evaluates the subject as the record lands
    audit.record(session, actor, audit.Event("inspection.result", subject_id=task.subject_id,
                                             object_type="inspection_task", object_id=task.id,
                                             detail={"outcome": outcome, "record_id": task.record_id}))  # fmt: skip
    session.flush()
    return task


def subject_of(session: Session, task: InspectionTask) -> Subject:
    subject = session.get(Subject, task.subject_id)
    assert subject is not None
    return subject
