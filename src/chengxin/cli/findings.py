"""``chengxin findings …``: detection findings under human review (监测线索复核) — load a run, list the
review cases, confirm (credit records follow) or dismiss one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from chengxin.cli.common import console, database, handle_errors, out, print_json_line, rejection_report
from chengxin.config import get_settings
from chengxin.db import unit_of_work
from chengxin.domains.detection import decisions, service
from chengxin.domains.detection.schemas import CaseOut
from chengxin.errors import UnusableInput
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher

app = typer.Typer(help="Detection findings under review (监测线索复核).", no_args_is_help=True)


@app.command("load")
@handle_errors
def load_cmd(
    file: Path = typer.Argument(..., help="findings.parquet or findings.csv (MARKETPLACE.md § Findings)"),
    platform: str | None = typer.Option(None, "--platform", help="the platform the findings are about"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
    report: Path | None = typer.Option(None, help="where to write rejected rows (default FILE.rejected.csv)"),
) -> None:
    """Load a findings file into the review queue; rejected rows are listed; loading it again adds nothing.
    Exits 0 when it ran to the end (even with rejected rows), non-zero only when the file is unusable."""
    if not file.is_file():
        raise UnusableInput(f"{file}: no such file", code="findings_unreadable", message_zh="线索文件不存在")
    frame = service.read_frame(file.read_bytes(), name=file.name)
    db = database()
    with unit_of_work(db) as session:
        summary = service.load_findings(
            session, frame, actor=cli_actor("findings.load"), source=file.name, platform_id=platform
        )
    counts = {k: v for k, v in summary.as_dict().items() if k != "rejections"}
    rejection_report(file, report, summary.rejections, counts, quiet=as_json)
    if as_json:
        print_json_line(counts | {"rejections": [r.as_dict() for r in summary.rejections[:100]]})
        return
    out.print(
        f"线索 findings: {summary.rows:,} rows — {summary.queued:,} queued, {summary.suppressed:,} suppressed "
        f"(dismissed before), {summary.already_loaded:,} already loaded, {summary.rejected:,} rejected; "
        f"cases: {summary.cases_opened:,} opened, {summary.cases_extended:,} extended"
    )


@app.command("cases")
@handle_errors
def cases_cmd(
    status: str | None = typer.Option("pending", help="pending, confirmed, dismissed or all"),
    detector: str | None = typer.Option(None, help="only this detector's cases"),
    page: int = typer.Option(1, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The review queue (50 a page, highest score first)."""
    db = database()
    with unit_of_work(db, readonly=True) as session:
        total, cases = service.list_cases(
            session, detector=detector, status=None if status in (None, "all") else status, page=page
        )
        rows = [CaseOut.of(c) for c in cases]
    if as_json:
        print_json_line({"total": total, "page": page, "cases": [r.model_dump(mode="json") for r in rows]})
        return
    table = Table("case 案件", "detector 类型", "group 团伙", "entities", "score", "status 状态", "explanation 说明")
    for c in rows:
        table.add_row(str(c.id), c.detector_zh, c.group_id or "—", str(c.entity_count), f"{c.top_score:.2f}",
                      c.status_zh, c.explanation)  # fmt: skip
    out.print(table)
    out.print(f"{total:,} cases")


@app.command("confirm")
@handle_errors
def confirm_cmd(
    case_id: int = typer.Argument(..., min=1),
    reason: str = typer.Option(..., "--reason", help="the reviewer's reasons (复核意见)"),
    severity: str | None = typer.Option(None, help="minor, general or serious (default: the catalog type's)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Confirm a case: a credit record for each subject concerned; the subjects are re-evaluated."""
    db = database()
    with unit_of_work(db) as session:
        case = decisions.confirm(session, actor=cli_actor("findings.confirm"), case_id=case_id, reason=reason,
                                 severity=severity, cipher=cipher(get_settings()))  # fmt: skip
        result = CaseOut.of(case)
    if as_json:
        print_json_line(result.model_dump(mode="json"))
        return
    outcome = result.outcome or {}
    out.print(f"案件 {case_id} 已确认 confirmed")
    for r in outcome.get("records", []):
        out.print(f"  {', '.join(r['accounts'])}: record {r.get('record_id', '—')} ({r['result']})")
    for n in outcome.get("no_subject", []):
        console.print(f"  [yellow]{n.get('account_id') or n.get('entity_id')}[/yellow]: no subject 无已知主体")


@app.command("dismiss")
@handle_errors
def dismiss_cmd(
    case_id: int = typer.Argument(..., min=1),
    reason: str = typer.Option(..., "--reason", help="why it is not a violation (排除理由, required)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Dismiss a case; its entities are not queued again by later runs."""
    db = database()
    with unit_of_work(db) as session:
        result = CaseOut.of(service.dismiss(session, actor=cli_actor("findings.dismiss"), case_id=case_id,
                                            reason=reason))  # fmt: skip
    if as_json:
        print_json_line(result.model_dump(mode="json"))
        return
    out.print(f"案件 {case_id} 已排除 dismissed")
