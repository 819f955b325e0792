"""Public pages of the random inspection plans (双随机、一公开). Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.inspections import service
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
OUTCOME_ZH = {"pending": "待检查", "passed": "合格", "failed": "不合格"}


@pages.get("/inspections", response_class=HTMLResponse)
def plans_page(request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    plans = service.plans(session, published_only=not actor.can(P.inspections_plan))
    return render(request, "inspections.html", {"plans": plans})


@pages.get("/inspections/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request, plan_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> HTMLResponse:
    plan = service.get_plan(session, plan_id, published_only=not actor.can(P.inspections_plan))
    ctx = {"plan": plan, "tasks": service.tasks(session, plan.id), "outcome_zh": OUTCOME_ZH}
    return render(request, "inspection_plan.html", ctx)
