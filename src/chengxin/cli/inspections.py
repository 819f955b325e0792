"""``chengxin inspections``: the roster, random inspection plans (双随机、一公开) and their results."""

from __future__ import annotations

from datetime import date

import typer

from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.db import unit_of_work
from chengxin.domains.inspections import service
from chengxin.errors import InvalidInput
from chengxin.security.actor import cli_actor

app = typer.Typer(help="分级分类监管 graded supervision: inspectors, random inspection plans, results.",
                  no_args_is_help=True)  # fmt: skip


@app.command("add-inspector")
@handle_errors
def add_inspector(
    organisation: int = typer.Option(..., help="the department's organisation id"),
    name: str = typer.Option(...),
    badge: str = typer.Option(..., help="执法证号"),
    sector: str = typer.Option(..., help="e.g. market_regulation"),
) -> None:
    """Put an inspector on the sector's roster."""
    with unit_of_work(database()) as session:
        inspector = service.add_inspector(session, cli_actor("inspections"), organisation_id=organisation, name=name,
                                          badge_no=badge, sector=sector)  # fmt: skip
        out.print(f"inspector {inspector.id}: {name} ({sector})")


@app.command("add-conflict")
@handle_errors
def add_conflict(
    inspector: int = typer.Option(...), subject: int = typer.Option(...), reason: str = typer.Option(...)
) -> None:
    """Declare a conflict of interest (回避): the inspector is never drawn for the subject."""
    with unit_of_work(database()) as session:
        service.add_conflict(session, cli_actor("inspections"), inspector_id=inspector, subject_id=subject,
                             reason=reason)  # fmt: skip
    out.print(f"inspector {inspector} will not be sent to subject {subject}")


@app.command("plan")
@handle_errors
def plan(
    sector: str = typer.Option(...),
    month: str = typer.Option(..., help="YYYY-MM"),
    seed: int | None = typer.Option(None, help="the random seed (default: derived from sector and month)"),
    division: str = typer.Option("", help="only subjects of this division code prefix"),
    organisation: int | None = typer.Option(None, help="the department running it (default: the sector's first)"),
    publish: bool = typer.Option(False, "--publish", help="publish it at once (一公开)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Draw a random inspection plan from the subjects' supervision classes (their credit grades)."""
    actor = cli_actor("inspections")
    with unit_of_work(database()) as session:
        p = service.make_plan(session, actor, sector=sector, month=month, seed=seed, division=division,
                              organisation_id=organisation)  # fmt: skip
        if publish:
            service.publish(session, actor, p.id)
        summary = {"plan_id": p.id, "sector": p.sector, "month": p.month, "seed": p.seed, "status": p.status,
                   "classes": p.population["classes"]}  # fmt: skip
    drawn = ", ".join(f"{c} {v['drawn']}/{v['subjects']}" for c, v in summary["classes"].items())
    out.print(
        f"抽查计划 plan {summary['plan_id']} ({sector} {month}, seed {summary['seed']}, {summary['status']}): {drawn}"
    )
    if as_json:
        print_json_line(summary)


@app.command("publish")
@handle_errors
def publish_cmd(plan_id: int = typer.Argument(...)) -> None:
    """Publish a drafted plan (一公开): its subjects and, as they come, their results are public."""
    with unit_of_work(database()) as session:
        service.publish(session, cli_actor("inspections"), plan_id)
    out.print(f"plan {plan_id} published at /inspections/{plan_id}")


@app.command("result")
@handle_errors
def result(
    task_id: int = typer.Argument(...),
    outcome: str = typer.Option(..., help="passed | failed"),
    finding: str = typer.Option(..., help="检查结果"),
    product: str | None = typer.Option(None, help="failed: the product or item inspected"),
    on: str | None = typer.Option(None, "--date", help="inspection day (default: today)"),
) -> None:
    """Record an inspection's result; a failure becomes a credit record and re-evaluates the subject."""
    from chengxin.config import get_settings
    from chengxin.domains.records.service import legal_today
    from chengxin.security.crypto import cipher

    try:
        day = date.fromisoformat(on) if on else legal_today()
    except ValueError as exc:
        raise InvalidInput(f"--date {on!r} is not a date", code="invalid_date") from exc
    with unit_of_work(database()) as session:
        task = service.record_result(session, cli_actor("inspections"), task_id, outcome=outcome, inspected_on=day,
                                     finding=finding, product=product, cipher=cipher(get_settings()))  # fmt: skip
        note = f", record {task.record_id}" if task.record_id else ""
    console.print(f"task {task_id}: {outcome}{note}")
