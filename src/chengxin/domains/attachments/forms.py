"""Files sent with a page form (附件): kept as the subject's uploads, within the page's transaction,
so they can be filed with an objection or a repair application. Used by the objection and repair
pages; the checks (size, real type, who may upload) are the service's."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request, UploadFile
from sqlalchemy.orm import Session

from chengxin.domains.attachments import service
from chengxin.domains.attachments.storage import make_store
from chengxin.errors import InvalidInput
from chengxin.security.actor import Actor
from chengxin.security.http import state

MAX_FILES = 10  # as many as an objection or an application may list (attachment_ids)


def upload_form_files(
    request: Request, session: Session, *, actor: Actor, subject_id: int, files: Sequence[UploadFile] | None
) -> tuple[int, ...]:
    """Upload each file chosen on the form; the ids to file with the record (none chosen: ``()``).
    A refused file raises the service's DomainError (413, 415 or 422)."""
    chosen = [f for f in files or () if f.filename or f.size]
    if len(chosen) > MAX_FILES:
        raise InvalidInput(f"{len(chosen)} files; at most {MAX_FILES} are accepted", code="too_many_attachments",
                           message_zh=f"附件最多{MAX_FILES}个")  # fmt: skip
    settings = state(request).settings
    store = make_store(settings.attachment_store, settings.var_dir)
    ids: list[int] = []
    for file in chosen:
        file.file.seek(0)
        data = file.file.read(settings.attachment_max_bytes + 1)  # no more than needed to refuse it
        att = service.upload(session, store, actor=actor, subject_id=subject_id, name=file.filename or "file",
                             data=data, max_bytes=settings.attachment_max_bytes)  # fmt: skip
        ids.append(att.id)
    return tuple(dict.fromkeys(ids))  # the same file twice is kept (and filed) once
