"""Working-day rules (工作日历): deadlines across official holidays and make-up working days, no database.

The 2026 facts used here are the State Council's 2026 calendar as the ``chinese_calendar`` package
records it; each test first checks the fact it relies on against the package itself.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.calendar import rules as r
from chengxin.domains.calendar.rules import Deadline, WorkCalendar

CAL = WorkCalendar()  # nothing loaded: the package, weekdays beyond it
UNKNOWN = r.PACKAGE.years.stop  # the first year the package does not know (2027 for chinese_calendar 1.11)
ONE = timedelta(days=1)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def test_the_package_knows_2026_and_no_later_year() -> None:
    assert 2004 in r.PACKAGE.years and 2026 in r.PACKAGE.years
    assert UNKNOWN not in r.PACKAGE.years
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(UNKNOWN, 6, 1))


def test_every_day_the_package_knows_is_answered_as_the_package_does() -> None:
    day, last = date(r.PACKAGE.years.start, 1, 1), date(r.PACKAGE.years.stop - 1, 12, 31)
    while day <= last:
        assert r.is_working_day(CAL, day) is chinese_calendar.is_workday(day), day
        day += ONE


def test_national_day_2026_and_the_saturday_make_up_day_after_it() -> None:
    assert all(not chinese_calendar.is_workday(date(2026, 10, k)) for k in range(1, 8))
    assert chinese_calendar.is_workday(d("2026-10-10")) and d("2026-10-10").weekday() == 5  # 调休上班, a Saturday
    start = d("2026-09-30")  # a Wednesday, the last working day before the holiday
    assert r.add_working_days(CAL, start, 1) == Deadline(d("2026-10-08"), 1, False)
    assert r.add_working_days(CAL, start, 2).due == d("2026-10-09")
    assert r.add_working_days(CAL, start, 3).due == d("2026-10-10")  # the Saturday counts
    assert r.add_working_days(CAL, start, 4).due == d("2026-10-12")  # Sunday 11th is off
    assert r.working_days_between(CAL, start, d("2026-10-12")) == 4
    assert r.days_off_between(CAL, start, d("2026-10-12")) == [
        *(date(2026, 10, k) for k in range(1, 8)),
        d("2026-10-11"),
    ]
    assert r.weekday_zh(d("2026-10-12")) == "星期一"


def test_mid_autumn_and_national_day_2026_in_one_deadline() -> None:
    assert not chinese_calendar.is_workday(d("2026-09-25"))  # 中秋, a Friday
    assert r.add_working_days(CAL, d("2026-09-24"), 5).due == d("2026-10-09")
    assert chinese_calendar.is_workday(d("2026-09-20")) and d("2026-09-20").weekday() == 6  # a Sunday worked
    assert r.add_working_days(CAL, d("2026-09-18"), 1).due == d("2026-09-20")


def test_spring_festival_2026() -> None:
    assert all(not chinese_calendar.is_workday(date(2026, 2, k)) for k in range(15, 24))
    assert chinese_calendar.is_workday(d("2026-02-14")) and chinese_calendar.is_workday(d("2026-02-28"))
    assert r.add_working_days(CAL, d("2026-02-13"), 1).due == d("2026-02-14")  # Saturday make-up day
    assert r.add_working_days(CAL, d("2026-02-13"), 2).due == d("2026-02-24")  # after 15th–23rd off
    assert r.add_working_days(CAL, d("2026-02-12"), 5).due == d("2026-02-26")
    assert r.add_working_days(CAL, d("2026-02-27"), 1).due == d("2026-02-28")  # Saturday make-up day
    assert r.working_days_between(CAL, d("2026-02-13"), d("2026-02-24")) == 2


def test_new_year_crossing_two_package_years_is_not_provisional() -> None:
    assert chinese_calendar.is_workday(d("2026-01-04"))  # a Sunday worked for New Year's Day
    assert r.add_working_days(CAL, d("2025-12-31"), 1) == Deadline(d("2026-01-04"), 1, False)


def test_an_unknown_year_counts_weekdays_and_is_provisional() -> None:
    start = date(UNKNOWN, 3, 1)
    deadline = r.add_working_days(CAL, start, 10)
    weekdays = [start + ONE * k for k in range(1, 30) if (start + ONE * k).weekday() < 5]
    assert deadline == Deadline(weekdays[9], 10, True)
    assert r.year_source(CAL, UNKNOWN) is r.YearSource.unknown
    assert r.special_days(CAL, UNKNOWN) == []


def test_crossing_into_an_unknown_year_is_provisional() -> None:
    deadline = r.add_working_days(CAL, date(UNKNOWN - 1, 12, 31), 1)
    assert deadline.provisional and deadline.due.year == UNKNOWN
    assert r.unknown_years_between(CAL, date(UNKNOWN - 1, 12, 31), deadline.due) == [UNKNOWN]
    # Counting only inside the last known year stays exact.
    assert not r.add_working_days(CAL, date(UNKNOWN - 1, 12, 1), 1).provisional


def test_loaded_days_win_over_the_package() -> None:
    start = d("2026-09-30")
    closed = WorkCalendar(days={d("2026-10-08"): False}, loaded_years=frozenset({2026}))
    assert r.add_working_days(closed, start, 1).due == d("2026-10-09")
    opened = WorkCalendar(days={d("2026-10-03"): True}, loaded_years=frozenset({2026}))
    assert r.add_working_days(opened, start, 1).due == d("2026-10-03")
    # A loaded year's other days still follow the package.
    assert r.add_working_days(WorkCalendar(loaded_years=frozenset({2026})), start, 1).due == d("2026-10-08")
    names = {d("2026-10-08"): "示例 example"}
    listed = {s.day: s for s in r.special_days(WorkCalendar(days=closed.days, names=names), 2026)}
    assert listed[d("2026-10-08")] == r.SpecialDay(d("2026-10-08"), False, "示例 example", r.YearSource.loaded)
    assert listed[d("2026-10-01")] == r.SpecialDay(d("2026-10-01"), False, "国庆节", r.YearSource.package)
    assert listed[d("2026-10-10")].working and listed[d("2026-10-10")].source is r.YearSource.package


def test_a_loaded_unknown_year_is_no_longer_provisional() -> None:
    off = date(UNKNOWN, 1, 1)
    cal = WorkCalendar(days={off: False}, loaded_years=frozenset({UNKNOWN}))
    assert r.year_source(cal, UNKNOWN) is r.YearSource.loaded
    deadline = r.add_working_days(cal, off - ONE, 1)
    assert not deadline.provisional and deadline.due > off and deadline.due.weekday() < 5


def test_zero_negative_and_absurd_counts() -> None:
    assert r.add_working_days(CAL, d("2026-10-01"), 0) == Deadline(d("2026-10-01"), 0, False)
    assert r.add_working_days(CAL, date(UNKNOWN, 1, 1), 0) == Deadline(date(UNKNOWN, 1, 1), 0, False)
    with pytest.raises(ValueError, match="0 or more"):
        r.add_working_days(CAL, d("2026-10-01"), -1)
    with pytest.raises(ValueError, match="at most"):
        r.add_working_days(CAL, d("2026-10-01"), r.MAX_WORKING_DAYS + 1)
    with pytest.raises(ValueError, match="last representable date"):
        r.add_working_days(CAL, date(9999, 12, 30), 5)
    assert r.working_days_between(CAL, d("2026-10-12"), d("2026-09-30")) == 0


def test_overdue_only_after_the_due_day() -> None:
    assert not r.is_overdue(d("2026-10-12"), d("2026-10-11"))
    assert not r.is_overdue(d("2026-10-12"), d("2026-10-12"))
    assert r.is_overdue(d("2026-10-12"), d("2026-10-13"))


def test_special_days_of_2026_come_from_the_package_with_chinese_names() -> None:
    days = {s.day: s for s in r.special_days(CAL, 2026)}
    assert [days[date(2026, 10, k)].name for k in range(1, 8)] == ["国庆节"] * 7
    assert {s.day for s in days.values() if s.working} == {
        d("2026-01-04"), d("2026-02-14"), d("2026-02-28"), d("2026-05-09"), d("2026-09-20"), d("2026-10-10"),
    }  # fmt: skip
    assert all(s.source is r.YearSource.package for s in days.values())


starts = st.dates(min_value=date(2004, 1, 1), max_value=date(UNKNOWN + 2, 12, 31))
overrides = st.dictionaries(st.dates(date(2025, 1, 1), date(UNKNOWN + 1, 12, 31)), st.booleans(), max_size=12)


@given(start=starts, n=st.integers(0, 60), loaded=overrides)
def test_the_due_day_is_the_nth_working_day_after_the_start(start: date, n: int, loaded: dict[date, bool]) -> None:
    cal = WorkCalendar(days=loaded, loaded_years=frozenset(day.year for day in loaded))
    deadline = r.add_working_days(cal, start, n)
    assert deadline.working_days == n
    assert r.working_days_between(cal, start, deadline.due) == n
    if n == 0:
        assert deadline.due == start
    else:
        assert r.is_working_day(cal, deadline.due)
        assert r.working_days_between(cal, start, deadline.due - ONE) == n - 1
    assert len(r.days_off_between(cal, start, deadline.due)) + n == (deadline.due - start).days
    assert deadline.provisional == bool(r.unknown_years_between(cal, start, deadline.due))
