"""``chengxin subjects …`` and ``chengxin registry …``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from chengxin.cli.common import console, database, handle_errors, out, print_json_line, rejection_report
from chengxin.config import get_settings
from chengxin.db import unit_of_work
from chengxin.domains.subjects import importer
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.models import Subject
from chengxin.domains.verification import service as verification_service
from chengxin.domains.verification.verifiers import make_verifier
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher, load_master_key

app = typer.Typer(help="Subjects (信用主体).", no_args_is_help=True)
registry_app = typer.Typer(help="The authoritative registry used for identity verification.", no_args_is_help=True)


@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, XLSX or JSON; Chinese headers accepted"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
    report: Path | None = typer.Option(None, help="where to write rejected rows (default FILE.rejected.csv)"),
    verify: bool = typer.Option(True, help="verify new subjects against the registry"),
) -> None:
    """Import subjects; valid rows land, rejected rows are listed; re-running is idempotent."""
    settings = get_settings()
    db = database(settings)
    pii = cipher(settings)
    actor = cli_actor("subjects.import")
    verifier = make_verifier(settings.identity_verifier) if verify else None
    table = importer.open_file(file)
    summary = importer.ImportSummary(file=file.name, ignored_columns=table.ignored_headers)

    with Progress(
        TextColumn("导入 importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or not console.is_terminal,
    ) as progress:
        task = progress.add_task("rows", total=None)
        importer.run_import(
            db,
            actor=actor,
            rows=table.rows,
            summary=summary,
            cipher=pii,
            master_key=load_master_key(settings),
            verifier=verifier,
            batch_size=settings.import_batch_size,
            tick=lambda n: progress.update(task, completed=n),
        )
    counts = summary.counts()
    rejection_report(file, report, summary.rejections, counts, quiet=as_json)
    if as_json:
        print_json_line(counts)
    else:
        console.print(
            f"inserted {summary.inserted}, updated {summary.updated}, unchanged {summary.unchanged}, "
            f"rejected {summary.rejected} (rows read {summary.rows})"
        )


@app.command("show")
@handle_errors
def show(
    code: str = typer.Argument(..., help="USCC or RIC"),
    reveal: bool = typer.Option(False, help="show the RIC in clear (logged)"),
    purpose: str = typer.Option("operations", help="purpose recorded in the audit log"),
) -> None:
    """Look a subject up by code and print it as JSON."""
    settings = get_settings()
    with unit_of_work(database(settings)) as s:
        subject = subject_service.find_by_code(s, code=code, cipher=cipher(settings))
        shown = subject_service.present(
            s, actor=cli_actor(purpose), subject=subject, cipher=cipher(settings), reveal_ric=reveal
        )
    out.print_json(shown.model_dump_json())


@app.command("verify")
@handle_errors
def verify_all(
    only: str = typer.Option("unverified", help="which subjects: unverified, not_found, mismatch, all"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run identity verification for many subjects (after a registry import, say)."""
    settings = get_settings()
    db = database(settings)
    verifier = make_verifier(settings.identity_verifier)
    actor = cli_actor("verification")
    counts: dict[str, int] = {}
    last_id = 0
    while True:
        with unit_of_work(db) as s:
            stmt = select(Subject).where(Subject.id > last_id).order_by(Subject.id).limit(2000)
            if only != "all":
                stmt = stmt.where(Subject.verification_status == only)
            subjects = list(s.scalars(stmt))
            if not subjects:
                break
            for o in verification_service.verify_subjects(s, actor=actor, verifier=verifier, subjects=subjects):
                counts[str(o.result)] = counts.get(str(o.result), 0) + 1
            last_id = subjects[-1].id
    if as_json:
        print_json_line(counts)
    else:
        console.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to verify")


@registry_app.command("import")
@handle_errors
def registry_import(file: Path, as_json: bool = typer.Option(False, "--json")) -> None:
    """Load business registrations and population records (登记库) from CSV, XLSX or JSON."""
    settings = get_settings()
    with unit_of_work(database(settings)) as s:
        summary = verification_service.import_registry(
            s, actor=cli_actor("registry.import"), path=file, cipher=cipher(settings)
        )
    counts = {
        "file": file.name,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
    }
    if summary.rejections and not as_json:
        for r in summary.rejections[:10]:
            console.print(f"  row {r['row']}: {r['code']} — {r['detail']}")
    if as_json:
        print_json_line(counts)
    else:
        console.print(", ".join(f"{k} {v}" for k, v in counts.items()))
