"""Detection findings under human review (监测线索复核): the runs loaded, their findings, the review cases.

A *run* is one findings file (or API upload) as the detectors emitted it. Each *finding* is one flagged
entity, kept by its stable ``finding_id`` (loading the same findings again adds nothing). Findings of one
ring or campaign (detector, group) form one *review case*; a reviewer confirms it (it becomes credit
records) or dismisses it (its entities are not queued again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class DetectionRun(Base):
    """One load of findings (一批监测线索): where they came from, who loaded them, what became of the rows."""

    __tablename__ = "detection_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300))  # file name or the uploader's label
    platform_id: Mapped[str | None] = mapped_column(Code(40))  # the platform the findings are about, when one
    loaded_by: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # counts: rows, stored, already_loaded, rejected …


class ReviewCase(Base):
    """A review case (复核案件): the findings of one ring or campaign of one detector, decided as one."""

    __tablename__ = "review_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    detector: Mapped[str] = mapped_column(Code(20))
    group_id: Mapped[str | None] = mapped_column(Code(200))  # None: a finding without a group, alone
    platform_id: Mapped[str | None] = mapped_column(Code(40))
    status: Mapped[str] = mapped_column(Code(12), default="pending")  # pending | confirmed | dismissed
    top_score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)  # the top-scoring finding's sentence
    entity_count: Mapped[int] = mapped_column(Integer)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("detection_runs.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(Code(10))  # chosen on confirmation (catalog default if None)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # records made, entities without a subject

    __table_args__ = (
        Index("ix_review_cases_status_detector", "status", "detector"),
        Index("ix_review_cases_group", "detector", "group_id"),
    )


class Finding(Base):
    """One flagged entity (线索), as the detector emitted it; ``status`` queued (in a case) or suppressed
    (its entity was dismissed in an earlier case)."""

    __tablename__ = "detection_findings"

    finding_id: Mapped[str] = mapped_column(Code(120), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("detection_runs.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("review_cases.id"), index=True)
    detector: Mapped[str] = mapped_column(Code(20))
    entity_type: Mapped[str] = mapped_column(Code(10))
    entity_id: Mapped[str] = mapped_column(Code(200))
    score: Mapped[float] = mapped_column(Float)
    group_id: Mapped[str | None] = mapped_column(Code(200))
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    platform_id: Mapped[str | None] = mapped_column(Code(40))
    status: Mapped[str] = mapped_column(Code(12))  # queued | suppressed
    suppressed_by_case_id: Mapped[int | None] = mapped_column(ForeignKey("review_cases.id"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_detection_findings_entity", "entity_id", "detector", "entity_type"),)
