"""Subjects (信用主体): legal persons and natural persons, and the roles they play."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chengxin.db import Base, UTCDateTime, utcnow

# Byte-order ("C") collation on PostgreSQL so that prefix ranges use the b-tree index.
SortableName = String(300).with_variant(String(300, collation="C"), "postgresql")


class Subject(Base):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # legal | natural
    legal_form: Mapped[str | None] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    name_norm: Mapped[str] = mapped_column(SortableName, index=True)
    name_core: Mapped[str] = mapped_column(SortableName, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    ric_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    ric_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    ric_masked: Mapped[str | None] = mapped_column(String(18))
    division: Mapped[str] = mapped_column(String(6), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(120))
    identity_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    verification_method: Mapped[str | None] = mapped_column(String(40))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    roles: Mapped[list[SubjectRole]] = relationship(
        back_populates="subject",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="SubjectRole.role",
    )

    __table_args__ = (Index("ix_subjects_verification_status", "verification_status"),)

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles]


class SubjectRole(Base):
    """A role a subject plays: platform operator, merchant, courier … (主体角色)."""

    __tablename__ = "subject_roles"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[Subject] = relationship(back_populates="roles")
