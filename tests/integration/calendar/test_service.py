"""Loading a calendar file and counting deadlines on it, on SQLite and PostgreSQL.

The 2027 days below are a made-up example, not the official 2027 schedule.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.domains.calendar import models, rules
from chengxin.domains.calendar import service as calendar_service
from chengxin.errors import UnusableInput
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry

ACTOR = cli_actor("tests")
EXAMPLE_2027 = """\
# Example only — made-up days, not the official 2027 calendar
date,kind,name
2027-01-01,holiday,元旦 (example)
2027-01-04,holiday,元旦 (example)
2027-01-09,workday,补班 (example)
"""


def load(db: Database, text: str, source: str = "example.csv") -> calendar_service.LoadResult:
    with unit_of_work(db) as s:
        return calendar_service.load_calendar(s, actor=ACTOR, text=text, source=source)


def deadline(db: Database, start: date, n: int) -> rules.Deadline:
    with unit_of_work(db, readonly=True) as s:
        return calendar_service.add_working_days(s, start, n)


def test_a_loaded_2027_calendar_makes_deadlines_across_new_year_exact(db: Database) -> None:
    start = date(2026, 12, 31)  # a Thursday
    before = deadline(db, start, 3)
    assert before.provisional is (2027 not in rules.PACKAGE.years)
    if before.provisional:  # weekdays only: Friday 1st, Monday 4th, Tuesday 5th
        assert before.due == date(2027, 1, 5)

    result = load(db, EXAMPLE_2027)
    assert result == calendar_service.LoadResult(
        years=(2027,), days_off=2, workdays=1, replaced=0, source="example.csv"
    )
    after = deadline(db, start, 3)
    assert after == rules.Deadline(due=date(2027, 1, 7), working_days=3, provisional=False)
    assert deadline(db, date(2027, 1, 8), 1).due == date(2027, 1, 9)  # the example's Saturday make-up day

    with unit_of_work(db, readonly=True) as s:
        cal = calendar_service.current_calendar(s)
        assert rules.year_source(cal, 2027) is rules.YearSource.loaded
        assert cal.names[date(2027, 1, 1)] == "元旦 (example)"
        [year] = calendar_service.loaded_years(s)
        assert (year.year, year.source, year.loaded_by) == (2027, "example.csv", ACTOR.label)
        entries = [
            (e.object_id, e.detail) for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.load"))
        ]
    assert entries == [("2027", result.as_dict())]


def test_loading_a_year_again_replaces_its_days(db: Database) -> None:
    load(db, EXAMPLE_2027)
    second = load(db, "date,kind,name\n2027-01-05,off,example\n2028-01-03,off,example\n", source="v2")
    assert second.years == (2027, 2028) and second.replaced == 3
    with unit_of_work(db, readonly=True) as s:
        days = {row.day: row.working for row in s.scalars(select(models.CalendarDay))}
        sources = {y.year: y.source for y in calendar_service.loaded_years(s)}
    assert days == {date(2027, 1, 5): False, date(2028, 1, 3): False}
    assert sources == {2027: "v2", 2028: "v2"}
    # The cache sees each load at once.
    assert deadline(db, date(2027, 1, 4), 1).due == date(2027, 1, 6)


def test_a_declared_year_without_special_days_is_loaded(db: Database) -> None:
    load(db, "# year: 2031\ndate,kind,name\n")
    result = deadline(db, date(2031, 1, 2), 1)  # Thursday → Friday, weekdays only but official
    assert result == rules.Deadline(date(2031, 1, 3), 1, False)


def test_a_bad_file_changes_nothing(db: Database) -> None:
    bad = EXAMPLE_2027 + "2027-13-01,holiday,\n2027-01-10,maybe,\n"
    with pytest.raises(UnusableInput) as err:
        load(db, bad)
    assert err.value.code == "calendar_file_invalid"
    assert [e["row"] for e in err.value.errors] == [6, 7]
    with unit_of_work(db, readonly=True) as s:
        assert calendar_service.loaded_years(s) == []
        assert s.scalars(select(models.CalendarDay)).all() == []
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.load")).all()
