"""Credit evaluation (信用评价) tables: each subject's current score and grade, the history of its
grades, and the mark a change to its file leaves until its evaluation is recomputed (stale).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class EvaluationState(Base):
    __tablename__ = "evaluation_states"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True)
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(String(60))  # what made it stale, e.g. record.repaired
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_evaluation_states_stale", "stale"),)


class Evaluation(Base):
    """A subject's current evaluation (信用评价结果): score, grade and the model version that gave them."""

    __tablename__ = "evaluations"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40))
    weighted_units: Mapped[int] = mapped_column(BigInteger)  # Σ weight × dimension units (exact)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(4), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    engine: Mapped[str] = mapped_column(String(20))  # polars | duckdb | spark | rules (one subject)


class GradeChange(Base):
    """Grade history (评价等级变化): one row each time a subject's grade or score changes."""

    __tablename__ = "evaluation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    model_version: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    previous_grade: Mapped[str | None] = mapped_column(String(4))
    as_of: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(60))  # batch | record.created | record.repaired …
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_evaluation_history_subject", "subject_id", "id"),)
