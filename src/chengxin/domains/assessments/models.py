"""Assessment tables: consumer complaints (投诉) about platforms and logistics companies, the
notices departments send them (通知/警示), and the periodic credit assessments (信用状况评估)
computed from these and from the marketplace data, published as a bulletin (公告)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class Complaint(Base):
    """A consumer complaint (投诉) received through 12315/12345 or a platform's own channel, and how it
    was handled: against a platform's merchant (``platform_id``) and/or a logistics company
    (``carrier_uscc``). Sent again with the same number, the newer state replaces the older."""

    __tablename__ = "complaints"

    complaint_no: Mapped[str] = mapped_column(Code(64), primary_key=True)
    channel: Mapped[str] = mapped_column(Code(20))  # 12315 | 12345 | platform | other
    platform_id: Mapped[str | None] = mapped_column(Code(40))
    seller_account_id: Mapped[str | None] = mapped_column(Code(64))
    carrier_uscc: Mapped[str | None] = mapped_column(Code(18))
    category: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first response to the consumer
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Code(12))  # pending | upheld | not_upheld | mediated | withdrawn
    source: Mapped[str] = mapped_column(String(200))  # who sent it (organisation or file)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_complaints_platform", "platform_id", "received_at"),
        Index("ix_complaints_carrier", "carrier_uscc", "received_at"),
    )


class PlatformNotice(Base):
    """A department's notice to a platform or logistics company (rectification, take-down, request for
    assistance, warning/interview) with a due date; the addressee answers it. Counted in assessments:
    notices not answered by their due date, warnings received."""

    __tablename__ = "platform_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_no: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(Code(24))  # rectification | takedown | assistance | warning
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)  # the addressee
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # who issued it
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assessment(Base):
    """One platform's or logistics company's credit assessment for one period, with the measured
    indicators and their points (the explanation); a draft until the period's bulletin is published."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026Q3 | 2026-10 | 2026
    kind: Mapped[str] = mapped_column(Code(10))  # platform | logistics
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    model_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(4))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    measures: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("period", "kind", "subject_id", name="uq_assessments_period_subject"),)
