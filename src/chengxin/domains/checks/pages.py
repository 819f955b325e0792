"""The feedback queue page (措施实施反馈): the measures the organisation's checks returned, to say whether
each was applied and, if not, why; with the organisation's implementation figures. Thin."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from chengxin.domains.checks import service
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.names import mask_person_name
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/checks/feedback", response_class=HTMLResponse)
def feedback_queue(request: Request, session: DB, actor: Actor = Depends(Require(P.checks_run))) -> HTMLResponse:
    pending = service.pending_feedback(session, actor)
    catalog = {m.code: m for m in service.current_catalog(session).measures}
    names: dict[int, str] = {}
    for p in pending:
        if p.subject_id is not None and p.subject_id not in names:
            s = session.get_one(Subject, p.subject_id)
            names[p.subject_id] = s.name if s.kind == "legal" else mask_person_name(s.name)
    mine = [
        r
        for r in service.statistics(session)
        if actor.role == "credit_centre" or r["organisation_id"] == actor.organisation_id
    ]
    ctx = {"pending": pending, "catalog": catalog, "names": names, "stats": mine}
    return render(request, "checks_feedback.html", ctx)


@pages.post("/checks/{check_id}/feedback")
def record_feedback(
    check_id: PathId,
    session: DB,
    index: Annotated[int, Form(ge=0, le=10_000)],
    measure: Annotated[str, Form(max_length=20)],
    applied: Annotated[Literal["yes", "no"], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = Depends(Require(P.checks_run)),
) -> RedirectResponse:
    entry = {"index": index, "measure": measure, "applied": applied == "yes", "reason": reason.strip() or None}
    service.feedback(session, actor, check_id, [entry])
    return RedirectResponse("/checks/feedback", status_code=303)
