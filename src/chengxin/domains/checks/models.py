"""Checks (自动比对、自动拦截) and the measure feedback (实施反馈) of the organisations that ran them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class Check(Base):
    """One check request: who asked, for which scenario, and the outcome per subject (compact)."""

    __tablename__ = "checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    items: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)  # measures that applied, over all items
    outcome: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"i", "subject_id", "decision", "measures"}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeasureFeedback(Base):
    """Whether a measure a check returned was applied, and why not (实施反馈)."""

    __tablename__ = "measure_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    item: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    measure: Mapped[str] = mapped_column(String(20))
    applied: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("check_id", "item", "measure", name="uq_measure_feedback_item"),
        Index("ix_measure_feedback_org", "organisation_id"),
    )


class StandingChange(Base):
    """A change to what a check answers about a subject (its identifiers, name, grade, lists or records in
    force), written by database triggers on those tables (migration 20261124_0016) — so every writer is
    seen, whatever its path — and read by each server process's standing index (``checks.standing``).

    ``txid`` (PostgreSQL only) is the writing transaction's id: rows are read by transaction, not by ``id``,
    because PostgreSQL commits transactions in another order than it hands out ids. SQLite has one writer
    at a time, so its ids are committed in order. Rows are pruned after ``standing.KEEP_DAYS`` days."""

    __tablename__ = "standing_changes"
    __table_args__ = (Index("ix_standing_changes_txid", "txid"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer)  # no foreign key: a deleted subject's change is kept
    txid: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.current_timestamp())
