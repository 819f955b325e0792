"""Evaluation pages (信用评价): the subject's own evaluation and an authorised reader's view. Thin."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.evaluation import service
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/me/evaluation", response_class=HTMLResponse)
def my_evaluation(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    ev = service.evaluation_out(session, actor, own_subject_id(actor))
    return render(request, "evaluation.html", {"ev": ev, "own": True})


@pages.get("/subjects/{subject_id}/evaluation", response_class=HTMLResponse)
def subject_evaluation(
    request: Request, subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.evaluations_read))
) -> HTMLResponse:
    ev = service.evaluation_out(session, actor, subject_id)
    return render(request, "evaluation.html", {"ev": ev, "own": False})


@pages.get("/admin/evaluation", response_class=HTMLResponse)
def backtest_page(
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.evaluations_read)),
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """评价回测: the grade distribution now and the migration between two dates."""
    from chengxin.domains.evaluation import backtest as bt
    from chengxin.domains.subjects.service import legal_today

    end = end or legal_today()
    start = start or end - timedelta(days=30)
    result = bt.migration(bt.grades_on(session, start), bt.grades_on(session, end), labels=(str(start), str(end)))
    return render(request, "evaluation_backtest.html", {"m": result, "start": start, "end": end})
