"""``chengxin jobs run``: the daily jobs, for cron when the server does not run them."""

from __future__ import annotations

from datetime import date

import typer

from chengxin.cli.common import console, database, handle_errors, print_json_line
from chengxin.db import unit_of_work
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import InvalidInput
from chengxin.jobs import last_runs, run_due

app = typer.Typer(help="Scheduled jobs (定时任务).", no_args_is_help=True)


@app.command("run")
@handle_errors
def run(
    on: str | None = typer.Option(None, "--date", help="the day to run for, YYYY-MM-DD (default: today)"),
    force: bool = typer.Option(False, help="run even if the day's run is already done"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as one JSON object on the last line"),
) -> None:
    """Run the day's jobs not yet run (by this or any other process)."""
    try:
        day = date.fromisoformat(on) if on else legal_today()
    except ValueError as exc:
        raise InvalidInput(f"--date {on!r} is not YYYY-MM-DD", code="invalid_date") from exc
    outcomes = run_due(database(), day=day, force=force)
    if as_json:
        print_json_line(
            {"date": day.isoformat(), "jobs": {o.job: o.result if o.ran else "already_done" for o in outcomes}}
        )
        return
    for o in outcomes:
        console.print(f"{o.job} {day}: " + (f"done {o.result}" if o.ran else "already done today (已执行)"))


@app.command("status")
@handle_errors
def status() -> None:
    """The most recent job runs."""
    with unit_of_work(database(), readonly=True) as s:
        for r in last_runs(s):
            state = f"finished {r.finished_at:%Y-%m-%d %H:%M} {r.result}" if r.finished_at else "running (or died)"
            console.print(f"{r.day} {r.job:<16} {r.runner:<30} {state}")
