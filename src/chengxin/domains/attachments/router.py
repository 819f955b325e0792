"""Attachment JSON API (thin): upload a file for a subject, read one back."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chengxin.domains.attachments import service
from chengxin.domains.attachments.storage import make_store
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.workflows.materials import read_attachment

router = APIRouter(prefix="/api/v1", tags=["attachments"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


class AttachmentOut(BaseModel):
    id: int
    subject_id: int
    name: str
    content_type: str
    size: int
    sha256: str


@router.post("/subjects/{subject_id}/attachments", status_code=201, response_model=AttachmentOut)
async def upload(
    subject_id: PathId, request: Request, session: DB, file: UploadFile = File(...),
    actor: Actor = Depends(Require(P.attachments_upload)),
) -> AttachmentOut:  # fmt: skip
    """Upload a PDF, JPEG or PNG (multipart field ``file``) to file with an objection or repair application."""
    settings = state(request).settings
    data = await file.read(settings.attachment_max_bytes + 1)
    att = service.upload(
        session, make_store(settings.attachment_store, settings.var_dir), actor=actor, subject_id=subject_id,
        name=file.filename or "file", data=data, max_bytes=settings.attachment_max_bytes,
    )  # fmt: skip
    return AttachmentOut(id=att.id, subject_id=att.subject_id, name=att.name, content_type=att.content_type,
                         size=att.size, sha256=att.sha256)  # fmt: skip


@router.get("/attachments/{attachment_id}", response_class=Response)
def download(
    attachment_id: PathId, request: Request, session: DB, actor: Actor = Depends(Require(P.attachments_read))
) -> Response:
    """The file: for its subject, the credit centre, an auditor, or the organisation deciding what it was filed with."""
    settings = state(request).settings
    att, data = read_attachment(session, make_store(settings.attachment_store, settings.var_dir), actor=actor,
                                attachment_id=attachment_id)  # fmt: skip
    return Response(
        content=data, media_type=att.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(att.name)}",
                 "X-Content-Type-Options": "nosniff"},
    )  # fmt: skip
