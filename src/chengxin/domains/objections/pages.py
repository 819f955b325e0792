"""Objection pages (异议): the subject files and follows its own (/me/objections); the credit
centre and the deciding department work their queue (/admin/objections). Thin."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.attachments.forms import upload_form_files
from chengxin.domains.notifications import service as notifications
from chengxin.domains.objections import rules, service
from chengxin.domains.objections.models import Objection
from chengxin.domains.objections.rules import ObjectionStatus, Outcome
from chengxin.domains.objections.schemas import ObjectionOut
from chengxin.domains.records.files import get_visible
from chengxin.domains.records.schemas import RecordOut
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import DomainError, NotFound
from chengxin.ids import Id, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import form_error, render
from chengxin.workflows import objections as objection_workflow

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
Filer = Annotated[Actor, Depends(Require(P.objections_file))]
Reader = Annotated[Actor, Depends(Require(P.objections_read))]
Decider = Annotated[Actor, Depends(Require(P.objections_decide))]
OUTCOME_CHOICES = [(Outcome.corrected, "更正"), (Outcome.revoked, "撤销"), (Outcome.upheld, "维持")]
DONE_ZH = {"forwarded": "已转来源单位办理。", "decided": "已作出处理决定，已通知信用主体。"}


def reason_names() -> dict[str, str]:
    return {code: r.name_zh for code, r in rules.default_policy().reasons.items()}


def _readable(session: Session, actor: Actor, objection_id: int) -> Objection:
    obj = service.get(session, objection_id)
    if not service.may_read(actor, obj):
        raise NotFound(f"no objection with id {objection_id}", code="objection_not_found", message_zh="未找到该异议")
    return obj


def _record(session: Session, actor: Actor, record_id: int | None) -> RecordOut | None:
    """The record as this reader may see it; None when it may not (e.g. restricted, no purpose)."""
    if record_id is None:
        return None
    try:
        return get_visible(session, actor=actor, record_id=record_id)
    except NotFound:
        return None


def _detail_ctx(session: Session, actor: Actor, obj: Objection) -> dict[str, Any]:
    out = ObjectionOut.of(obj, legal_today())
    return {
        "o": out,
        "attachments": out.attachments,  # download links: GET /api/v1/attachments/{id} (the session cookie works)
        "record": _record(session, actor, obj.record_id),
        "result": _record(session, actor, obj.result_record_id),
        "reason_names": reason_names(),
    }


# --- the subject's own pages -----------------------------------------------------------------


@pages.get("/me/objections", response_class=HTMLResponse)
def my_objections(request: Request, session: DB, actor: Reader) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    today = legal_today()
    rows = [ObjectionOut.of(o, today) for o in service.queue(session, actor=actor, include_decided=True)]
    return render(
        request,
        "objections_mine.html",
        {"rows": rows, "reason_names": reason_names(), "subject_id": subject_id,
         "unread": notifications.unread_count(session, subject_id)},
    )  # fmt: skip


def _new_form(
    request: Request, session: DB, actor: Actor, record_id: int, *, form: dict[str, str], error: Any, status: int = 200
) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    return render(
        request,
        "objection_new.html",
        {"record": _record(session, actor, record_id), "record_id": record_id,
         "reasons": list(rules.default_policy().reasons.values()), "form": form, "error": error,
         "unread": notifications.unread_count(session, subject_id)},
        status_code=status,
    )  # fmt: skip


@pages.get("/me/objections/new", response_class=HTMLResponse)
def new_objection(request: Request, session: DB, actor: Filer, record_id: Annotated[Id, Query()]) -> HTMLResponse:
    own_subject_id(actor)
    return _new_form(request, session, actor, record_id, form={}, error=None)


@pages.post("/me/objections", response_model=None)
def file_objection(
    request: Request,
    session: DB,
    actor: Filer,
    record_id: Annotated[Id, Form()],
    reason_kind: Annotated[str, Form(max_length=40)],
    reasons: Annotated[str, Form(max_length=4000)] = "",
    requested: Annotated[str, Form(max_length=4000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    subject_id = own_subject_id(actor)
    try:
        ids = upload_form_files(request, session, actor=actor, subject_id=subject_id, files=files)
        filing = service.Filing(record_id=record_id, reason_kind=reason_kind, reasons=reasons,
                                requested=requested.strip() or None, attachment_ids=ids)  # fmt: skip
        obj = service.file_objection(session, actor=actor, filing=filing)
    except DomainError as err:
        session.rollback()
        form = {"reason_kind": reason_kind, "reasons": reasons, "requested": requested}
        return _new_form(request, session, actor, record_id, form=form, error=form_error(err), status=err.status)
    return RedirectResponse(f"/me/objections/{obj.id}", status_code=303)


@pages.get("/me/objections/{objection_id}", response_class=HTMLResponse)
def my_objection(objection_id: PathId, request: Request, session: DB, actor: Reader) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    obj = _readable(session, actor, objection_id)
    ctx = _detail_ctx(session, actor, obj) | {"unread": notifications.unread_count(session, subject_id)}
    return render(request, "objection_detail.html", ctx)


# --- the deciding organisations' queue --------------------------------------------------------


@pages.get("/admin/objections", response_class=HTMLResponse)
def queue(request: Request, session: DB, actor: Decider, status: Literal["open", "all"] = "open") -> HTMLResponse:
    today = legal_today()
    rows = [ObjectionOut.of(o, today) for o in service.queue(session, actor=actor, include_decided=status == "all")]
    return render(request, "objections_admin.html", {"rows": rows, "status": status, "reason_names": reason_names()})


def _admin_detail(
    request: Request, session: Session, actor: Actor, objection_id: int, *, done: str | None = None,
    error: Any = None, form: dict[str, Any] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    obj = _readable(session, actor, objection_id)
    may_decide, _ = rules.may_decide(status=obj.status, role=str(actor.role), organisation_id=actor.organisation_id,
                                     source_org_id=obj.source_org_id)  # fmt: skip
    ctx = _detail_ctx(session, actor, obj) | {
        "may_forward": str(actor.role) == "credit_centre" and obj.status == ObjectionStatus.filed,
        "may_decide": may_decide,
        "outcomes": OUTCOME_CHOICES,
        "done": DONE_ZH.get(done or ""),
        "error": error,
        "form": form or {},
    }
    return render(request, "objection_admin.html", ctx, status_code=status)


@pages.get("/admin/objections/{objection_id}", response_class=HTMLResponse)
def detail(
    objection_id: PathId, request: Request, session: DB, actor: Decider,
    done: str | None = Query(None, max_length=20),
) -> HTMLResponse:  # fmt: skip
    return _admin_detail(request, session, actor, objection_id, done=done)


@pages.post("/admin/objections/{objection_id}/forward", response_model=None)
def forward(objection_id: PathId, session: DB, actor: Decider) -> Response:
    _readable(session, actor, objection_id)
    service.forward(session, actor=actor, objection_id=objection_id)
    return RedirectResponse(f"/admin/objections/{objection_id}?done=forwarded", status_code=303)


def correction_of(
    *, penalty_content: str, fine_wan: str, decided_on: str, keys: list[str], values: list[str]
) -> dict[str, Any]:
    """The correction the form describes: the simple fields and the key/value rows (blank ones skipped)."""
    payload = {k.strip(): v.strip() for k, v in zip(keys, values, strict=False) if k.strip() and v.strip()}
    for key, value in (("penalty_content", penalty_content), ("fine_wan", fine_wan)):
        if value.strip():
            payload[key] = value.strip()
    out: dict[str, Any] = {"payload": payload} if payload else {}
    if decided_on.strip():
        out["decided_on"] = decided_on.strip()
    return out


@pages.post("/admin/objections/{objection_id}/decision", response_model=None)
def decide(
    objection_id: PathId,
    request: Request,
    session: DB,
    actor: Decider,
    outcome: Annotated[Outcome, Form()],
    reasons: Annotated[str, Form(max_length=4000)] = "",
    penalty_content: Annotated[str, Form(max_length=2000)] = "",
    fine_wan: Annotated[str, Form(max_length=40)] = "",
    decided_on: Annotated[str, Form(max_length=10)] = "",
    payload_key: Annotated[list[str] | None, Form()] = None,
    payload_value: Annotated[list[str] | None, Form()] = None,
) -> Response:
    _readable(session, actor, objection_id)
    correction = correction_of(penalty_content=penalty_content, fine_wan=fine_wan, decided_on=decided_on,
                               keys=payload_key or [], values=payload_value or [])  # fmt: skip
    decision = service.Decision(outcome=outcome, reasons=reasons,
                                correction=correction if outcome is Outcome.corrected else None)  # fmt: skip
    try:
        objection_workflow.decide(
            session, actor=actor, objection_id=objection_id, decision=decision, cipher=state(request).cipher
        )
    except DomainError as err:
        session.rollback()
        form = {"outcome": str(outcome), "reasons": reasons, "penalty_content": penalty_content,
                "fine_wan": fine_wan, "decided_on": decided_on}  # fmt: skip
        return _admin_detail(request, session, actor, objection_id, error=form_error(err), form=form,
                             status=err.status)  # fmt: skip
    return RedirectResponse(f"/admin/objections/{objection_id}?done=decided", status_code=303)
