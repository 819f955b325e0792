"""Evaluation pages (信用评价): the subject's own evaluation and an authorised reader's view. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
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
