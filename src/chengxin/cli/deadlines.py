"""``chengxin deadlines …``: working-day deadlines (期限) and the official calendar they count on (工作日历)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from chengxin.cli.common import console, database, handle_errors, print_json_line
from chengxin.db import unit_of_work
from chengxin.domains.calendar import rules
from chengxin.domains.calendar import service as calendar_service
from chengxin.errors import InvalidInput, UnusableInput
from chengxin.security.actor import cli_actor

app = typer.Typer(
    help="Working-day deadlines (期限) and the official working-day calendar (工作日历).", no_args_is_help=True
)

SHOWN_DAYS_OFF = 40  # a long deadline skips many days off: the text lists the first ones (--json lists all)


def _say(text: str, *, markup: bool = True, style: str | None = None) -> None:
    """One line of human-readable text on standard error (``--json`` output alone goes to standard
    output), never wrapped, numbers not highlighted."""
    console.print(text, highlight=False, soft_wrap=True, markup=markup, style=style)


def _parse_date(value: str, what: str) -> date:
    try:
        return rules.parse_day(value)
    except ValueError as exc:
        raise InvalidInput(f"{what} {value!r} is not a date (YYYY-MM-DD)", code="invalid_date") from exc


def _provisional_note(years: list[int]) -> str:
    return f"provisional (calendar for {', '.join(str(y) for y in years)} not loaded)"


@app.command("add-working-days", context_settings={"ignore_unknown_options": True})
@handle_errors
def add_working_days_cmd(
    start: str = typer.Argument(..., metavar="DATE", help="the day of the event, YYYY-MM-DD (it does not count)"),
    n: int = typer.Argument(..., metavar="N", help="how many working days (0 or more)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON object on the last line"),
) -> None:
    """The N-th working day after DATE on the official calendar (holidays off, 调休 make-up days worked)."""
    day = _parse_date(start, "DATE")
    with unit_of_work(database(), readonly=True) as s:
        cal = calendar_service.current_calendar(s)
    try:
        deadline = rules.add_working_days(cal, day, n)
    except ValueError as exc:
        raise InvalidInput(f"N: {exc}", code="invalid_working_days", message_zh="工作日数有误") from exc
    skipped = rules.days_off_between(cal, day, deadline.due)
    unknown = rules.unknown_years_between(cal, day, deadline.due)
    if as_json:
        print_json_line(
            {
                "start": day.isoformat(),
                "working_days": n,
                "due": deadline.due.isoformat(),
                "weekday": rules.weekday_zh(deadline.due),
                "days_off_skipped": [d.isoformat() for d in skipped],
                "provisional": deadline.provisional,
                "unknown_years": unknown,
            }
        )
        return
    names = {sd.day: sd.name for y in range(day.year, deadline.due.year + 1) for sd in rules.special_days(cal, y)}
    _say(
        f"{day.isoformat()} 之后第 {n} 个工作日 working day {n} after {day.isoformat()}: "
        f"[bold]{deadline.due.isoformat()} {rules.weekday_zh(deadline.due)}[/bold]",
    )
    if skipped:
        _say(f"跳过的休息日 days off skipped ({len(skipped)}):")
        for d in skipped[:SHOWN_DAYS_OFF]:
            _say(f"  {d.isoformat()} {rules.weekday_zh(d)} {names.get(d, '')}".rstrip())
        if len(skipped) > SHOWN_DAYS_OFF:
            _say(f"  … and {len(skipped) - SHOWN_DAYS_OFF} more (--json lists all)", markup=False)
    if deadline.provisional:
        _say(
            f"[yellow]暂定 {_provisional_note(unknown)}[/yellow]: weekends counted as days off, Monday to Friday "
            "as working days; load the official calendar with `chengxin deadlines load-calendar FILE`",
        )


@app.command("load-calendar")
@handle_errors
def load_calendar_cmd(
    file: Path = typer.Argument(..., help="CSV with header date,kind,name (or 日期,类型,名称); UTF-8 or GB18030"),
    source: str | None = typer.Option(
        None, "--source", help="where the calendar comes from, e.g. the State Council notice (default: the file name)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
) -> None:
    """Load a year's official calendar (holidays and make-up working days) from a file; audited.
    A file with any bad row is refused whole, every bad row listed."""
    try:
        try:
            text = rules.decode_calendar_bytes(file.read_bytes())
        except OSError as exc:
            raise UnusableInput(
                f"{file}: {exc.strerror or exc}", code="file_missing", message_zh="文件无法读取"
            ) from exc
        except ValueError as exc:
            raise UnusableInput(f"{file.name}: {exc}", code="file_encoding", message_zh="文件编码无法识别") from exc
        with unit_of_work(database()) as s:
            result = calendar_service.load_calendar(
                s, actor=cli_actor("deadlines.load-calendar"), text=text, source=source or file.name
            )
    except UnusableInput as exc:
        _say(f"[red]错误 {exc.code}[/red]: {exc.message_zh} — {escape(str(file))}")
        for e in exc.errors:
            _say(f"  row {e['row']}: {e['reason']}", markup=False)
        if not exc.errors:
            _say(f"  {exc.detail}", markup=False)
        if as_json:
            print_json_line({"file": str(file), "loaded": False, "code": exc.code, "errors": exc.errors})
        raise typer.Exit(exc.exit_code) from exc
    summary: dict[str, Any] = {"file": str(file), "loaded": True, **result.as_dict()}
    if as_json:
        print_json_line(summary)
        return
    _say(
        f"[green]已载入工作日历[/green] calendar loaded for {', '.join(str(y) for y in result.years)}: "
        f"{result.days_off} days off (休), {result.workdays} make-up working days (班); "
        f"{result.replaced} earlier loaded days replaced",
    )


@app.command("calendar")
@handle_errors
def calendar_cmd(
    year: int | None = typer.Option(None, "--year", help="the year whose special days to list (default: this year)"),
    as_json: bool = typer.Option(False, "--json", help="print the calendar as one JSON object"),
) -> None:
    """Which years are known (package, loaded, unknown) and one year's days off and make-up working days."""
    with unit_of_work(database(), readonly=True) as s:
        cal = calendar_service.current_calendar(s)
        loaded = [
            {"year": y.year, "source": y.source, "loaded_at": y.loaded_at.isoformat(), "loaded_by": y.loaded_by}
            for y in calendar_service.loaded_years(s)
        ]
    this_year = calendar_service.legal_today().year
    year = this_year if year is None else year
    status = rules.year_source(cal, year)
    days = rules.special_days(cal, year)
    package = cal.base.years
    if as_json:

        def entries(working: bool) -> list[dict[str, str]]:
            return [
                {"date": d.day.isoformat(), "name": d.name, "source": str(d.source)}
                for d in days
                if d.working is working
            ]

        print_json_line(
            {
                "year": year,
                "status": str(status),
                "package_years": [package.start, package.stop - 1] if package else [],
                "loaded_years": loaded,
                "days_off": entries(False),
                "workdays": entries(True),
            }
        )
        return
    _say("工作日历 working-day calendar", style="bold")
    _say(f"  chinese_calendar package 内置: {package.start}–{package.stop - 1}")
    for y in loaded:
        _say(f"  loaded 已载入: {y['year']} — {y['source']} ({y['loaded_at']}, {y['loaded_by']})", markup=False)
    _say("  other years 其他年份: unknown — weekends off, Monday to Friday working, deadlines provisional")
    if rules.year_source(cal, this_year + 1) is rules.YearSource.unknown:
        _say(
            f"[yellow]{this_year + 1} 年工作日历尚未载入[/yellow]: once the State Council publishes it, "
            "load it with `chengxin deadlines load-calendar FILE`",
        )
    if status is rules.YearSource.unknown:
        _say(f"{year}: unknown 未知 — no official calendar; weekends off, Monday to Friday working")
        return
    table = Table(title=f"{year} ({status}): 休 days off, 班 make-up working days")
    for col in ("date", "星期", "kind", "名称 name", "source"):
        table.add_column(col)
    for d in days:
        table.add_row(d.day.isoformat(), rules.weekday_zh(d.day), "班" if d.working else "休", d.name, str(d.source))
    console.print(table)


