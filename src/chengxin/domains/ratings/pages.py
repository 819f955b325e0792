"""A merchant's public credit page (店铺信用): points, level, positive rate, store ratings, reviews. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.ratings import rules, service
from chengxin.domains.subjects.service import legal_today
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
DSR_ZH = {"dsr_description": "描述相符", "dsr_service": "服务态度", "dsr_logistics": "物流服务"}


@pages.get("/merchants/{account_id}", response_class=HTMLResponse)
def merchant(
    account_id: str, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> HTMLResponse:
    account = service.merchant_account(session, actor, account_id)
    reveal = service.shows_raters(session, actor, account)
    m = service.merchant_credit(session, account, day=legal_today(), policy=rules.load_rules(), reveal=reveal)
    subject, shown = None, []
    if account.subject_id is not None:
        from chengxin.domains.lists.warnings import active_for
        from chengxin.domains.subjects.service import view_by_id

        subject = view_by_id(session, account.subject_id)
        shown = active_for(session, account.subject_id)
    return render(request, "merchant.html", {"m": m, "subject": subject, "dsr_zh": DSR_ZH, "warnings": shown})
