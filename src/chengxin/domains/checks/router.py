"""Check API (thin): 自动比对、自动拦截, measure feedback, implementation statistics, the measures catalog."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.checks import log as checklog
from chengxin.domains.checks import service
from chengxin.domains.checks.schemas import CheckIn, CheckOut, FeedbackIn
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, read_session_dep, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(tags=["checks"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
ReadDB = Annotated[Session, Depends(read_session_dep, scope="function")]  # a check writes only its log


@router.post("/api/v1/checks", response_model=CheckOut)
def run_check(
    data: CheckIn, request: Request, session: ReadDB, actor: Actor = Depends(Require(P.checks_run))
) -> Response:
    """Which measures apply to each subject in the scenario, with action, reason and legal basis; one
    result per subject in the request's order (a malformed identifier: that item's error)."""
    st = state(request)
    entry, body = service.answer(session, actor, scenario=data.scenario, items=data.subjects, cipher=st.cipher)
    checklog.submit(st.db, entry)  # logged with the other checks waiting (group commit), meanwhile
    results = body()  # the results are serialised (by the service: re-validating up to 10,000 of them
    check_id = entry.wait()  # against ``CheckOut`` would cost more than the check); answered once logged
    return Response(service.envelope(check_id, data.scenario, results), media_type="application/json")


@router.post("/api/v1/checks/{check_id}/feedback")
def feedback(
    check_id: PathId, data: FeedbackIn, session: DB, actor: Actor = Depends(Require(P.checks_run))
) -> dict[str, int]:
    """Whether each returned measure was applied, and why not (实施反馈)."""
    return {"recorded": service.feedback(session, actor, check_id, [e.model_dump() for e in data.entries])}


@router.get("/api/v1/checks/statistics")
def statistics(session: DB, actor: Actor = Depends(Require(P.checks_stats))) -> list[dict[str, Any]]:
    """Implementation per organisation: checks, subjects, measures returned, applied, not applied."""
    return service.statistics(session)


@router.get("/api/v1/measures")
def measures(session: DB, actor: Actor = Depends(Require(P.public_read))) -> dict[str, Any]:
    """The measures catalog (联合奖惩措施清单) and its scenarios."""
    catalog = service.current_catalog(session)
    return {
        "scenarios": dict(catalog.scenarios),
        "measures": [
            {
                "code": m.code,
                "text": m.text,
                "basis": m.basis,
                "implementer": m.implementer,
                "kind": m.kind,
                "action": m.action,
                "scenarios": sorted(m.scenarios),
                "lists": sorted(m.lists),
                "grades": sorted(m.grades),
                "record_types": sorted(m.record_types),
                "reaches_related": m.reaches_related,
            }
            for m in catalog.measures
        ],
    }
