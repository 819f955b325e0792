"""The feedback queue page (措施实施反馈): the measures the organisation's checks returned, to say whether
each was applied and, if not, why; with the organisation's implementation figures. Thin."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from chengxin.domains.checks import service
from chengxin.domains.subjects.views import views_in_order
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.masking import show_name
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/checks/feedback", response_class=HTMLResponse)
def feedback_queue(request: Request, session: DB, actor: Actor = Depends(Require(P.checks_run))) -> HTMLResponse:
    pending = service.pending_feedback(session, actor)
    catalog = {m.code: m for m in service.current_catalog(session).measures}
    subject_ids = list(dict.fromkeys(p.subject_id for p in pending if p.subject_id is not None))
    names = {v.id: show_name(v.kind, v.name) for v in views_in_order(session, subject_ids)}
    mine = [r for r in service.statistics(session) if service.sees(actor, r["organisation_id"])]
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
