"""``chengxin records …``: import record files (双公示 sheets), run the publicity job."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from chengxin.cli.common import console, database, handle_errors, print_json_line, rejection_report
from chengxin.config import get_settings
from chengxin.domains.records import importer
from chengxin.domains.records import service as record_service
from chengxin.errors import InvalidInput
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher, load_master_key
from chengxin.workflows.withdrawal import expire_all

app = typer.Typer(help="Credit records (信用记录): file import and the publicity job.", no_args_is_help=True)



@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, XLSX or JSON; 双公示 sheets with Chinese headers as sent"),
    source: str | None = typer.Option(
        None, "--source", help="source organisation (数据来源单位) for rows that do not name one"
    ),
    record_type: str | None = typer.Option(
        None, "--type", help="record type code (admin_penalty, admin_licence, …); default: told by the headers"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
    report: Path | None = typer.Option(None, help="where to write rejected rows (default FILE.rejected.csv)"),
) -> None:
    """Import credit records; valid rows land, rejected rows are listed; re-running is idempotent."""
    settings = get_settings()
    db = database(settings)
    with Progress(
        TextColumn("导入 importing"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or not console.is_terminal,
    ) as progress:
        task = progress.add_task("rows", total=None)
        summary = importer.run_import(
            db,
            actor=cli_actor("records.import"),
            path=file,
            cipher=cipher(settings),
            master_key=load_master_key(settings),
            batch_size=settings.import_batch_size,
            record_type=record_type,
            default_source=source,
            tick=lambda n: progress.update(task, completed=n),
        )
    counts = summary.counts()
    rejection_report(file, report, summary.rejections, counts, quiet=as_json)
    if summary.new_sources and not as_json:
        console.print(
            "[yellow]新的数据来源单位，待信用中心确认 new sources, pending confirmation:[/yellow] "
            + "、".join(summary.new_sources)
        )
    if as_json:
        print_json_line(counts)
    else:
        console.print(
            f"inserted {summary.inserted}, corrected {summary.corrected}, unchanged {summary.unchanged}, "
            f"unmatched {summary.unmatched} (待匹配), rejected {summary.rejected} (rows read {summary.rows})"
        )


@app.command("expire")
@handle_errors
def expire_cmd(
    on: str | None = typer.Option(None, "--date", help="the day to run for, YYYY-MM-DD (default: today)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON object on the last line"),
) -> None:
    """The publicity job: stop publishing records whose publicity period has ended (公示期满)."""
    try:
        today = date.fromisoformat(on) if on else record_service.legal_today()
    except ValueError as exc:
        raise InvalidInput(f"--date {on!r} is not YYYY-MM-DD", code="invalid_date") from exc
    db = database(get_settings())
    actor = cli_actor("records.expire")
    expired = expire_all(db, actor=actor, today=today)
    if as_json:
        print_json_line({"date": today.isoformat(), "expired": expired})
    else:
        console.print(f"{today.isoformat()}: {expired} 条记录公示期满，停止公示 records stopped being published")
