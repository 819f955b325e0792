"""Detection review pages (监测线索复核): the review queue and a case with its evidence graph, where a
reviewer confirms or dismisses it. Thin."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.detection import decisions, graph, rules, service
from chengxin.domains.detection.schemas import CaseOut, FindingOut
from chengxin.errors import DomainError
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import form_error, render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
Reader = Annotated[Actor, Depends(Require(P.detection_read))]
Reviewer = Annotated[Actor, Depends(Require(P.detection_review))]
DONE_ZH = {"confirmed": "已确认：信用记录已写入相关主体的信用档案，信用评价已更新。",
           "dismissed": "已排除：该案件中的对象不再因同一线索进入复核队列。"}  # fmt: skip
SEVERITY_ZH = [("", "按目录默认"), ("minor", "轻微"), ("general", "一般"), ("serious", "严重")]


@pages.get("/admin/detection", response_class=HTMLResponse)
def queue(
    request: Request, session: DB, actor: Reader,
    detector: Annotated[str, Query(max_length=20)] = "",
    status: Literal["pending", "confirmed", "dismissed", "all"] = "pending",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:  # fmt: skip
    detector = detector if detector in rules.DETECTORS else ""
    total, cases = service.list_cases(session, detector=detector or None, status=None if status == "all" else status,
                                      page=page)  # fmt: skip
    pages_n = max(1, -(-total // service.PER_PAGE))
    return render(request, "detection_queue.html", {
        "rows": [CaseOut.of(c) for c in cases], "total": total, "page": page, "pages": pages_n, "status": status,
        "detector": detector, "detectors": rules.DETECTOR_ZH,
    })  # fmt: skip


def _detail(
    request: Request, session: Session, actor: Actor, case_id: int, *, done: str | None = None, error: Any = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    case = service.get_case(session, case_id)
    findings = service.case_findings(session, case.id)
    g = graph.build(findings)
    placed, lines = graph.layout(g)
    ctx = {
        "c": CaseOut.of(case),
        "findings": [FindingOut.of(f) for f in findings],
        "graph": g,
        "placed": placed,
        "lines": lines,
        "entity_zh": rules.ENTITY_ZH,
        "done": DONE_ZH.get(done or ""),
        "error": error,
        "form": form or {},
        "severities": SEVERITY_ZH,
        "may_review": actor.can(P.detection_review) and case.status == rules.CaseStatus.pending,
        "adjacent": {n.id: [e for e in g.edges if e.source == n.id] for n in g.nodes},
        "evidence_text": {f.finding_id: json.dumps(f.evidence, ensure_ascii=False, indent=1) for f in findings},
    }
    return render(request, "detection_case.html", ctx, status_code=status)


@pages.get("/admin/detection/{case_id}", response_class=HTMLResponse)
def detail(
    case_id: PathId, request: Request, session: DB, actor: Reader, done: str | None = Query(None, max_length=20)
) -> HTMLResponse:
    return _detail(request, session, actor, case_id, done=done)


@pages.post("/admin/detection/{case_id}/confirm", response_model=None)
def confirm(
    case_id: PathId, request: Request, session: DB, actor: Reviewer,
    reason: Annotated[str, Form(max_length=4000)] = "",
    severity: Annotated[Literal["", "minor", "general", "serious"], Form()] = "",
) -> Response:  # fmt: skip
    try:
        decisions.confirm(session, actor=actor, case_id=case_id, reason=reason, severity=severity or None,
                          cipher=state(request).cipher)  # fmt: skip
    except DomainError as err:
        session.rollback()
        return _detail(request, session, actor, case_id, error=form_error(err), status=err.status,
                       form={"reason": reason, "severity": severity})  # fmt: skip
    return RedirectResponse(f"/admin/detection/{case_id}?done=confirmed", status_code=303)


@pages.post("/admin/detection/{case_id}/dismiss", response_model=None)
def dismiss(
    case_id: PathId, request: Request, session: DB, actor: Reviewer,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:  # fmt: skip
    try:
        service.dismiss(session, actor=actor, case_id=case_id, reason=reason)
    except DomainError as err:
        session.rollback()
        return _detail(request, session, actor, case_id, error=form_error(err), status=err.status,
                       form={"dismiss_reason": reason})  # fmt: skip
    return RedirectResponse(f"/admin/detection/{case_id}?done=dismissed", status_code=303)
