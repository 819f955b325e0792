"""Credit report pages (thin): the verification page (报告核验: enter a number or upload the PDF; the QR
code's target) and the subject's own report (下载我的信用报告)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from chengxin.domains.reports import service
from chengxin.errors import PayloadTooLarge
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/reports/verify", response_class=HTMLResponse)
def verify_form(request: Request, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    return render(request, "report_verify.html", {"result": None, "number": ""})


@pages.get("/reports/verify/{number}", response_class=HTMLResponse)
def verify_number(
    number: str, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> HTMLResponse:
    """The QR code's link: what the registry says of this number, and a form to check the file itself."""
    result = service.verify_number(session, number[:40])
    return render(request, "report_verify.html", {"result": result, "number": number[:40], "by": "number"})


@pages.post("/reports/verify", response_class=HTMLResponse)
async def verify_upload(
    request: Request,
    session: DB,
    file: Annotated[UploadFile | None, File()] = None,
    number: Annotated[str, Form(max_length=40)] = "",
    actor: Actor = Depends(Require(P.public_read)),
) -> HTMLResponse:
    limit = state(request).settings.attachment_max_bytes
    data = await file.read(limit + 1) if file is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(f"a report file is at most {limit} bytes", code="report_file_too_large")
    if data:
        result, by = service.verify_file(session, data), "file"
    else:
        result, by = service.verify_number(session, number), "number"
    return render(
        request, "report_verify.html", {"result": result, "number": number or (result.number or ""), "by": by}
    )


@pages.get("/me/report", response_class=HTMLResponse)
def my_reports(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    return render(request, "report_mine.html", {"reports": service.for_subject(session, subject_id, kind="self")})


@pages.post("/me/report")
def make_my_report(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> RedirectResponse:
    """下载我的信用报告: the subject's own full report, signed and registered; the browser downloads the PDF."""
    st = state(request)
    issued = service.issue(session, actor=actor, settings=st.settings, cipher=st.cipher, kind="self",
                           subject_id=own_subject_id(actor))  # fmt: skip
    return RedirectResponse(service.out(issued.report).links.pdf, status_code=303)
