"""Attachments (附件): materials a subject files with an objection or a repair application."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))  # whose material it is
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("subject_id", "sha256"),)


class AttachmentLink(Base):
    """Which objection or repair application an attachment was filed with."""

    __tablename__ = "attachment_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    object_type: Mapped[str] = mapped_column(String(30))  # objection | repair_application
    object_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("attachment_id", "object_type", "object_id"),
        Index("ix_attachment_links_object", "object_type", "object_id"),
    )
