"""Working-day rules (工作日历, pure): which days are working days, and when a deadline falls due.

Legal deadlines — objections (异议), credit repair (信用修复), withdrawals — are counted in working
days (工作日) on the official calendar the State Council publishes each year: public holidays
(法定节假日, 休) and the make-up working days (调休上班, 班) that move weekend days.

Whether a day is a working day is answered, in this order, by:

1. days *loaded* from a calendar file (``chengxin deadlines load-calendar``): they win;
2. the maintained package ``chinese_calendar`` for the years it knows (``PACKAGE.years``);
3. otherwise the year is *unknown*: Monday to Friday are working days, weekends days off, and every
   result that looked at a day of such a year is flagged ``provisional`` (暂定).

Counting follows the legal habit: the day of the event itself does not count; a deadline of n working
days is due on the n-th working day after it.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import NoReturn, Protocol

import chinese_calendar

from chengxin.tabular import normalise_header

ONE_DAY = timedelta(days=1)
MAX_WORKING_DAYS = 10_000  # about forty years: anything longer is a typing mistake
FIRST_YEAR, LAST_YEAR = 2000, 2099  # years a calendar file may name
NAME_MAX = 60  # length of calendar_days.name
WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class YearSource(StrEnum):
    """Where the working days of a year come from."""

    loaded = "loaded"  # 已载入: a calendar file was loaded for the year
    package = "package"  # the chinese_calendar package knows the year
    unknown = "unknown"  # 未知: weekends off, Monday to Friday working; results are provisional


class BaseCalendar(Protocol):
    """The calendar used for days no file was loaded for."""

    @property
    def years(self) -> range: ...

    def is_working_day(self, day: date) -> bool:
        """Only asked for days whose year is in ``years``."""
        ...

    def special_days(self, year: int) -> Mapping[date, tuple[bool, str]]:
        """The year's holidays and make-up working days: day → (working, name)."""
        ...


class PackageCalendar:
    """The official calendar as recorded by ``chinese_calendar`` (2004 up to the last year it knows).

    Same answers as ``chinese_calendar.is_workday`` and the same years (the package raises
    ``NotImplementedError`` outside them), read from the package's own tables.
    """

    def __init__(self) -> None:
        self._off: dict[date, str] = dict(chinese_calendar.holidays)
        self._work: dict[date, str] = dict(chinese_calendar.workdays)
        known = {d.year for d in self._off}
        self._years = range(min(known), max(known) + 1)

    @property
    def years(self) -> range:
        return self._years

    def is_working_day(self, day: date) -> bool:
        if day in self._work:
            return True
        if day in self._off:
            return False
        return day.weekday() < 5

    def special_days(self, year: int) -> dict[date, tuple[bool, str]]:
        out = {d: (False, _holiday_zh(name)) for d, name in self._off.items() if d.year == year}
        out.update({d: (True, _holiday_zh(name)) for d, name in self._work.items() if d.year == year})
        return out


