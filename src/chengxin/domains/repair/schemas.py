"""Credit repair requests and responses."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import STATUS_ZH, Status
from chengxin.domains.repair import rules
from chengxin.domains.repair.models import RepairApplication
from chengxin.ids import Id


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="one of the evidence kinds (obligations_fulfilled, payment_settled …)")
    description: str = Field(min_length=1, max_length=2000)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_id: Id
    statement: str = Field(min_length=1, max_length=4000, description="how the behaviour was corrected (整改情况)")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)
    attachment_ids: list[Id] = Field(default_factory=list, max_length=10, description="the subject's uploads")


class RepairDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reasons: str = Field(min_length=1, max_length=4000)


class EligibilityOut(BaseModel):
    record_id: int
    type: str
    document_no: str | None
    decided_on: date
    severity: str
    status: str
    status_zh: str
    publicity_until: date | None
    eligible: bool
    eligible_from: date | None
    reasons: list[dict[str, str]]
    decider: str | None
    evidence_required: list[dict[str, str]]
    commitment_required: bool

    @classmethod
    def of(cls, rec: CreditRecord, e: rules.Eligibility) -> EligibilityOut:
        names = rules.default_policy().evidence
        return cls(
            record_id=rec.id, type=rec.type_code, document_no=rec.source_document_no, decided_on=rec.decided_on,
            severity=rec.severity, status=rec.status, status_zh=STATUS_ZH[Status(rec.status)],
            publicity_until=rec.publicity_until, eligible=e.eligible, eligible_from=e.eligible_from,
            reasons=[{"code": r.code, "zh": r.zh} for r in e.reasons], decider=e.decider,
            evidence_required=[{"kind": k, "name_zh": names[k]} for k in e.evidence],
            commitment_required=e.commitment_required,
        )  # fmt: skip


class ApplicationOut(BaseModel):
    id: int
    record_id: int
    subject_id: int
    type: str
    decider: str
    decider_org_id: int | None
    statement: str
    evidence: list[dict[str, str]]
    commitment_id: int | None
    applied_on: date
    review_due: date
    provisional_due: bool
    overdue: bool
    status: str
    status_zh: str
    decision_reasons: str | None
    decided_on: date | None

    @classmethod
    def of(cls, a: RepairApplication, today: date) -> ApplicationOut:
        return cls(
            id=a.id, record_id=a.record_id, subject_id=a.subject_id, type=a.type_code, decider=a.decider,
            decider_org_id=a.decider_org_id, statement=a.statement, evidence=a.evidence,
            commitment_id=a.commitment_id, applied_on=a.applied_on, review_due=a.review_due,
            provisional_due=a.provisional_due, overdue=a.status == "submitted" and today > a.review_due,
            status=a.status, status_zh=rules.STATUS_ZH[rules.RepairStatus(a.status)],
            decision_reasons=a.decision_reasons, decided_on=a.decided_on,
        )  # fmt: skip
