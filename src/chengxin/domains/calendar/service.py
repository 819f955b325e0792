"""The working-day calendar in force, and loading a year's official calendar from a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.calendar import models, rules
from chengxin.domains.subjects import service as subject_service
from chengxin.errors import UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor

# The calendar in force, known by the database and the count and latest load time of its loaded
# years: a load changes the key, so every process sees it at the next look-up.
_cache: dict[tuple[str, int, datetime | None], rules.WorkCalendar] = {}
_CACHE_MAX = 16


@dataclass(frozen=True)
class LoadResult:
    """What a calendar load changed (载入结果)."""

    years: tuple[int, ...]
    days_off: int
    workdays: int  # make-up working days (调休上班)
    replaced: int  # loaded days of those years removed first
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "years": list(self.years),
            "days_off": self.days_off,
            "workdays": self.workdays,
            "replaced": self.replaced,
            "source": self.source,
        }


def legal_today() -> date:
    """Today's date where legal deadlines are counted (Asia/Shanghai): the subjects service's."""
    return subject_service.legal_today()


def _in_years(years: frozenset[int]) -> ColumnElement[bool]:
    day = models.CalendarDay.day
    return or_(false(), *(and_(day >= date(y, 1, 1), day <= date(y, 12, 31)) for y in years))


def load_calendar(session: Session, *, actor: Actor, text: str, source: str) -> LoadResult:
    """Load a calendar file: the loaded days of each of its years are replaced by the file's, and
    the years recorded as loaded. A file with any bad row is refused whole (``UnusableInput``
    ``calendar_file_invalid``, every bad row in ``errors``); nothing changes."""
    try:
        parsed = rules.parse_calendar(text)
    except rules.CalendarFileError as exc:
        raise UnusableInput(
            str(exc),
            code="calendar_file_invalid",
            message_zh="工作日历文件有误，未载入",
            errors=[{"row": p.row, "reason": p.reason} for p in exc.problems],
        ) from exc
    source, by, now = source[:200], actor.label[:120], utcnow()
    in_years = _in_years(parsed.years)
    replaced = session.scalar(select(func.count()).select_from(models.CalendarDay).where(in_years)) or 0
    session.execute(delete(models.CalendarDay).where(in_years).execution_options(synchronize_session=False))
    session.add_all(
        models.CalendarDay(day=d.day, working=d.working, name=d.name, source=source, loaded_at=now, loaded_by=by)
        for d in parsed.days
    )
    for year in sorted(parsed.years):
        row = session.get(models.CalendarYear, year)
        if row is None:
            session.add(models.CalendarYear(year=year, source=source, loaded_at=now, loaded_by=by))
        else:
            row.source, row.loaded_at, row.loaded_by = source, now, by
    session.flush()
    result = LoadResult(
        years=tuple(sorted(parsed.years)),
        days_off=sum(not d.working for d in parsed.days),
        workdays=sum(d.working for d in parsed.days),
        replaced=replaced,
        source=source,
    )
    audit.record(
        session,
        actor,
        audit.Event(
            "calendar.load",
            object_type="calendar",
            object_id=",".join(str(y) for y in result.years)[:80],
            detail=result.as_dict(),
        ),
    )
    return result


def current_calendar(session: Session) -> rules.WorkCalendar:
    """The working-day calendar in force: loaded days over the ``chinese_calendar`` package."""
    count, latest = session.execute(
        select(func.count(), func.max(models.CalendarYear.loaded_at)).select_from(models.CalendarYear)
    ).one()
    key = (session.connection().engine.url.render_as_string(hide_password=True), int(count), latest)
    cal = _cache.get(key)
    if cal is None:
        rows = session.execute(select(models.CalendarDay.day, models.CalendarDay.working, models.CalendarDay.name))
        days: dict[date, bool] = {}
        names: dict[date, str] = {}
        for day, working, name in rows:
            days[day] = working
            if name:
                names[day] = name
        years = frozenset(session.scalars(select(models.CalendarYear.year)))
        cal = rules.WorkCalendar(days=days, loaded_years=years, names=names)
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = cal
    return cal


def loaded_years(session: Session) -> list[models.CalendarYear]:
    """The years loaded from calendar files, with where from, when and by whom."""
    return list(session.scalars(select(models.CalendarYear).order_by(models.CalendarYear.year)))


def add_working_days(session: Session, start: date, n: int) -> rules.Deadline:
    """The n-th working day after ``start`` on the calendar in force (see ``rules.add_working_days``)."""
    return rules.add_working_days(current_calendar(session), start, n)
