"""Catalog admin pages (信用信息目录管理): list the record types; edit one (a new version). Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.catalog import service
from chengxin.domains.catalog.rules import CATEGORY_ZH, DISCLOSURE_ZH, Disclosure
from chengxin.errors import InvalidInput, NotFound
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]

LABELS = {
    "category_zh": CATEGORY_ZH,
    "disclosure_zh": {str(k): v for k, v in DISCLOSURE_ZH.items()},
    "polarity_zh": {"positive": "守信（正面）", "negative": "失信（负面）", "basic": "基础信息"},
    "publicity_zh": {
        "dishonesty": "按失信等级与决定日期",
        "validity": "至有效期届满",
        "fixed": "固定期限",
        "permanent": "长期",
    },
}


@pages.get("/admin/catalog", response_class=HTMLResponse)
def catalog_page(request: Request, session: DB, actor: Actor = Depends(Require(P.catalog_manage))) -> HTMLResponse:
    cat = service.active_catalog(session)
    return render(request, "catalog.html", {"cat": cat, "versions": service.history(session)[:20], **LABELS})


@pages.get("/admin/catalog/{code}", response_class=HTMLResponse)
def type_form(
    code: str, request: Request, session: DB, actor: Actor = Depends(Require(P.catalog_manage))
) -> HTMLResponse:
    rtype = service.active_catalog(session).get(code)
    if rtype is None:
        raise NotFound(
            f"record type {code!r} is not in the catalog",
            code="record_type_not_found",
            message_zh="目录中没有该记录类型",
        )
    return render(request, "catalog_type.html", {"t": rtype.to_dict(), **LABELS})


@pages.post("/admin/catalog/{code}", response_model=None)
def save_type(
    code: str,
    request: Request,
    session: DB,
    name: Annotated[str, Form(max_length=100)],
    disclosure: Annotated[str, Form()],
    legal_basis: Annotated[str, Form(max_length=1000)] = "",
    publicity_months: Annotated[str, Form(max_length=4)] = "",
    note: Annotated[str, Form(max_length=300)] = "",
    scoring: Annotated[str | None, Form()] = None,
    active: Annotated[str | None, Form()] = None,
    actor: Actor = Depends(Require(P.catalog_manage)),
) -> Response:
    """The form edits the fields an operator changes most; the API edits every field."""
    current = service.active_catalog(session).get(code)
    if current is None:
        raise NotFound(
            f"record type {code!r} is not in the catalog",
            code="record_type_not_found",
            message_zh="目录中没有该记录类型",
        )
    if disclosure not in {str(d) for d in Disclosure}:
        raise InvalidInput(f"unknown disclosure {disclosure!r}", code="invalid_record_type")
    raw = current.to_dict()
    raw.update(
        name=name.strip(),
        disclosure=disclosure,
        legal_basis=legal_basis.strip(),
        scoring=scoring is not None,
        active=active is not None,
    )
    if raw["publicity"] == "fixed":
        if not publicity_months.strip().isdigit():
            raise InvalidInput(
                "publicity months must be a whole number", code="invalid_record_type", message_zh="公示月数须为整数"
            )
        raw["publicity_months"] = int(publicity_months)
    service.put_type(session, actor, code, raw, note=note.strip())
    return RedirectResponse("/admin/catalog", status_code=303)
