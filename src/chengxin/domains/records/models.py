"""Credit records (信用记录), their versions, and the unmatched queue.

A record is never updated in place: each correction or revocation from its source is a new row
(``version`` + 1, ``supersedes_id`` → the previous row) and the previous row stops being current.
What does change on a row is its lifecycle status (active → expired / repaired / …), which the
platform's own jobs set; each such change is audited and emitted as an event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class CreditRecord(Base):
    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(String(32), index=True)  # the same for all versions
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    change: Mapped[str] = mapped_column(String(20), default="original")  # original | correction | revocation
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    type_code: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(30))
    polarity: Mapped[str] = mapped_column(String(10))
    catalog_version: Mapped[int] = mapped_column(Integer)

    source_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source_record_id: Mapped[str] = mapped_column(String(120))
    source_document_no: Mapped[str | None] = mapped_column(String(200))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    severity: Mapped[str] = mapped_column(String(10))
    disclosure: Mapped[str] = mapped_column(String(20))
    regime: Mapped[str | None] = mapped_column(String(10))
    published: Mapped[bool] = mapped_column(Boolean, default=True)  # False: kept, never published
    published_from: Mapped[date] = mapped_column(Date)
    publicity_until: Mapped[date | None] = mapped_column(Date)
    repairable_from: Mapped[date | None] = mapped_column(Date)

    status: Mapped[str] = mapped_column(String(20), default="active")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("source_org_id", "source_record_id", "version"),
        # a subject's records in force by status and type, answered from the index alone (checks, files)
        Index("ix_credit_records_subject_standing", "subject_id", "is_current", "status", "type_code"),
        Index("ix_credit_records_due", "is_current", "status", "publicity_until"),
    )


class UnmatchedRecord(Base):
    """A submitted record whose subject could not be matched (待匹配): kept for reconciliation,
    never dropped. A natural person's identity number is stored encrypted, like a subject's."""

    __tablename__ = "unmatched_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source_record_id: Mapped[str] = mapped_column(String(120))
    type_code: Mapped[str] = mapped_column(String(40))
    party_name: Mapped[str] = mapped_column(String(300))
    party_kind: Mapped[str | None] = mapped_column(String(10))  # legal | natural, when known
    party_code: Mapped[str | None] = mapped_column(String(40))  # USCC or another registration number
    party_ric_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    party_ric_index: Mapped[str | None] = mapped_column(String(64), index=True)
    party_ric_masked: Mapped[str | None] = mapped_column(String(18))
    submission: Mapped[dict[str, Any]] = mapped_column(JSON)  # the record as submitted, identity removed
    reason: Mapped[str] = mapped_column(String(40))  # unknown_subject | no_identifier | kind_mismatch …
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved | dismissed
    resolved_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("source_org_id", "source_record_id"),
        Index("ix_unmatched_records_status", "status"),
    )
