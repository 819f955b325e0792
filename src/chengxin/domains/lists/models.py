"""List entries (名单): one subject on one list, through the procedure from candidate to removal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class ListEntry(Base):
    """A listing: proposed from the rules, reviewed, notified (with an objection window), published,
    removed. ``basis`` keeps the criteria met and the records they rest on."""

    __tablename__ = "list_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(10))  # black | watch | red
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[str] = mapped_column(String(12))
    basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"criterion", "record_ids", "grade"}]
    deciding_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # the basis' source
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    review_note: Mapped[str | None] = mapped_column(Text)
    notified_on: Mapped[date | None] = mapped_column(Date)
    objection_until: Mapped[date | None] = mapped_column(Date)
    objection: Mapped[str | None] = mapped_column(Text)
    objection_answer: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_list_entries_kind_status", "list_kind", "status"),
        Index("ix_list_entries_subject_kind", "subject_id", "list_kind", "status"),
    )


class ConsumerWarning(Base):
    """A consumer warning (消费警示): shown on the merchant's pages and sent to platforms while in force —
    issued when the merchant is black-listed (lifted with the listing) or pushed by a department."""

    __tablename__ = "consumer_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    source: Mapped[str] = mapped_column(String(12))  # list | department
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)


class Rectification(Base):
    """A listed subject's rectification (716 notice): the notice, the signed commitment letter, the due
    date, the ledger of progress, and the escalation once overdue."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    notice_no: Mapped[str] = mapped_column(String(40), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open | overdue | done
    commitment_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    commitment_signed_by: Mapped[str | None] = mapped_column(String(120))
    done_on: Mapped[date | None] = mapped_column(Date)
    ledger: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"on", "by", "text"}]


class EscalationTask(Base):
    """A step of the 716 notice opened when a rectification is overdue (约谈、通报、平台限制、公开、纳入监测)."""

    __tablename__ = "escalation_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    opened_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
