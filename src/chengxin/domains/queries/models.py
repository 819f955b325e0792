"""Query authorisations (查询授权), the query register (查询登记) and abuse alerts (查询异常告警)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class QueryAuthorisation(Base):
    """A subject's consent to be queried by one organisation for one purpose, over a scope of kinds of
    information, for a period (PIPL §14-15, §23) — recorded by the organisation that obtained it offline
    (``reference``: its consent form) or granted by the subject online; withdrawable at any time."""

    __tablename__ = "query_authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    purpose: Mapped[str] = mapped_column(Code(20))
    scope: Mapped[list[str]] = mapped_column(JSON)  # kinds of information: identity, records, restricted
    reference: Mapped[str | None] = mapped_column(String(120))  # the signed consent's number (offline)
    granted_by: Mapped[str] = mapped_column(Code(12))  # organisation | subject
    recorded_by: Mapped[str] = mapped_column(String(120))  # the actor that recorded it
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_query_authorisations_subject", "subject_id", "organisation_id"),)


class QueryRecord(Base):
    """One query, registered in the transaction that answers it: who (account, organisation), which subject,
    why (purpose, authorisation or legal basis), what was returned, when, from where. Kept for the configured
    period (``CHENGXIN_QUERY_RETENTION_YEARS``), then deleted by the ``queries.retention`` job."""

    __tablename__ = "query_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(Code(10))  # public | authorised | report (a third-party credit report)
    account: Mapped[str] = mapped_column(Code(120))  # token:12 | user:alice | ip:10.1.2.3
    actor_role: Mapped[str] = mapped_column(Code(20))
    organisation_id: Mapped[int | None] = mapped_column(Integer)  # no FK: kept as it was when deleted
    subject_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(Code(20))
    authorisation_id: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[list[str]] = mapped_column(JSON)
    client: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_query_records_subject_at", "subject_id", "at"),
        Index("ix_query_records_account_at", "account", "at"),
    )


class QueryAlert(Base):
    """An abuse alert (查询异常告警) raised by a rule over the query log; one open per rule, account and
    (for repeated queries) subject — later matches count on. Closed by an auditor: dismissed, or acted on
    (the account's token suspended)."""

    __tablename__ = "query_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(Code(20))
    account: Mapped[str] = mapped_column(Code(120))
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Code(12), default="open")  # open | dismissed | suspended
    count: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    query_ids: Mapped[list[int]] = mapped_column(JSON)  # the latest matching queries (at most 100)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_query_alerts_open", "status", "rule", "account"),)
