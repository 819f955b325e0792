"""The unmatched queue page (待匹配队列) for the credit centre: list, link, register, dismiss. Thin."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.reconciliation import service
from chengxin.domains.reconciliation.schemas import STATUS_ZH, present
from chengxin.ids import Id, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render
from chengxin.text import CleanText

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
Reconciler = Annotated[Actor, Depends(Require(P.records_reconcile))]
PAGE_SIZE = 50


def _back(done: str) -> RedirectResponse:
    return RedirectResponse("/admin/unmatched?" + urlencode({"done": done}), status_code=303)


@pages.get("/admin/unmatched", response_class=HTMLResponse)
def queue(
    request: Request,
    session: DB,
    actor: Reconciler,
    status: Literal["open", "resolved", "dismissed", "all"] = "open",
    source_org_id: Id | None = None,
    type: CleanText | None = Query(None, max_length=40),
    page: int = Query(1, ge=1, le=100_000),
    done: str | None = Query(None, max_length=40),
) -> HTMLResponse:
    result = service.list_unmatched(
        session,
        status=None if status == "all" else status,
        source_org_id=source_org_id,
        type_code=type or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    catalog = catalog_service.active_catalog(session)
    rows = [present(u, source=result.sources.get(u.source_org_id)) for u in result.items]
    return render(
        request,
        "unmatched.html",
        {
            "rows": rows,
            "total": result.total,
            "page": page,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "status": status,
            "type": type or "",
            "source_org_id": source_org_id,
            "type_names": {code: t.name for code, t in catalog.types.items()},
            "status_zh": STATUS_ZH,
            "done": done,
        },
    )


@pages.post("/admin/unmatched/{unmatched_id}/resolve", response_model=None)
def resolve(
    unmatched_id: PathId,
    request: Request,
    session: DB,
    subject_id: Annotated[Id, Form()],
    actor: Reconciler,
) -> RedirectResponse:
    service.resolve(
        session, actor=actor, unmatched_id=unmatched_id, subject_id=subject_id, cipher=state(request).cipher
    )
    return _back("resolved")


@pages.post("/admin/unmatched/{unmatched_id}/register", response_model=None)
def register(unmatched_id: PathId, request: Request, session: DB, actor: Reconciler) -> RedirectResponse:
    service.register_and_resolve(session, actor=actor, unmatched_id=unmatched_id, cipher=state(request).cipher)
    return _back("registered")


@pages.post("/admin/unmatched/{unmatched_id}/dismiss", response_model=None)
def dismiss(
    unmatched_id: PathId,
    session: DB,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    actor: Reconciler,
) -> RedirectResponse:
    service.dismiss(session, actor=actor, unmatched_id=unmatched_id, reason=reason)
    return _back("dismissed")
