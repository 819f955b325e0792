"""Detection review JSON API (thin): load a run of findings, the case queue, a case with its evidence
graph, confirm (credit records follow) or dismiss."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.detection import decisions, graph, service
from chengxin.domains.detection.schemas import (
    CaseDetail,
    CaseOut,
    CasePage,
    ConfirmIn,
    DismissIn,
    FindingOut,
    GraphOut,
    LoadOut,
    RunIn,
)
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1/detection", tags=["detection"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
Detector = Literal["brushing", "malicious_review", "empty_parcel", "fake_traffic", "price_fraud"]
Status = Literal["pending", "confirmed", "dismissed"]


@router.post("/runs", status_code=201, response_model=LoadOut)
def load_run(data: RunIn, session: DB, actor: Actor = Depends(Require(P.detection_load))) -> LoadOut:
    """Load findings (JSON rows, up to 10,000): refused rows listed with reasons, the rest queued as
    review cases; the same findings again add nothing."""
    frame = service.frame_of_rows(data.findings)
    summary = service.load_findings(session, frame, actor=actor, source=data.source, platform_id=data.platform_id,
                                    first_row=1)  # fmt: skip
    return LoadOut.model_validate(summary.as_dict())


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: DB,
    detector: Detector | None = Query(None),
    status: Status | None = Query(None),
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(service.PER_PAGE, ge=1, le=200),
    actor: Actor = Depends(Require(P.detection_read)),
) -> CasePage:
    """The review queue, highest score first; filter by detector and status."""
    total, cases = service.list_cases(session, detector=detector, status=status, page=page, per_page=per_page)
    return CasePage(total=total, page=page, per_page=per_page, cases=[CaseOut.of(c) for c in cases])


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(case_id: PathId, session: DB, actor: Actor = Depends(Require(P.detection_read))) -> CaseDetail:
    """A case with its findings and evidence graph (nodes and edges)."""
    case = service.get_case(session, case_id)
    findings = service.case_findings(session, case.id)
    return CaseDetail(**CaseOut.of(case).model_dump(), findings=[FindingOut.of(f) for f in findings],
                      graph=GraphOut.of(graph.build(findings)))  # fmt: skip


@router.post("/cases/{case_id}/confirm", response_model=CaseOut)
def confirm(
    case_id: PathId, data: ConfirmIn, request: Request, response: Response, session: DB,
    actor: Actor = Depends(Require(P.detection_review)),
) -> CaseOut:  # fmt: skip
    """Confirm: one credit record per subject concerned (the subjects re-evaluated); 409 if decided."""
    case = decisions.confirm(session, actor=actor, case_id=case_id, reason=data.reason, severity=data.severity,
                             cipher=state(request).cipher)  # fmt: skip
    response.headers["Location"] = f"/api/v1/detection/cases/{case.id}"
    return CaseOut.of(case)


@router.post("/cases/{case_id}/dismiss", response_model=CaseOut)
def dismiss(
    case_id: PathId, data: DismissIn, session: DB, actor: Actor = Depends(Require(P.detection_review))
) -> CaseOut:
    """Dismiss with a reason: its entities are not queued again; 409 if decided."""
    return CaseOut.of(service.dismiss(session, actor=actor, case_id=case_id, reason=data.reason))
