"""Public subject pages (Chinese first): search and public profile. Thin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.commitments import service as commitment_service
from chengxin.domains.lists.warnings import active_for as active_warnings
from chengxin.domains.objections import rules as objection_rules
from chengxin.domains.objections import service as objection_service
from chengxin.domains.objections.schemas import ObjectionOut
from chengxin.domains.ratings import rules as rating_rules
from chengxin.domains.ratings import service as rating_service
from chengxin.domains.records.files import credit_file
from chengxin.domains.subjects import service
from chengxin.domains.subjects.schemas import SearchResult
from chengxin.ids import PathId
from chengxin.security import masking
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    return render(request, "index.html", {"q": None})


@pages.get("/search", response_class=HTMLResponse)
def search(
    request: Request, session: DB, actor: Actor = Depends(Require(P.public_read)), q: str = Query("", max_length=100)
) -> HTMLResponse:
    st = state(request)
    result = (
        service.search(session, actor=actor, query=q, cipher=st.cipher)
        if q.strip()
        else SearchResult(query=masking.echo_query(q, role=actor.role), matched_by="none", results=[])
    )
    ctx = {"q": result.query, "results": result.results, "matched_by": result.matched_by}
    name = "_results.html" if request.headers.get("hx-request") else "index.html"
    return render(request, name, ctx)


@pages.get("/subjects/{subject_id}", response_class=HTMLResponse)
def profile(
    subject_id: PathId, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> HTMLResponse:
    st = state(request)
    subject = service.view_by_id(session, subject_id)
    file = credit_file(session, actor=actor, subject_id=subject.id, cipher=st.cipher)
    commitments = commitment_service.list_for_subject(session, actor=actor, subject_id=subject.id)
    ctx: dict[str, Any] = {"s": file.subject, "file": file, "commitments": commitments}
    ctx["shops"] = rating_service.shops_of_subject(session, subject.id, rating_rules.load_rules())
    ctx["warnings"] = active_warnings(session, subject.id)
    if file.view == "self":
        # The subject's own file: which records it may object to, which are under objection (异议处理中)
        # and which are the result of a decided objection.
        mine = objection_service.queue(session, actor=actor, include_decided=True)
        objections = [ObjectionOut.of(o, file.as_of) for o in mine]
        open_by_key = {o.record_key: o.id for o in objections if o.decided_on is None}
        records = [r for g in file.groups for r in g.records]
        ctx["open_objections"] = open_by_key
        ctx["decided_objections"] = {o.result_record_id or o.record_id: o for o in objections if o.decided_on}
        ctx["objectable"] = {
            r.id
            for r in records
            if objection_rules.may_object(
                is_current=r.is_current, record_status=r.status, open_objection=r.record_key in open_by_key
            )
        }
    return render(request, "subject.html", ctx)
