"""Credit report JSON API (thin): make a report, download it (PDF or HTML), verify a file or a number,
the public key that signs reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.domains.queries import service as query_service
from chengxin.domains.reports import service
from chengxin.domains.reports.schemas import PublicKeyOut, ReportIn, ReportOut, VerificationOut, VerifyNumberIn
from chengxin.errors import InvalidInput, PayloadTooLarge
from chengxin.security.actor import Actor
from chengxin.security.http import Require, read_session_dep, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1", tags=["reports"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
ReadDB = Annotated[Session, Depends(read_session_dep, scope="function")]


@router.post("/reports", response_model=ReportOut, status_code=201)
def make_report(
    data: ReportIn, request: Request, response: Response, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> ReportOut:
    """Make a credit report (信用报告) of one subject: ``public`` (anyone; an anonymous or public caller at most
    ``CHENGXIN_PUBLIC_REPORT_RATE`` a minute, then 429 with ``Retry-After``), ``self`` (the subject itself, or
    the credit centre for it), ``third_party`` (``reports:issue`` or ``queries:run``: an authorised query — a
    purpose code and, for a natural person, ``authorisation_id`` or a department's ``legal_basis``; 403 with
    the reason otherwise; registered in the query register). Signed, registered; returns its number and links."""
    st = state(request)
    client = request.client.host if request.client else None
    if str(actor.role) == "public":
        window = query_service.limiter(request.app.state, "public_report_limiter", st.settings.public_report_rate)
        query_service.throttle(window, query_service.account_of(actor, client), what="credit reports",
                               what_zh="出具信用报告")  # fmt: skip
    issued = service.issue(
        session, actor=actor, settings=st.settings, cipher=st.cipher, kind=data.kind, subject_id=data.subject_id,
        code=data.code, purpose=data.purpose, authorisation_id=data.authorisation_id, legal_basis=data.legal_basis,
        fields=data.fields, client=client,
    )  # fmt: skip
    out = service.out(issued.report)
    response.headers["Location"] = out.links.pdf
    return out


@router.get("/reports/public-key", response_model=PublicKeyOut)
def public_key(request: Request, session: ReadDB, actor: Actor = Depends(Require(P.public_read))) -> PublicKeyOut:
    """The Ed25519 public key that signs reports (and earlier keys whose reports still verify)."""
    return service.public_key(session, state(request).settings)


@router.post("/reports/verify", response_model=VerificationOut)
async def verify(request: Request, session: ReadDB, actor: Actor = Depends(Require(P.public_read))) -> VerificationOut:
    """Verify a report file: send it as the body (``Content-Type: application/pdf``) or as the multipart field
    ``file``; or send JSON ``{"number": "…"}`` to ask the registry about a number. ``valid`` is false with every
    failed check named in ``problems`` (signature, unknown number, hash not registered, expired …)."""
    limit = state(request).settings.attachment_max_bytes
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            number = VerifyNumberIn.model_validate_json(await request.body()).number
        except ValidationError as exc:
            raise InvalidInput('send {"number": "…"}: a report number', code="invalid_request") from exc
        return await run_in_threadpool(service.verify_number, session, number)
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("send the report as the multipart field 'file'", code="report_file_missing",
                               message_zh="请上传信用报告PDF文件")  # fmt: skip
        data = await upload.read(limit + 1)
    else:
        data = await request.body()
    if not data:
        raise InvalidInput(
            "the request carries no file", code="report_file_missing", message_zh="请上传信用报告PDF文件"
        )
    if len(data) > limit:
        raise PayloadTooLarge(f"a report file is at most {limit} bytes", code="report_file_too_large")
    return await run_in_threadpool(service.verify_file, session, data)


@router.get("/reports/{number}.pdf", response_class=Response)
def report_pdf(number: str, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))) -> Response:
    """The issued report's signed PDF, as delivered (public reports: anyone with the number; others: the
    subject its own, the requester, the credit centre)."""
    body = service.document(session, actor=actor, cipher=state(request).cipher, number=number, fmt="pdf")
    assert isinstance(body, bytes)
    headers = {"Content-Disposition": f'attachment; filename="credit-report-{number.upper()}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/reports/{number}.html", response_class=HTMLResponse)
def report_html(
    number: str, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> HTMLResponse:
    """The issued report as HTML, from the same content as its PDF."""
    body = service.document(session, actor=actor, cipher=state(request).cipher, number=number, fmt="html")
    return HTMLResponse(str(body))
