"""Query pages (thin): "who looked at my file" (谁查询了我) with the subject's authorisations and their
withdrawal, and the auditor's log review (日志审查): open alerts, the latest queries, suspended tokens."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from chengxin.domains.queries import abuse, rules, service
from chengxin.domains.subjects.service import legal_today
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/me/queries", response_class=HTMLResponse)
def my_queries(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    sid = own_subject_id(actor)
    today = legal_today()
    ctx = {
        "seen": service.seen_by(session, sid),
        "authorisations": [service.authorisation_out(session, a, today=today)
                           for a in service.authorisations_of_subject(session, sid)],
        "fields_zh": service.current_rules().fields,
        "kind_zh": service.KIND_ZH,
        "status_zh": service.STATUS_ZH,
    }  # fmt: skip
    return render(request, "me_queries.html", ctx)


@pages.post("/me/authorisations/{authorisation_id}/withdraw")
def withdraw(authorisation_id: PathId, session: DB, actor: Actor = Depends(Require(P.self_read))) -> RedirectResponse:
    service.withdraw(session, actor=actor, subject_id=own_subject_id(actor), authorisation_id=authorisation_id)
    return RedirectResponse("/me/queries", status_code=303)


@pages.get("/admin/queries", response_class=HTMLResponse)
def review_page(request: Request, session: DB, actor: Actor = Depends(Require(P.queries_review))) -> HTMLResponse:
    """日志审查: the open alerts with their actions, the latest queries, the suspended tokens."""
    ctx = {
        "alerts": abuse.alerts(session, status="open"),
        "log": service.query_log(session, limit=100),
        "suspended": abuse.suspended_tokens(session),
        "rule_zh": rules.RULE_ZH,
        "kind_zh": service.KIND_ZH,
        "purpose_zh": service.current_rules().purpose_zh,
        "token_id_of": abuse.token_id_of,
    }
    return render(request, "queries_review.html", ctx)


@pages.post("/admin/queries/alerts/{alert_id}")
def alert_action(
    alert_id: PathId,
    session: DB,
    action: Annotated[Literal["dismiss", "suspend"], Form()],
    reason: Annotated[str, Form(max_length=200)] = "",
    actor: Actor = Depends(Require(P.queries_review)),
) -> RedirectResponse:
    text = reason.strip() or ("经审查无异常" if action == "dismiss" else "查询行为异常，暂停令牌")
    if action == "dismiss":
        abuse.dismiss(session, actor=actor, alert_id=alert_id, note=text)
    else:
        abuse.suspend(session, actor=actor, alert_id=alert_id, reason=text)
    return RedirectResponse("/admin/queries", status_code=303)


@pages.post("/admin/queries/tokens/{token_id}/lift")
def lift(
    token_id: PathId,
    session: DB,
    reason: Annotated[str, Form(max_length=200)] = "",
    actor: Actor = Depends(Require(P.queries_review)),
) -> RedirectResponse:
    abuse.lift(session, actor=actor, token_id=token_id, reason=reason.strip() or "解除暂停")
    return RedirectResponse("/admin/queries", status_code=303)
