"""Loaded calendar days (工作日历): holidays and make-up working days from calendar files.

Only the days a file names are stored; every other day follows the ``chinese_calendar`` package or,
in a year it does not know, the weekday. ``calendar_years`` records which years were loaded, so a
year whose file lists no special day still counts as known.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, utcnow


class CalendarDay(Base):
    """One loaded day: a day off (休, ``working`` false) or a make-up working day (调休上班, true)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(120))


class CalendarYear(Base):
    """A year whose calendar was loaded from a file: its loaded days win, and it is no longer provisional."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(120))
