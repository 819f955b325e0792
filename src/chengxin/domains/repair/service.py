"""Credit repair (信用修复): eligibility shown before applying, applications, the review.

Approval itself (the record unpublished and everything that follows) is
``workflows.withdrawal.repair``; this module takes the decision (a compare-and-set on the
application's status: of two reviewers exactly one wins) and records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import rowcount, utcnow
from chengxin.domains.attachments import service as attachments
from chengxin.domains.calendar import service as calendar_service
from chengxin.domains.commitments import service as commitments
from chengxin.domains.notifications import service as notifications
from chengxin.domains.records import versions
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.repair import rules
from chengxin.domains.repair.models import RepairApplication
from chengxin.domains.repair.rules import Decider, Eligibility, RepairStatus
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor


def facts(rec: CreditRecord) -> rules.RecordFacts:
    return rules.RecordFacts(
        record_id=rec.id, type_code=rec.type_code, polarity=rec.polarity, severity=rec.severity, status=rec.status,
        is_current=rec.is_current, decided_on=rec.decided_on, repairable_from=rec.repairable_from,
        publicity_until=rec.publicity_until,
    )  # fmt: skip


def history(session: Session, subject_id: int) -> list[rules.PastRepair]:
    rows = session.execute(
        select(RepairApplication.type_code, RepairApplication.decided_on).where(
            RepairApplication.subject_id == subject_id, RepairApplication.status == str(RepairStatus.approved)
        )
    )
    return [rules.PastRepair(t, d) for t, d in rows if d is not None]


def _require_standing(actor: Actor, subject_id: int) -> None:
    if str(actor.role) == "credit_centre" or (str(actor.role) == "subject" and actor.subject_id == subject_id):
        return
    raise PermissionDenied("only the subject itself (or the credit centre for it) may do this", code="no_standing",
                           message_zh="您无权为该主体办理信用修复")  # fmt: skip


def check(
    session: Session, *, actor: Actor, subject_id: int, today: date | None = None
) -> list[tuple[CreditRecord, Eligibility]]:
    """Every negative record of the subject with its eligibility (what the applicant sees first)."""
    _require_standing(actor, subject_id)
    today = today or legal_today()
    policy, past = rules.default_policy(), history(session, subject_id)
    return [
        (rec, rules.eligibility(policy, facts(rec), past, today))
        for rec in versions.current_for_subject(session, subject_id)
        if rec.polarity == "negative" and rec.status in ("active", "under_objection")
    ]


@dataclass(frozen=True)
class Application:
    record_id: int
    statement: str
    evidence: tuple[tuple[str, str], ...]  # (kind, description)
    attachment_ids: tuple[int, ...] = ()  # the subject's uploads (POST /api/v1/subjects/{id}/attachments)


def apply(session: Session, *, actor: Actor, application: Application, today: date | None = None) -> RepairApplication:
    """Apply to repair one record: 422 saying why (and from when) when it is not eligible or the
    application lacks evidence or the repair commitment; 409 when one is already open."""
    today = today or legal_today()
    policy = rules.default_policy()
    rec = versions.get_record(session, application.record_id)
    _require_standing(actor, rec.subject_id)
    unknown = sorted({k for k, _ in application.evidence} - set(policy.evidence))
    if unknown:
        raise InvalidInput(f"unknown evidence kinds {unknown} (known: {', '.join(policy.evidence)})",
                           code="invalid_evidence_kind")  # fmt: skip
    if not application.statement.strip():
        raise InvalidInput("say how the behaviour was corrected", code="missing_statement", message_zh="请填写整改情况")
    open_one = session.scalar(
        select(RepairApplication.id).where(
            RepairApplication.record_key == rec.record_key, RepairApplication.status == str(RepairStatus.submitted)
        )
    )
    if open_one is not None:
        raise Conflict(f"repair application {open_one} for this record is under review", code="repair_open",
                       message_zh="该记录已有审核中的修复申请", extra={"open_application_id": open_one})  # fmt: skip
    elig = rules.eligibility(policy, facts(rec), history(session, rec.subject_id), today)
    if not elig.eligible:
        raise InvalidInput(
            "; ".join(r.zh for r in elig.reasons), code="not_eligible", message_zh="该记录暂不符合信用修复条件",
            extra={"reasons": [r.code for r in elig.reasons],
                   "eligible_from": elig.eligible_from.isoformat() if elig.eligible_from else None},
        )  # fmt: skip
    commitment = commitments.active_commitment(
        session, subject_id=rec.subject_id, template_code=policy.commitment_template
    )
    missing = rules.missing_for_application(elig, (k for k, _ in application.evidence), commitment is not None)
    if missing:
        raise InvalidInput("; ".join(r.zh for r in missing), code="application_incomplete",
                           message_zh="申请材料不全", extra={"missing": [r.code for r in missing]})  # fmt: skip
    due = calendar_service.add_working_days(session, today, policy.review_working_days)
    assert elig.decider is not None
    app = RepairApplication(
        record_id=rec.id, record_key=rec.record_key, subject_id=rec.subject_id, type_code=rec.type_code,
        decider=str(elig.decider), decider_org_id=rec.source_org_id if elig.decider is Decider.source else None,
        statement=application.statement.strip(),
        evidence=[{"kind": k, "description": d} for k, d in application.evidence],
        commitment_id=commitment.id if commitment else None, applied_by=actor.label, applied_on=today,
        review_due=due.due, provisional_due=due.provisional, status=str(RepairStatus.submitted),
    )  # fmt: skip
    session.add(app)
    session.flush()
    if application.attachment_ids:
        attachments.link(session, subject_id=rec.subject_id, attachment_ids=application.attachment_ids,
                         object_type="repair_application", object_id=app.id)  # fmt: skip
    audit.record(session, actor, audit.Event(
        "repair.apply", subject_id=rec.subject_id, object_type="repair_application", object_id=app.id,
        detail={"record_id": rec.id, "decider": app.decider, "review_due": app.review_due.isoformat()},
    ))  # fmt: skip
    notifications.notify_subject(
        session, subject_id=rec.subject_id, kind="repair.submitted", link=f"/me/repairs/{app.id}",
        title_zh="信用修复申请已提交", body_zh=f"审核期限至 {app.review_due.isoformat()}。",
    )  # fmt: skip
    return app


def get(session: Session, application_id: int) -> RepairApplication:
    app = session.get(RepairApplication, application_id)
    if app is None:
        raise NotFound(f"no repair application with id {application_id}", code="repair_not_found",
                       message_zh="未找到该修复申请")  # fmt: skip
    return app


def may_read(actor: Actor, app: RepairApplication) -> bool:
    role = str(actor.role)
    return (
        role in ("credit_centre", "auditor")
        or (role == "subject" and actor.subject_id == app.subject_id)
        or (role == "department" and actor.organisation_id == app.decider_org_id)
    )


def claim_decision(
    session: Session, *, actor: Actor, application_id: int, approve: bool, reasons: str
) -> RepairApplication:
    """The deciding organisation takes the decision (once; of two at once exactly one wins)."""
    app = get(session, application_id)
    allowed, code = rules.may_decide(
        status=app.status, decider=app.decider, role=str(actor.role), organisation_id=actor.organisation_id,
        decider_org_id=app.decider_org_id,
    )  # fmt: skip
    if not allowed and code == "repair_decided":
        raise Conflict("the application has already been decided", code=code, message_zh="该申请已办结")
    if not allowed:
        raise PermissionDenied("another organisation decides this application", code=code,
                               message_zh="该申请不由贵单位审核")  # fmt: skip
    if not reasons.strip():
        raise InvalidInput("a decision states its reasons", code="missing_reasons", message_zh="请填写审核意见")
    status = RepairStatus.approved if approve else RepairStatus.rejected
    won = rowcount(
        session.execute(
        update(RepairApplication)
        .where(RepairApplication.id == app.id, RepairApplication.status == str(RepairStatus.submitted))
        .values(status=str(status), decision_reasons=reasons.strip(), decided_on=legal_today(),
                decided_by=actor.label, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    if won != 1:
        raise Conflict("the application has already been decided", code="repair_decided", message_zh="该申请已办结")
    session.refresh(app)
    audit.record(session, actor, audit.Event(
        "repair.decide", subject_id=app.subject_id, object_type="repair_application", object_id=app.id,
        detail={"approved": approve, "record_id": app.record_id},
    ))  # fmt: skip
    notifications.notify_subject(
        session, subject_id=app.subject_id, kind="repair.decided", link=f"/me/repairs/{app.id}",
        title_zh=f"信用修复审核结果：{rules.STATUS_ZH[status]}", body_zh=app.decision_reasons or "",
    )  # fmt: skip
    return app


def queue(session: Session, *, actor: Actor, include_decided: bool = False) -> list[RepairApplication]:
    q = select(RepairApplication)
    role = str(actor.role)
    if role == "department":
        q = q.where(RepairApplication.decider_org_id == actor.organisation_id)
    elif role == "subject":
        q = q.where(RepairApplication.subject_id == actor.subject_id)
    elif role not in ("credit_centre", "auditor"):
        return []
    if not include_decided:
        q = q.where(RepairApplication.status == str(RepairStatus.submitted))
    return list(session.scalars(q.order_by(RepairApplication.review_due, RepairApplication.id)))


def overdue(session: Session, today: date) -> list[RepairApplication]:
    return list(
        session.scalars(
            select(RepairApplication)
            .where(RepairApplication.status == str(RepairStatus.submitted), RepairApplication.review_due < today)
            .order_by(RepairApplication.review_due)
        )
    )
