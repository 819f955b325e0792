"""Credit repair pages (信用修复): the subject sees which records it may repair and from when,
applies and follows its applications (/me/repairs); the deciding organisation reviews them
(/admin/repairs). Thin."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.attachments import service as attachments
from chengxin.domains.attachments.forms import upload_form_files
from chengxin.domains.attachments.models import Attachment
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.commitments import service as commitments
from chengxin.domains.notifications import service as notifications
from chengxin.domains.records.files import get_visible
from chengxin.domains.records.schemas import RecordOut
from chengxin.domains.repair import rules, service
from chengxin.domains.repair.models import RepairApplication
from chengxin.domains.repair.schemas import ApplicationOut, EligibilityOut
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import DomainError, NotFound
from chengxin.ids import Id, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import form_error, render
from chengxin.workflows import repair as repair_workflow

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
Applicant = Annotated[Actor, Depends(Require(P.repair_apply))]
Reader = Annotated[Actor, Depends(Require(P.repair_read))]
Reviewer = Annotated[Actor, Depends(Require(P.repair_decide))]
DONE_ZH = {
    "approved": "已同意修复：该记录即时停止公示，已通知信用主体。",
    "rejected": "已作出不予修复的决定，已通知信用主体。",
}


def _readable(session: Session, actor: Actor, application_id: int) -> RepairApplication:
    app = service.get(session, application_id)
    if not service.may_read(actor, app):
        raise NotFound(f"no repair application with id {application_id}", code="repair_not_found",
                       message_zh="未找到该修复申请")  # fmt: skip
    return app


def _record(session: Session, actor: Actor, record_id: int) -> RecordOut | None:
    try:
        return get_visible(session, actor=actor, record_id=record_id)
    except NotFound:
        return None


def _attachments(session: Session, app: RepairApplication) -> list[Attachment]:
    """The files filed with the application (download links: GET /api/v1/attachments/{id}, cookie session)."""
    return attachments.linked(session, object_type="repair_application", object_id=app.id)


def _type_names(session: Session) -> dict[str, str]:
    return {code: t.name for code, t in catalog_service.active_catalog(session).types.items()}


def _commitment_signed(session: Session, subject_id: int) -> bool:
    template = rules.default_policy().commitment_template
    return commitments.active_commitment(session, subject_id=subject_id, template_code=template) is not None


# --- the subject's own pages -----------------------------------------------------------------


@pages.get("/me/repairs", response_class=HTMLResponse)
def my_repairs(request: Request, session: DB, actor: Applicant) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    today = legal_today()
    apps = [ApplicationOut.of(a, today) for a in service.queue(session, actor=actor, include_decided=True)]
    ctx = {
        "records": [EligibilityOut.of(rec, e) for rec, e in service.check(session, actor=actor, subject_id=subject_id)],
        "open_by_record": {a.record_id: a.id for a in apps if a.status == rules.RepairStatus.submitted},
        "applications": apps,
        "type_names": _type_names(session),
        "commitment_signed": _commitment_signed(session, subject_id),
        "commitment_template": rules.default_policy().commitment_template,
        "unread": notifications.unread_count(session, subject_id),
    }
    return render(request, "repairs_mine.html", ctx)


def _new_form(
    request: Request, session: Session, actor: Actor, record_id: int, *, form: dict[str, Any], error: Any,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    subject_id = own_subject_id(actor)
    found = [EligibilityOut.of(rec, e) for rec, e in service.check(session, actor=actor, subject_id=subject_id)
             if rec.id == record_id]  # fmt: skip
    elig = found[0] if found else None
    required = {e["kind"] for e in elig.evidence_required} if elig else set()
    ctx = {
        "record_id": record_id,
        "record": _record(session, actor, record_id),
        "elig": elig,
        "evidence_kinds": [(k, name, k in required) for k, name in rules.default_policy().evidence.items()],
        "commitment_signed": _commitment_signed(session, subject_id),
        "form": form,
        "error": error,
        "unread": notifications.unread_count(session, subject_id),
    }
    return render(request, "repair_new.html", ctx, status_code=status)


@pages.get("/me/repairs/new", response_class=HTMLResponse)
def new_repair(request: Request, session: DB, actor: Applicant, record_id: Annotated[Id, Query()]) -> HTMLResponse:
    return _new_form(request, session, actor, record_id, form={}, error=None)


@pages.post("/me/repairs", response_model=None)
def apply(
    request: Request,
    session: DB,
    actor: Applicant,
    record_id: Annotated[Id, Form()],
    statement: Annotated[str, Form(max_length=4000)] = "",
    evidence_kind: Annotated[list[str] | None, Form()] = None,
    evidence_description: Annotated[list[str] | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    subject_id = own_subject_id(actor)
    pairs = zip(evidence_kind or [], evidence_description or [], strict=False)
    evidence = tuple((k.strip(), d.strip()) for k, d in pairs if k.strip() and d.strip())
    try:
        ids = upload_form_files(request, session, actor=actor, subject_id=subject_id, files=files)
        application = service.Application(record_id, statement, evidence, ids)
        app = service.apply(session, actor=actor, application=application)
    except DomainError as err:
        session.rollback()
        form = {"statement": statement, "evidence": dict(evidence)}
        return _new_form(request, session, actor, record_id, form=form, error=form_error(err), status=err.status)
    return RedirectResponse(f"/me/repairs/{app.id}", status_code=303)


@pages.get("/me/repairs/{application_id}", response_class=HTMLResponse)
def my_repair(application_id: PathId, request: Request, session: DB, actor: Reader) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    app = _readable(session, actor, application_id)
    ctx = {
        "a": ApplicationOut.of(app, legal_today()),
        "record": _record(session, actor, app.record_id),
        "attachments": _attachments(session, app),
        "evidence_names": rules.default_policy().evidence,
        "type_names": _type_names(session),
        "unread": notifications.unread_count(session, subject_id),
    }
    return render(request, "repair_detail.html", ctx)


# --- the deciding organisations' queue --------------------------------------------------------


@pages.get("/admin/repairs", response_class=HTMLResponse)
def queue(request: Request, session: DB, actor: Reviewer, status: Literal["open", "all"] = "open") -> HTMLResponse:
    today = legal_today()
    rows = [ApplicationOut.of(a, today) for a in service.queue(session, actor=actor, include_decided=status == "all")]
    return render(request, "repairs_admin.html", {"rows": rows, "status": status, "type_names": _type_names(session)})


def _may_decide(actor: Actor, app: RepairApplication) -> bool:
    """Whether the form to decide is offered (the service checks again when it is sent)."""
    return rules.may_decide(
        status=app.status,
        decider=app.decider,
        role=str(actor.role),
        organisation_id=actor.organisation_id,
        decider_org_id=app.decider_org_id,
    )[0]


def _admin_detail(
    request: Request, session: Session, actor: Actor, application_id: int, *, done: str | None = None,
    error: Any = None, form: dict[str, str] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    app = _readable(session, actor, application_id)
    ctx = {
        "a": ApplicationOut.of(app, legal_today()),
        "record": _record(session, actor, app.record_id),
        "attachments": _attachments(session, app),
        "evidence_names": rules.default_policy().evidence,
        "type_names": _type_names(session),
        "may_decide": _may_decide(actor, app),
        "done": DONE_ZH.get(done or ""),
        "error": error,
        "form": form or {},
    }
    return render(request, "repair_admin.html", ctx, status_code=status)


@pages.get("/admin/repairs/{application_id}", response_class=HTMLResponse)
def detail(
    application_id: PathId, request: Request, session: DB, actor: Reviewer,
    done: str | None = Query(None, max_length=20),
) -> HTMLResponse:  # fmt: skip
    return _admin_detail(request, session, actor, application_id, done=done)


@pages.post("/admin/repairs/{application_id}/decision", response_model=None)
def decide(
    application_id: PathId,
    request: Request,
    session: DB,
    actor: Reviewer,
    decision: Annotated[Literal["approve", "reject"], Form()],
    reasons: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _readable(session, actor, application_id)
    try:
        app = repair_workflow.decide(
            session, actor=actor, application_id=application_id, approve=decision == "approve", reasons=reasons
        )
    except DomainError as err:
        session.rollback()
        return _admin_detail(request, session, actor, application_id, error=form_error(err),
                             form={"decision": decision, "reasons": reasons}, status=err.status)  # fmt: skip
    return RedirectResponse(f"/admin/repairs/{application_id}?done={app.status}", status_code=303)
