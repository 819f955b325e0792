"""The subject's notifications page (通知): newest first; the unread ones are marked read as
they are shown. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.notifications import service
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/me/notifications", response_class=HTMLResponse)
def my_notifications(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    subject_id = own_subject_id(actor)
    rows = service.for_subject(session, subject_id)
    newly_read = {n.id for n in rows if n.read_at is None}
    for notification_id in newly_read:
        service.mark_read(session, subject_id=subject_id, notification_id=notification_id)
    ctx = {"rows": rows, "newly_read": newly_read, "unread": service.unread_count(session, subject_id)}
    return render(request, "notifications.html", ctx)
