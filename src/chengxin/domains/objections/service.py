"""Objections (异议): filing, forwarding to the source, deciding, the queues.

Filing marks the record *under objection* at once. An objection the credit centre decides itself
stays *filed*; one for the source is *forwarded* (at once when ``auto_forward``). Deciding is a
compare-and-set on the objection's status, so of two reviewers deciding at once exactly one wins.
The outcome corrects the record (a new version), revokes it (the withdrawal workflow, through
the caller), or upholds it; the subject is told in every case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import rowcount, utcnow
from chengxin.domains.attachments import service as attachments
from chengxin.domains.calendar import service as calendar_service
from chengxin.domains.notifications import service as notifications
from chengxin.domains.objections import rules
from chengxin.domains.objections.models import Objection
from chengxin.domains.objections.rules import Handler, ObjectionStatus, Outcome
from chengxin.domains.records import versions
from chengxin.domains.records.rules import Status
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor


def _add(session: Session) -> rules.AddWorkingDays:
    def add(start: date, n: int) -> tuple[date, bool]:
        d = calendar_service.add_working_days(session, start, n)
        return d.due, d.provisional

    return add


@dataclass(frozen=True)
class Filing:
    record_id: int
    reason_kind: str
    reasons: str
    requested: str | None = None
    attachment_ids: tuple[int, ...] = ()  # the subject's uploads (POST /api/v1/subjects/{id}/attachments)


def file_objection(session: Session, *, actor: Actor, filing: Filing, today: date | None = None) -> Objection:
    """File an objection to a record's current version; the record is marked under objection now."""
    policy = rules.default_policy()
    today = today or legal_today()
    rec = versions.get_record(session, filing.record_id)
    if not rec.is_current:
        raise Conflict("objections concern the current version of a record", code="not_current_version",
                       extra={"record_key": rec.record_key})  # fmt: skip
    if not rules.has_standing(
        role=str(actor.role), actor_subject_id=actor.subject_id, record_subject_id=rec.subject_id
    ):
        raise PermissionDenied("only the subject itself (or the credit centre for it) may object to this record",
                               code="no_standing", message_zh="您无权对该记录提出异议")  # fmt: skip
    if filing.reason_kind not in policy.reasons:
        raise InvalidInput(f"reason_kind must be one of: {', '.join(policy.reasons)}", code="invalid_reason_kind")
    if not filing.reasons.strip():
        raise InvalidInput("say why the record is wrong", code="missing_reasons", message_zh="请填写异议理由")
    open_one = session.scalar(
        select(Objection.id).where(Objection.record_key == rec.record_key, Objection.status.in_(list(rules.OPEN)))
    )
    if open_one is not None:
        raise Conflict(f"objection {open_one} on this record is still open", code="objection_open",
                       message_zh="该记录已有未办结的异议", extra={"open_objection_id": open_one})  # fmt: skip
    if not rules.may_object(is_current=rec.is_current, record_status=rec.status, open_objection=False):
        raise Conflict(f"a {rec.status} record is not published; nothing to object to", code="record_not_published")
    handler = rules.route(policy, filing.reason_kind)
    due = rules.deadlines_at_filing(policy, handler, today, _add(session))
    now = utcnow()
    obj = Objection(
        record_id=rec.id, record_key=rec.record_key, subject_id=rec.subject_id, source_org_id=rec.source_org_id,
        filed_by=actor.label, filed_by_user_id=actor.user_id, on_behalf=str(actor.role) != "subject",
        reason_kind=filing.reason_kind, reasons=filing.reasons.strip(), requested=filing.requested,
        attachments=[], handler=str(handler), status=str(ObjectionStatus.filed),
        record_status_before=rec.status, filed_on=today, marked_at=now, forward_due=due.forward_due,
        decide_due=due.decide_due, provisional_due=due.provisional, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(obj)
    versions.set_status(session, record_id=rec.id, status=Status.under_objection)
    session.flush()
    if filing.attachment_ids:
        attachments.link(session, subject_id=rec.subject_id, attachment_ids=filing.attachment_ids,
                         object_type="objection", object_id=obj.id)  # fmt: skip
        obj.attachments = [{"id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size}
                           for a in attachments.linked(session, object_type="objection", object_id=obj.id)]  # fmt: skip
    audit.record(session, actor, audit.Event(
        "objection.file", subject_id=rec.subject_id, object_type="objection", object_id=obj.id,
        detail={"record_id": rec.id, "reason_kind": obj.reason_kind, "handler": obj.handler,
                "decide_due": obj.decide_due.isoformat(), "record_marked": Status.under_objection},
    ))  # fmt: skip
    notifications.notify_subject(
        session, subject_id=rec.subject_id, kind="objection.filed", link=f"/me/objections/{obj.id}",
        title_zh="异议已受理", body_zh=f"您对信用记录（{rec.source_document_no or rec.id}）提出的异议已受理，"
        f"记录已标注“异议处理中”，办理期限至 {obj.decide_due.isoformat()}。",
    )  # fmt: skip
    if handler is Handler.source and policy.auto_forward:
        forward(session, actor=actor, objection_id=obj.id, today=today, automatic=True)
    return obj


def get(session: Session, objection_id: int) -> Objection:
    obj = session.get(Objection, objection_id)
    if obj is None:
        raise NotFound(f"no objection with id {objection_id}", code="objection_not_found", message_zh="未找到该异议")
    return obj


def may_read(actor: Actor, obj: Objection) -> bool:
    role = str(actor.role)
    return (
        role in ("credit_centre", "auditor")
        or (role == "subject" and actor.subject_id == obj.subject_id)
        or (role == "department" and actor.organisation_id == obj.source_org_id and obj.status != ObjectionStatus.filed)
    )


def forward(
    session: Session, *, actor: Actor, objection_id: int, today: date | None = None, automatic: bool = False
) -> Objection:
    """The credit centre sends the objection to the record's source, which then decides."""
    today = today or legal_today()
    obj = get(session, objection_id)
    if not automatic and str(actor.role) != "credit_centre":
        raise PermissionDenied("only the credit centre forwards objections", code="not_the_deciding_organisation")
    due, provisional = rules.deadline_after_forwarding(rules.default_policy(), today, _add(session))
    won = rowcount(
        session.execute(
        update(Objection)
        .where(Objection.id == obj.id, Objection.status == str(ObjectionStatus.filed))
        .values(status=str(ObjectionStatus.forwarded), handler=str(Handler.source), forwarded_on=today,
                forwarded_by=actor.label, decide_due=due, provisional_due=obj.provisional_due or provisional,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    if won != 1:
        raise Conflict("the objection is no longer with the credit centre", code="objection_not_filed")
    session.refresh(obj)
    audit.record(session, actor, audit.Event(
        "objection.forward", subject_id=obj.subject_id, object_type="objection", object_id=obj.id,
        detail={"source_org_id": obj.source_org_id, "decide_due": due.isoformat(), "automatic": automatic},
    ))  # fmt: skip
    return obj


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: str
    correction: Mapping[str, Any] | None = None


def claim_decision(session: Session, *, actor: Actor, objection_id: int, decision: Decision) -> Objection:
    """Check the decider and take the objection (compare-and-set on its status): of two
    reviewers deciding at once exactly one gets it; the other gets ``objection_decided``."""
    obj = get(session, objection_id)
    allowed, code = rules.may_decide(
        status=obj.status, role=str(actor.role), organisation_id=actor.organisation_id, source_org_id=obj.source_org_id
    )
    if not allowed and code == "objection_decided":
        raise Conflict("the objection has already been decided", code=code, message_zh="该异议已办结")
    if not allowed:
        raise PermissionDenied("another organisation decides this objection", code=code,
                               message_zh="该异议不由贵单位办理")  # fmt: skip
    if not decision.reasons.strip():
        raise InvalidInput("a decision states its reasons", code="missing_reasons", message_zh="请填写处理理由")
    if decision.outcome is Outcome.corrected and not decision.correction:
        raise InvalidInput("a correction says what changes", code="missing_correction", message_zh="请填写更正内容")
    won = rowcount(
        session.execute(
        update(Objection)
        .where(Objection.id == obj.id, Objection.status == obj.status)
        .values(status=str(ObjectionStatus.decided), outcome=str(decision.outcome),
                decision_reasons=decision.reasons.strip(), decided_on=legal_today(), decided_by=actor.label,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    if won != 1:
        raise Conflict("the objection has already been decided", code="objection_decided", message_zh="该异议已办结")
    session.refresh(obj)
    return obj


def finish_decision(session: Session, *, actor: Actor, obj: Objection, result_record_id: int | None) -> Objection:
    """After the record was corrected, revoked or left as it was: restore its status when upheld,
    link the result, audit, and tell the subject."""
    if obj.outcome == Outcome.upheld:
        rec = versions.get_record(session, obj.record_id)
        if rec.is_current and rec.status == Status.under_objection:
            versions.set_status(session, record_id=rec.id, status=Status(obj.record_status_before))
    obj.result_record_id = result_record_id
    session.flush()
    outcome = Outcome(obj.outcome or "upheld")
    audit.record(session, actor, audit.Event(
        "objection.decide", subject_id=obj.subject_id, object_type="objection", object_id=obj.id,
        detail={"outcome": str(outcome), "record_id": obj.record_id, "result_record_id": result_record_id,
                "on_time": not rules.is_overdue(obj.decide_due, obj.decided_on or legal_today())},
    ))  # fmt: skip
    notifications.notify_subject(
        session, subject_id=obj.subject_id, kind="objection.decided", link=f"/me/objections/{obj.id}",
        title_zh=f"异议处理结果：{rules.OUTCOME_ZH[outcome]}", body_zh=obj.decision_reasons or "",
    )  # fmt: skip
    return obj


def queue(session: Session, *, actor: Actor, include_decided: bool = False) -> list[Objection]:
    """The objections this actor sees: the credit centre all, a department those of its records,
    a subject its own; open ones first by due date."""
    q = select(Objection)
    role = str(actor.role)
    if role == "department":
        q = q.where(Objection.source_org_id == actor.organisation_id, Objection.status != ObjectionStatus.filed)
    elif role == "subject":
        q = q.where(Objection.subject_id == actor.subject_id)
    elif role not in ("credit_centre", "auditor"):
        return []
    if not include_decided:
        q = q.where(Objection.status.in_(list(rules.OPEN)))
    return list(session.scalars(q.order_by(Objection.decide_due, Objection.id)))


def overdue(session: Session, today: date) -> list[Objection]:
    """Open objections past their due date (for ``chengxin deadlines check`` and the queue page)."""
    rows = session.scalars(
        select(Objection)
        .where(Objection.status.in_(list(rules.OPEN)), Objection.decide_due < today)
        .order_by(Objection.decide_due)
    )
    late = list(rows)
    forward_late = session.scalars(
        select(Objection).where(Objection.status == ObjectionStatus.filed, Objection.forward_due < today)
    )
    seen = {o.id for o in late}
    return late + [o for o in forward_late if o.id not in seen]