@app.command("check")
@handle_errors
def check_cmd(
    on: str | None = typer.Option(None, "--date", help="the day to check for, YYYY-MM-DD (default: today)"),
    strict: bool = typer.Option(False, "--strict", help="exit 1 when anything is overdue (for monitoring)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON object on the last line"),
) -> None:
    """Overdue objections (not forwarded or not decided in time) and repair applications (not reviewed)."""
    from chengxin.workflows import deadlines

    today = _parse_date(on, "--date") if on else calendar_service.legal_today()
    with unit_of_work(database(), readonly=True) as session:
        report = deadlines.check(session, today)
    if as_json:
        print_json_line(report.as_dict())
    else:
        if report.late:
            table = Table(title=f"已逾期 overdue on {today.isoformat()}")
            for col in ("kind", "id", "subject", "stage", "due", "working days late", "decider"):
                table.add_column(col)
            for x in report.late:
                table.add_row(x.kind, str(x.id), str(x.subject_id), x.stage, x.due.isoformat(), str(x.days_late),
                              x.decider)  # fmt: skip
            console.print(table)
        else:
            _say(f"{today.isoformat()}: 没有逾期事项 nothing overdue")
        if report.next_year_calendar == "unknown":
            _say(f"[yellow]{today.year + 1} 年的工作日历尚未导入：跨年的期限暂按周末计算 (provisional); "
                 "load it with `chengxin deadlines load-calendar`[/yellow]")  # fmt: skip
    if strict and report.late:
        raise typer.Exit(1)
