"""Credit commitments (信用承诺) and their breaches (违诺)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class Commitment(Base):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    template_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # the wording signed, as it was then
    channel: Mapped[str] = mapped_column(String(10))  # online | paper
    signatory: Mapped[str] = mapped_column(String(120))
    signed_on: Mapped[date] = mapped_column(Date)
    recorded_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    recorded_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | breached | withdrawn
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))  # its commitment_signed record
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_commitments_subject", "subject_id", "status"),)


class CommitmentBreach(Base):
    __tablename__ = "commitment_breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))  # the commitment_breached record
    found_on: Mapped[date] = mapped_column(Date)
    finding: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