def _holiday_zh(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


PACKAGE = PackageCalendar()


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar in force (工作日历): loaded days over the package's years.

    ``days`` maps each loaded day to True (working day, e.g. 调休上班) or False (day off);
    ``loaded_years`` are the years a calendar file was loaded for; ``names`` the loaded days' names.
    """

    days: Mapping[date, bool] = field(default_factory=dict)
    loaded_years: frozenset[int] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict)
    base: BaseCalendar = PACKAGE


@dataclass(frozen=True)
class Deadline:
    """A deadline in working days (期限): ``due`` is the ``working_days``-th working day after the
    start; ``provisional`` (暂定) when a day of a year with no official calendar was counted."""

    due: date
    working_days: int
    provisional: bool


@dataclass(frozen=True)
class SpecialDay:
    """A holiday (休) or make-up working day (班) of a year, and where it comes from."""

    day: date
    working: bool
    name: str
    source: YearSource


def year_source(cal: WorkCalendar, year: int) -> YearSource:
    if year in cal.loaded_years:
        return YearSource.loaded
    if year in cal.base.years:
        return YearSource.package
    return YearSource.unknown


def is_working_day(cal: WorkCalendar, day: date) -> bool:
    """A loaded day wins; then the package; in an unknown year Monday to Friday are working days."""
    loaded = cal.days.get(day)
    if loaded is not None:
        return loaded
    if day.year in cal.base.years:
        return cal.base.is_working_day(day)
    return day.weekday() < 5


def _days_after(start: date, end: date) -> Iterator[date]:
    """The days in (start, end]."""
    day = start
    while day < end:
        day += ONE_DAY
        yield day


def working_days_between(cal: WorkCalendar, start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    return sum(1 for day in _days_after(start, end) if is_working_day(cal, day))


def days_off_between(cal: WorkCalendar, start: date, end: date) -> list[date]:
    """The days off (weekends, holidays) after ``start`` up to and including ``end``."""
    return [day for day in _days_after(start, end) if not is_working_day(cal, day)]


def unknown_years_between(cal: WorkCalendar, start: date, end: date) -> list[int]:
    """The years of the days in (start, end] that have no official calendar (results provisional)."""
    if end <= start:
        return []
    first = (start + ONE_DAY).year
    return [y for y in range(first, end.year + 1) if year_source(cal, y) is YearSource.unknown]


def add_working_days(cal: WorkCalendar, start: date, n: int) -> Deadline:
    """The n-th working day after ``start`` (the start day itself never counts); n = 0 is ``start``.

    Raises ValueError for a negative n, or one above ``MAX_WORKING_DAYS``.
    """
    if n < 0:
        raise ValueError(f"the number of working days must be 0 or more, not {n}")
    if n > MAX_WORKING_DAYS:
        raise ValueError(f"the number of working days must be at most {MAX_WORKING_DAYS}, not {n}")
    day, counted, provisional = start, 0, False
    try:
        while counted < n:
            day += ONE_DAY
            provisional = provisional or year_source(cal, day.year) is YearSource.unknown
            if is_working_day(cal, day):
                counted += 1
    except OverflowError as exc:
        raise ValueError(f"{n} working days after {start} is past the last representable date") from exc
    return Deadline(due=day, working_days=n, provisional=provisional)


def is_overdue(due: date, today: date) -> bool:
    """Overdue (逾期) once the due day has passed: the due day itself is still in time."""
    return today > due


def special_days(cal: WorkCalendar, year: int) -> list[SpecialDay]:
    """The holidays and make-up working days of ``year``: the package's, with loaded days over them."""
    found: dict[date, SpecialDay] = {}
    if year in cal.base.years:
        for day, (working, name) in cal.base.special_days(year).items():
            found[day] = SpecialDay(day, working, name, YearSource.package)
    for day, working in cal.days.items():
        if day.year == year:
            found[day] = SpecialDay(day, working, cal.names.get(day, ""), YearSource.loaded)
    return [found[d] for d in sorted(found)]


def weekday_zh(day: date) -> str:
    return WEEKDAY_ZH[day.weekday()]


# --- calendar files ---------------------------------------------------------------------------

OFF_KINDS = frozenset({"holiday", "off", "休", "休息", "放假"})
WORK_KINDS = frozenset({"workday", "work", "班", "上班", "补班", "调休上班"})
HEADERS = {"date": "date", "日期": "date", "kind": "kind", "类型": "kind", "name": "name", "名称": "name"}
_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_YEAR_LINE = re.compile(r"#\s*(?:year|years|年份|年度)\s*[:：=]\s*(.*)", re.IGNORECASE)


@dataclass(frozen=True)
class CalendarDay:
    """One row of a calendar file: a day off (休) or a make-up working day (调休上班, 班)."""

    day: date
    working: bool
    name: str = ""


@dataclass(frozen=True)
class RowProblem:
    row: int  # the file's own 1-based line number
    reason: str


class CalendarFileError(ValueError):
    """A calendar file that cannot be loaded; ``problems`` lists every bad row and why."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"row {p.row}: {p.reason}" for p in problems))


@dataclass(frozen=True)
class CalendarFile:
    """A parsed calendar file: its days and the years it covers (its rows' years and ``# year:`` lines)."""

    days: tuple[CalendarDay, ...]
    years: frozenset[int]


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_day(text: str) -> date:
    """A date written 2027-01-01, 2027/1/1 or 2027年1月1日 (full-width digits too)."""
    cleaned = _clean(text)
    for form in _DATE_FORMS:
        m = form.fullmatch(cleaned)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a date ({exc})") from exc
    raise ValueError(f"{text!r} is not a date like 2027-01-01 or 2027/1/1")


def parse_kind(text: str) -> bool:
    """True for a make-up working day (workday, 班), False for a day off (holiday, 休)."""
    kind = _clean(text).lower()
    if kind in WORK_KINDS:
        return True
    if kind in OFF_KINDS:
        return False
    raise ValueError(f"kind {text!r} is neither holiday/休/off (day off) nor workday/班/work (make-up working day)")


def _declared_years(value: str) -> list[int]:
    parts = [p for p in re.split(r"[,，;；\s]+", _clean(value)) if p]
    if not parts or not all(p.isdigit() and FIRST_YEAR <= int(p) <= LAST_YEAR for p in parts):
        raise ValueError(f"'# year:' must name years {FIRST_YEAR}–{LAST_YEAR}, e.g. '# year: 2027', not {value!r}")
    return [int(p) for p in parts]


def _header(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = HEADERS.get(normalise_header(cell))
        if name and name not in columns:
            columns[name] = i
    if "date" not in columns or "kind" not in columns:
        found = ", ".join(c.strip() for c in cells if c.strip())
        raise ValueError(f"the header must name the columns date and kind (日期, 类型); found {found}")
    return columns


def _day_row(cells: list[str], columns: dict[str, int]) -> tuple[CalendarDay | None, list[str]]:
    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    reasons: list[str] = []
    day: date | None = None
    working = False
    try:
        day = parse_day(cell("date"))
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            reasons.append(f"{day} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    except ValueError as exc:
        reasons.append(str(exc))
    try:
        working = parse_kind(cell("kind"))
    except ValueError as exc:
        reasons.append(str(exc))
    name = _clean(cell("name"))
    if len(name) > NAME_MAX:
        reasons.append(f"name longer than {NAME_MAX} characters")
    if reasons or day is None:
        return None, reasons
    return CalendarDay(day, working, name), []


def _refuse(problems: list[RowProblem]) -> NoReturn:
    raise CalendarFileError(sorted(problems, key=lambda p: p.row))


def parse_calendar(text: str) -> CalendarFile:
    """Parse a calendar file (CSV ``date,kind,name`` or ``日期,类型,名称``; ``#`` lines are comments,
    ``# year: 2027`` declares a year). Raises ``CalendarFileError`` listing every bad row: a file
    with any bad row is not usable as a whole."""
    columns: dict[str, int] | None = None
    header_row = 1
    days: dict[date, tuple[int, CalendarDay]] = {}
    years: set[int] = set()
    problems: list[RowProblem] = []
    for row, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            m = _YEAR_LINE.fullmatch(_clean(stripped))
            if m:
                try:
                    years.update(_declared_years(m[1]))
                except ValueError as exc:
                    problems.append(RowProblem(row, str(exc)))
            continue
        cells = next(csv.reader([line]), [])
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            header_row = row
            try:
                columns = _header(cells)
            except ValueError as exc:
                problems.append(RowProblem(row, str(exc)))
                _refuse(problems)
            continue
        parsed, reasons = _day_row(cells, columns)
        if parsed is not None and parsed.day in days:
            reasons.append(f"{parsed.day} is listed twice (also row {days[parsed.day][0]})")
        if reasons or parsed is None:
            problems.append(RowProblem(row, "; ".join(reasons)))
            continue
        days[parsed.day] = (row, parsed)
    if columns is None:
        problems.append(RowProblem(header_row, "no header row: expected date,kind,name (日期,类型,名称)"))
    elif not days and not years and not problems:
        problems.append(RowProblem(header_row, "the file lists no day and declares no year ('# year: 2027')"))
    if problems:
        _refuse(problems)
    found = tuple(d for _, d in sorted(days.values(), key=lambda rd: rd[1].day))
    return CalendarFile(days=found, years=frozenset(years | {d.day.year for d in found}))


def parse_calendar_file(text: str) -> list[CalendarDay]:
    """The days of a calendar file, in date order (see ``parse_calendar`` for the format and errors)."""
    return list(parse_calendar(text).days)


def decode_calendar_bytes(data: bytes) -> str:
    """A calendar file's text: UTF-8 (with or without BOM) or GB18030 as Excel saves CSV in China."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or GB18030 text")
