"""Objections (异议) to credit records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class Objection(Base):
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))  # the version objected to
    record_key: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    source_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the record's source
    filed_by: Mapped[str] = mapped_column(String(120))  # actor label
    filed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # filed by the credit centre for the subject
    reason_kind: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(Text)
    requested: Mapped[str | None] = mapped_column(Text)  # what the filer asks for (the correct content)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    handler: Mapped[str] = mapped_column(String(10))  # centre | source
    status: Mapped[str] = mapped_column(String(20), default="filed")  # filed | forwarded | decided
    record_status_before: Mapped[str] = mapped_column(String(20))  # restored when upheld
    filed_on: Mapped[date] = mapped_column(Date)  # legal date (Asia/Shanghai)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forward_due: Mapped[date | None] = mapped_column(Date)
    forwarded_on: Mapped[date | None] = mapped_column(Date)
    forwarded_by: Mapped[str | None] = mapped_column(String(120))
    decide_due: Mapped[date] = mapped_column(Date)
    provisional_due: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(20))  # corrected | revoked | upheld
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    result_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_objections_record_key", "record_key"),
        Index("ix_objections_subject_id", "subject_id"),
        Index("ix_objections_status_due", "status", "decide_due"),
    )
