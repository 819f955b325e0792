"""Objection requests and responses."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.domains.objections import rules
from chengxin.domains.objections.models import Objection
from chengxin.domains.objections.rules import Outcome
from chengxin.ids import Id


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_kind: str = Field(description="one of GET /api/v1/objections/reasons (wrong_subject, content_error …)")
    reasons: str = Field(min_length=1, max_length=4000, description="why the record is wrong (异议理由)")
    requested: str | None = Field(None, max_length=4000, description="what the record should say instead")
    attachment_ids: list[Id] = Field(default_factory=list, max_length=10, description="the subject's uploads")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(description="corrected (a new version), revoked, or upheld")
    reasons: str = Field(min_length=1, max_length=4000, description="the decision's reasons (处理理由)")
    correction: dict[str, Any] | None = Field(
        None,
        description="for corrected: the changes — subject_id, decided_on, occurred_on, severity, document_no, "
        "payload (entries merged)",
    )


class ReasonOut(BaseModel):
    code: str
    handler: str
    name_zh: str


class ObjectionOut(BaseModel):
    id: int
    record_id: int
    record_key: str
    subject_id: int
    source_org_id: int
    reason_kind: str
    reasons: str
    requested: str | None
    handler: str
    status: str
    status_zh: str
    filed_on: date
    filed_by: str
    on_behalf: bool
    forward_due: date | None
    forwarded_on: date | None
    decide_due: date
    provisional_due: bool
    overdue: bool
    outcome: str | None
    outcome_zh: str | None
    decision_reasons: str | None
    decided_on: date | None
    result_record_id: int | None
    attachments: list[dict[str, Any]]

    @classmethod
    def of(cls, o: Objection, today: date) -> ObjectionOut:
        return cls(
            id=o.id, record_id=o.record_id, record_key=o.record_key, subject_id=o.subject_id,
            source_org_id=o.source_org_id, reason_kind=o.reason_kind, reasons=o.reasons, requested=o.requested,
            handler=o.handler, status=o.status, status_zh=rules.STATUS_ZH[rules.ObjectionStatus(o.status)],
            filed_on=o.filed_on, filed_by=o.filed_by, on_behalf=o.on_behalf, forward_due=o.forward_due,
            forwarded_on=o.forwarded_on, decide_due=o.decide_due, provisional_due=o.provisional_due,
            overdue=o.status != rules.ObjectionStatus.decided and rules.is_overdue(o.decide_due, today),
            outcome=o.outcome, outcome_zh=rules.OUTCOME_ZH[Outcome(o.outcome)] if o.outcome else None,
            decision_reasons=o.decision_reasons, decided_on=o.decided_on, result_record_id=o.result_record_id,
            attachments=list(o.attachments or []),
        )  # fmt: skip


class NotificationOut(BaseModel):
    id: int
    kind: str
    title_zh: str
    body_zh: str
    link: str | None
    created_at: str
    read: bool
