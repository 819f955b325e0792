"""Attachments: upload (checked for size and real file type), link to an objection or a repair
application, and read back — by the subject, the credit centre, an auditor, or the organisation
deciding what the attachment was filed with; every read by someone other than the subject is
audited (the materials may hold personal information)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.attachments.models import Attachment, AttachmentLink
from chengxin.domains.attachments.storage import FileStore
from chengxin.errors import InvalidInput, NotFound, PayloadTooLarge, PermissionDenied, UnsupportedMediaType
from chengxin.security import audit
from chengxin.security.actor import Actor

# What a file must start with to be what it claims (the name and the declared type are not trusted).
MAGIC = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


def sniff(data: bytes) -> str | None:
    return next((kind for kind, heads in MAGIC.items() if any(data.startswith(h) for h in heads)), None)


def upload(
    session: Session, store: FileStore, *, actor: Actor, subject_id: int, name: str, data: bytes, max_bytes: int
) -> Attachment:
    """Keep one file for the subject (the same file twice is kept once)."""
    if str(actor.role) == "subject" and actor.subject_id != subject_id:
        raise PermissionDenied("a subject uploads materials for itself only", code="no_standing")
    if str(actor.role) not in ("subject", "credit_centre"):
        raise PermissionDenied("only the subject or the credit centre uploads materials", code="no_standing")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{len(data)} bytes; at most {max_bytes} are accepted", code="attachment_too_large",
                              message_zh="附件过大")  # fmt: skip
    if not data:
        raise InvalidInput("the file is empty", code="attachment_empty", message_zh="附件为空")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMediaType("only PDF, JPEG and PNG files are accepted (by their content)",
                                   code="attachment_type", message_zh="仅接受PDF、JPEG、PNG格式的文件")  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(
        select(Attachment).where(Attachment.subject_id == subject_id, Attachment.sha256 == digest)
    )
    if existing is not None:
        return existing
    store.put(digest, data)
    clean = (name or "file").replace("/", "_").replace("\\", "_").strip()[:200] or "file"
    att = Attachment(subject_id=subject_id, sha256=digest, name=clean, content_type=kind, size=len(data),
                     uploaded_by=actor.label)  # fmt: skip
    session.add(att)
    session.flush()
    audit.record(session, actor, audit.Event("attachment.upload", subject_id=subject_id, object_type="attachment",
                                             object_id=att.id, detail={"size": att.size, "type": kind}))  # fmt: skip
    return att


def link(session: Session, *, subject_id: int, attachment_ids: Sequence[int], object_type: str, object_id: int) -> None:
    """Attach the subject's own uploads to an objection or repair application."""
    wanted = sorted(set(attachment_ids))
    if not wanted:
        return
    found = {a.id: a for a in session.scalars(select(Attachment).where(Attachment.id.in_(wanted)))}
    bad = [i for i in wanted if i not in found or found[i].subject_id != subject_id]
    if bad:
        raise InvalidInput(f"attachments {bad} are not this subject's uploads", code="invalid_attachment",
                           message_zh="附件不存在或不属于该主体")  # fmt: skip
    for i in wanted:
        session.add(AttachmentLink(attachment_id=i, object_type=object_type, object_id=object_id))
    session.flush()


def linked(session: Session, *, object_type: str, object_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .join(AttachmentLink, AttachmentLink.attachment_id == Attachment.id)
            .where(AttachmentLink.object_type == object_type, AttachmentLink.object_id == object_id)
            .order_by(Attachment.id)
        )
    )


def read(
    session: Session, store: FileStore, *, actor: Actor, attachment_id: int, deciding_org_ids: Sequence[int | None]
) -> tuple[Attachment, bytes]:
    """The file, for its subject, the credit centre, an auditor, or an organisation among
    ``deciding_org_ids`` (those deciding what it was filed with); others get 404."""
    att = session.get(Attachment, attachment_id)
    role = str(actor.role)
    allowed = att is not None and (
        (role == "subject" and actor.subject_id == att.subject_id)
        or role in ("credit_centre", "auditor")
        or (role == "department" and actor.organisation_id is not None and actor.organisation_id in deciding_org_ids)
    )
    if att is None or not allowed:
        raise NotFound(f"no attachment with id {attachment_id}", code="attachment_not_found", message_zh="未找到该附件")
    if role != "subject":
        audit.record(session, actor, audit.Event("attachment.read", subject_id=att.subject_id, object_type="attachment",
                                                 object_id=att.id, detail={"purpose": actor.purpose}))  # fmt: skip
    return att, store.get(att.sha256)


def links_of(session: Session, attachment_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(AttachmentLink.object_type, AttachmentLink.object_id).where(
            AttachmentLink.attachment_id == attachment_id
        )
    )
    return [(t, i) for t, i in rows]
