"""Graded supervision tables: the inspectors' roster, declared conflicts of interest, random
inspection plans (双随机) and their tasks with results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class Inspector(Base):
    """A law-enforcement inspector (执法检查人员) of a department, drawn at random for inspections."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    badge_no: Mapped[str] = mapped_column(String(40))  # 执法证号
    sector: Mapped[str] = mapped_column(String(40), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("organisation_id", "badge_no", name="uq_inspectors_badge"),)


class InspectorConflict(Base):
    """A declared conflict of interest (回避): the inspector is never sent to the subject."""

    __tablename__ = "inspector_conflicts"

    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionPlan(Base):
    """A random inspection plan of one sector for one month; published for everyone (一公开)."""

    __tablename__ = "inspection_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    division: Mapped[str] = mapped_column(String(6), default="")  # population limited to a division prefix
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)  # the ratios and rules it was drawn with
    population: Mapped[dict[str, Any]] = mapped_column(JSON)  # subjects per class, eligible per class
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("sector", "month", "division", name="uq_inspection_plans_sector_month"),)


class InspectionTask(Base):
    """One subject drawn by a plan, its inspectors, and the result once inspected."""

    __tablename__ = "inspection_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    supervision_class: Mapped[str] = mapped_column(String(4))
    grade: Mapped[str | None] = mapped_column(String(4))
    inspector_ids: Mapped[list[int]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(12), default="pending")  # pending | passed | failed
    inspected_on: Mapped[date | None] = mapped_column(Date)
    finding: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))  # the failure's record
    recorded_by: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("plan_id", "subject_id", name="uq_inspection_tasks_plan_subject"),
        Index("ix_inspection_tasks_subject", "subject_id"),
    )
