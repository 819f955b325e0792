"""Detection review requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.domains.detection import graph, rules
from chengxin.domains.detection.models import Finding, ReviewCase
from chengxin.domains.detection.rules import CaseStatus

MAX_UPLOAD_ROWS = 10_000


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field("api", min_length=1, max_length=300, description="a label for the run (e.g. the file name)")
    platform_id: str | None = Field(None, max_length=40, description="the platform the findings are about, if one")
    findings: list[dict[str, Any]] = Field(
        max_length=MAX_UPLOAD_ROWS,
        description="the findings rows (MARKETPLACE.md § Findings): finding_id, detector, entity_type, entity_id, "
        "score, group_id, explanation, evidence (an object or JSON text)",
    )


class RejectionOut(BaseModel):
    row: int
    finding_id: str | None
    code: str
    detail: str


class LoadOut(BaseModel):
    run_id: int | None
    rows: int
    stored: int
    queued: int
    suppressed: int
    already_loaded: int
    rejected: int
    cases_opened: int
    cases_extended: int
    rejections: list[RejectionOut]


class CaseOut(BaseModel):
    id: int
    detector: str
    detector_zh: str
    group_id: str | None
    platform_id: str | None
    status: str
    status_zh: str
    top_score: float
    explanation: str
    entity_count: int
    opened_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    severity: str | None
    outcome: dict[str, Any] | None

    @classmethod
    def of(cls, c: ReviewCase) -> CaseOut:
        return cls(
            id=c.id, detector=c.detector, detector_zh=rules.DETECTOR_ZH.get(c.detector, c.detector),
            group_id=c.group_id, platform_id=c.platform_id, status=c.status,
            status_zh=rules.STATUS_ZH[CaseStatus(c.status)], top_score=c.top_score, explanation=c.explanation,
            entity_count=c.entity_count, opened_at=c.opened_at, decided_at=c.decided_at, decided_by=c.decided_by,
            decision_reason=c.decision_reason, severity=c.severity, outcome=c.outcome,
        )  # fmt: skip


class CasePage(BaseModel):
    total: int
    page: int
    per_page: int
    cases: list[CaseOut]


class FindingOut(BaseModel):
    finding_id: str
    entity_type: str
    entity_id: str
    score: float
    group_id: str | None
    explanation: str
    evidence: dict[str, Any]
    platform_id: str | None
    run_id: int

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        return cls.model_validate(f, from_attributes=True)


class NodeOut(BaseModel):
    id: str
    kind: str
    label: str
    flagged: bool
    score: float | None


class EdgeOut(BaseModel):
    source: str
    target: str
    relation: str


class GraphOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool

    @classmethod
    def of(cls, g: graph.Graph) -> GraphOut:
        return cls.model_validate(g.as_dict())


class CaseDetail(CaseOut):
    findings: list[FindingOut]
    graph: GraphOut


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=4000, description="why the case is confirmed (复核意见)")
    severity: Literal["minor", "general", "serious"] | None = Field(
        None, description="the records' severity (the catalog type's default when omitted)"
    )


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000, description="why the case is not a violation (排除理由)")
