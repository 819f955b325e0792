"""Public pages of the platform and logistics assessments (信用状况评估公告). Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.assessments import rules, service
from chengxin.domains.assessments.schemas import PERIOD
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/assessments", response_class=HTMLResponse)
def bulletins_page(request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    found = service.periods(session, published_only=not actor.can(P.assessments_run))
    return render(request, "assessments.html", {"periods": found})


@pages.get("/assessments/{period}", response_class=HTMLResponse)
def bulletin_page(
    request: Request,
    period: Annotated[str, Path(pattern=PERIOD)],
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
) -> HTMLResponse:
    rows = service.bulletin(session, period, published_only=not actor.can(P.assessments_run))
    policy = service.current_rules()
    by_kind = {kind: [(a, s) for a, s in rows if a.kind == kind] for kind in rules.KINDS}
    labels = {kind: {g: label for g, label, _ in m.grades} for kind, m in policy.models.items()}
    ctx = {"period": period.upper(), "by_kind": by_kind, "kind_zh": service.KIND_ZH, "labels": labels,
           "models": policy.models, "draft": any(a.published_at is None for a, _ in rows)}  # fmt: skip
    return render(request, "assessment_bulletin.html", ctx)
