"""``chengxin assessments``: complaints intake, notices to platforms, and the periodic credit assessment
of platforms and logistics companies (信用状况评估) with its bulletin."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import typer

from chengxin.cli.common import console, database, handle_errors, out, print_json_line, rejection_report
from chengxin.db import unit_of_work
from chengxin.domains.assessments import complaints, notices, rules, service
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import InvalidInput, NotFound
from chengxin.security.actor import cli_actor

app = typer.Typer(help="平台与寄递物流企业信用状况评估: complaints, notices, assessments, bulletin.",
                  no_args_is_help=True)  # fmt: skip


@app.command("complaints")
@handle_errors
def import_complaints(
    file: Path = typer.Argument(..., help="CSV, XLSX or JSON; Chinese or English headers"),
    report: Path | None = typer.Option(None, help="where to write the rejected rows (default FILE.rejected.csv)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import complaints and their handling (投诉数据); re-importing a file changes nothing."""
    with unit_of_work(database()) as session:
        result = complaints.intake_file(session, cli_actor("complaints"), file)
    counts = {k: v for k, v in result.as_dict().items() if k != "rejections"} | {"file": str(file)}
    rejection_report(file, report, result.rejections, counts, quiet=as_json)
    if as_json:
        print_json_line(counts)
    else:
        out.print(f"投诉 complaints: {result.inserted} new, {result.updated} updated, {result.unchanged} unchanged, "
                  f"{result.rejected} rejected of {result.rows} rows")  # fmt: skip


@app.command("notice")
@handle_errors
def issue_notice(
    subject: str = typer.Option(..., help="the platform operator's or logistics company's USCC"),
    kind: str = typer.Option(..., help=", ".join(rules.NOTICE_KINDS)),
    title: str = typer.Option(...),
    text: str = typer.Option(...),
    due: str = typer.Option(..., help="due date, YYYY-MM-DD"),
) -> None:
    """Send a notice with a due date (its answer is the addressee's, through the API)."""
    try:
        due_on = date.fromisoformat(due)
    except ValueError as exc:
        raise InvalidInput(f"--due {due!r} is not a date (YYYY-MM-DD)", code="bad_date") from exc
    with unit_of_work(database()) as session:
        found = session.query(Subject).filter(Subject.uscc == subject.strip().upper()).one_or_none()
        if found is None:
            raise NotFound(f"no subject with USCC {subject}", code="subject_not_found")
        n = notices.issue(session, cli_actor("notices"), subject_id=found.id, kind=kind, title=title, text=text,
                          due_on=due_on, issued_on=legal_today())  # fmt: skip
        out.print(f"notice {n.notice_no} to {found.name}, due {n.due_on}")


@app.command("run")
@handle_errors
def run(
    period: str = typer.Option("", help="2026Q3, 2026-10 or 2026 (default: the last complete quarter)"),
    publish: bool = typer.Option(False, "--publish", help="publish the bulletin at once"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Assess every platform operator and logistics company for a period that is over."""
    today = legal_today()
    period = period or rules.last_complete_quarter(today)
    actor = cli_actor("assessments")
    with unit_of_work(database()) as session:
        done = service.run(session, actor, period, today=today)
        if publish:
            service.publish(session, actor, period)
        grades = Counter(a.grade for a in done)
        summary = {"period": period.upper(), "assessed": len(done), "published": publish,
                   "grades": dict(sorted(grades.items()))}  # fmt: skip
        if not as_json:
            for a in done:
                out.print(f"{a.kind:9} subject {a.subject_id:>7}  {a.score:6.2f}  {a.grade}")
    if as_json:
        print_json_line(summary)
    else:
        state = "published" if publish else "drafts (publish with `chengxin assessments publish`)"
        console.print(f"{summary['assessed']} assessed for {summary['period']}; {state}")


@app.command("publish")
@handle_errors
def publish_cmd(period: str = typer.Option(..., help="the period to publish")) -> None:
    """Publish a period's bulletin (公告)."""
    with unit_of_work(database()) as session:
        n = service.publish(session, cli_actor("assessments"), period)
    out.print(f"{period.upper()}: {n} assessments published")


@app.command("export")
@handle_errors
def export(
    period: str = typer.Option(...),
    out_file: Path = typer.Option(..., "--out", help=".csv or .xlsx"),
) -> None:
    """Write a period's assessments (drafts included) to a CSV or Excel file."""
    with unit_of_work(database(), readonly=True) as session:
        rows = service.bulletin(session, period, published_only=False)
        if out_file.suffix.lower() == ".xlsx":
            out_file.write_bytes(service.export_xlsx(rows))
        else:
            out_file.write_text(service.export_csv(rows), encoding="utf-8-sig")
    out.print(f"{len(rows)} assessments written to {out_file}")


@app.command("check-rules")
@handle_errors
def check_rules(file: Path = typer.Argument(..., help="an assessment rules TOML file")) -> None:
    """Check an assessment rules file before setting CHENGXIN_ASSESSMENT_RULES to it; every problem is named."""
    try:
        policy = rules.load_rules(file)
    except rules.RulesInvalid as exc:
        for problem in exc.problems:
            console.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(1) from exc
    except OSError as exc:
        raise InvalidInput(f"{file}: {exc.strerror}", code="file_missing") from exc
    for m in policy.models.values():
        out.print(
            f"✓ {m.label} {m.name}: {len(m.indicators)} indicators, grades {', '.join(g for g, _, _ in m.grades)}"
        )
