"""Assessment JSON API (thin): complaints intake, notices to platforms, assessments and the bulletin."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chengxin.domains.accounts.models import Organisation
from chengxin.domains.assessments import complaints, notices, service
from chengxin.domains.assessments.models import Assessment, PlatformNotice
from chengxin.domains.assessments.schemas import (
    PERIOD,
    AnswerIn,
    AssessmentOut,
    ComplaintsIn,
    ComplaintsOut,
    NoticeIn,
    NoticeOut,
    PeriodOut,
    RunIn,
)
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import legal_today
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P

router = APIRouter(tags=["assessments"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
Period = Annotated[str, Path(pattern=PERIOD, description="2026Q3, 2026-10 or 2026")]


def notice_out(n: PlatformNotice) -> NoticeOut:
    return NoticeOut.model_validate(n, from_attributes=True)


def assessment_out(a: Assessment, s: Subject) -> AssessmentOut:
    return AssessmentOut(period=a.period, kind=a.kind, subject_id=s.id, name=s.name, uscc=s.uscc, score=a.score,
                         grade=a.grade, model_version=a.model_version, indicators=a.indicators, measures=a.measures,
                         published_at=a.published_at)  # fmt: skip


@router.post("/api/v1/complaints", response_model=ComplaintsOut)
def submit_complaints(
    data: ComplaintsIn, session: DB, actor: Actor = Depends(Require(P.complaints_submit))
) -> ComplaintsOut:
    """Consumer complaints and their handling (投诉数据), up to 10,000 per call: valid rows land, the others
    are listed with row number (from 1), code and reason. A platform may send its own platform's only."""
    rows = list(enumerate(data.complaints, start=1))
    own = None
    if actor.role == "platform" and actor.organisation_id is not None:
        org = session.get(Organisation, actor.organisation_id)
        own = org.code if org else None
    result = complaints.intake(
        session, actor, rows, source=actor.label, platform_id=own, restrict=actor.role == "platform"
    )
    return ComplaintsOut.model_validate(result.as_dict())


@router.post("/api/v1/notices", status_code=201, response_model=NoticeOut)
def issue_notice(data: NoticeIn, session: DB, actor: Actor = Depends(Require(P.notices_issue))) -> NoticeOut:
    """Send a platform operator or logistics company a notice (整改/处置/协查通知, 警示约谈) with a due date."""
    values = data.model_dump()
    values["issued_on"] = values["issued_on"] or legal_today()
    return notice_out(notices.issue(session, actor, **values))


@router.get("/api/v1/notices", response_model=list[NoticeOut])
def issued_notices(
    session: DB, open_only: bool = Query(False, alias="open"), actor: Actor = Depends(Require(P.notices_issue))
) -> list[NoticeOut]:
    """Notices the caller's organisation issued (the credit centre: all of them)."""
    return [notice_out(n) for n in notices.listing(session, actor, open_only=open_only, received=False)]


@router.get("/api/v1/notices/received", response_model=list[NoticeOut])
def received_notices(
    session: DB, open_only: bool = Query(False, alias="open"), actor: Actor = Depends(Require(P.notices_answer))
) -> list[NoticeOut]:
    """Notices addressed to the caller's company (a platform operator or logistics company)."""
    return [notice_out(n) for n in notices.listing(session, actor, open_only=open_only, received=True)]


@router.post("/api/v1/notices/{notice_id}/answer", response_model=NoticeOut)
def answer_notice(
    notice_id: PathId, data: AnswerIn, session: DB, actor: Actor = Depends(Require(P.notices_answer))
) -> NoticeOut:
    """The addressee's answer; a notice is answered once."""
    return notice_out(notices.answer(session, actor, notice_id, data.answer))


@router.post("/api/v1/assessments/runs", response_model=list[AssessmentOut])
def run_assessments(
    data: RunIn, session: DB, actor: Actor = Depends(Require(P.assessments_run))
) -> list[AssessmentOut]:
    """Assess every platform and logistics company with orders (waybills) in a period that is over; the
    drafts, platforms first (an empty list when nobody was active)."""
    done = service.run(session, actor, data.period, today=legal_today())
    return [assessment_out(a, session.get_one(Subject, a.subject_id)) for a in done]


@router.post("/api/v1/assessments/{period}/publish", response_model=PeriodOut)
def publish(period: Period, session: DB, actor: Actor = Depends(Require(P.assessments_run))) -> PeriodOut:
    """Publish the period's bulletin (公告); published results are not recomputed."""
    service.publish(session, actor, period)
    found = [p for p in service.periods(session, published_only=True) if p.period == period.upper()]
    return PeriodOut.model_validate(found[0], from_attributes=True)


@router.get("/api/v1/assessments", response_model=list[PeriodOut])
def list_periods(session: DB, actor: Actor = Depends(Require(P.public_read))) -> list[PeriodOut]:
    """Published bulletins; drafts too for holders of `assessments:run`."""
    found = service.periods(session, published_only=not actor.can(P.assessments_run))
    return [PeriodOut.model_validate(p, from_attributes=True) for p in found]


@router.get("/api/v1/assessments/{period}", response_model=list[AssessmentOut])
def get_bulletin(period: Period, session: DB, actor: Actor = Depends(Require(P.public_read))) -> list[AssessmentOut]:
    """A period's assessments with every indicator's value, points and reason."""
    rows = service.bulletin(session, period, published_only=not actor.can(P.assessments_run))
    return [assessment_out(a, s) for a, s in rows]


@router.get("/api/v1/assessments/{period}/export")
def export(
    period: Period, session: DB, fmt: Literal["csv", "xlsx"] = Query("csv", alias="format"),
    actor: Actor = Depends(Require(P.public_read)),
) -> Response:  # fmt: skip
    """The bulletin as CSV or XLSX: one row per company, each indicator's value and points as columns."""
    rows = service.bulletin(session, period, published_only=not actor.can(P.assessments_run))
    name = f"assessments-{period.upper()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(service.export_xlsx(rows), media_type=media, headers=headers)
    return Response(service.export_csv(rows).encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)
