"""Evaluation state (信用评价): whether a subject's evaluation must be recomputed.

The evaluation itself (scores, grades) comes with its own capability; what exists already is
the mark every change to a subject's file leaves: a record withdrawn, corrected or added makes
the subject's evaluation *stale* until it is recomputed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
