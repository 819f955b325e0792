"""Credit repair applications (信用修复申请)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class RepairApplication(Base):
    __tablename__ = "repair_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    record_key: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    type_code: Mapped[str] = mapped_column(String(40))
    decider: Mapped[str] = mapped_column(String(10))  # source | centre
    decider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # the source, when it decides
    statement: Mapped[str] = mapped_column(Text)  # how the behaviour was corrected (整改情况)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{kind, description}]
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"))
    applied_by: Mapped[str] = mapped_column(String(120))
    applied_on: Mapped[date] = mapped_column(Date)
    review_due: Mapped[date] = mapped_column(Date)
    provisional_due: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted | approved | rejected
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_repair_applications_subject_id", "subject_id"),
        Index("ix_repair_applications_status_due", "status", "review_due"),
        Index("ix_repair_applications_record_key", "record_key"),
    )
