"""Self-service commitment page for a logged-in subject (我的信用承诺). Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.commitments import service
from chengxin.errors import InvalidInput
from chengxin.ids import Id
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
AGREED = frozenset({"on", "yes", "true", "1"})


@pages.get("/me/commitments", response_class=HTMLResponse)
def my_commitments(
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.commitments_sign)),
    signed: Annotated[Id | None, Query()] = None,
) -> HTMLResponse:
    subject_id = service.own_subject_id(actor)
    ctx = {
        "options": service.signing_options(session, subject_id=subject_id),
        "commitments": service.list_for_subject(session, actor=actor, subject_id=subject_id),
        "signed": signed,
    }
    return render(request, "me_commitments.html", ctx)


@pages.post("/me/commitments", response_model=None)
def sign(
    request: Request,
    session: DB,
    template: Annotated[str, Form(min_length=1, max_length=40)],
    agree: Annotated[str, Form(max_length=10)] = "",
    actor: Actor = Depends(Require(P.commitments_sign)),
) -> Response:
    subject_id = service.own_subject_id(actor)
    if agree.lower() not in AGREED:
        raise InvalidInput(
            "the signer must confirm having read the commitment", code="not_agreed", message_zh="请先阅读并确认承诺内容"
        )
    made = service.sign_online(
        session, actor=actor, subject_id=subject_id, template_code=template, cipher=state(request).cipher
    )
    return RedirectResponse(f"/me/commitments?signed={made.id}", status_code=303)
