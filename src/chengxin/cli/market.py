"""``chengxin market …`` (platform data intake) and ``chengxin ratings …`` (ratings and points)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.db import unit_of_work, utcnow
from chengxin.domains.market import importer
from chengxin.domains.ratings import chain, defaults
from chengxin.domains.ratings import rules as rating_rules
from chengxin.security.actor import cli_actor

app = typer.Typer(help="Marketplace data from platforms (平台交易数据).", no_args_is_help=True)
ratings_app = typer.Typer(help="Ratings, credit points and levels (交易信用评价).", no_args_is_help=True)


def _report(folder: Path, report: Path | None, result: importer.MarketImport) -> str | None:
    path = report or folder / "rejected.csv"
    if not result.rejections:
        path.unlink(missing_ok=True)
        return None
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["table", "row", "key", "code", "detail"])
        w.writerows([r.table, r.row, r.key, r.code, r.detail] for r in result.rejections)
    return str(path)


@app.command("import")
@handle_errors
def import_cmd(
    folder: Path = typer.Argument(..., help="a dataset folder: <table>.parquet or <table>.csv per table"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
    report: Path | None = typer.Option(None, help="where to write rejected rows (default DIR/rejected.csv)"),
) -> None:
    """Import a marketplace dataset; valid rows land, rejected rows are listed; re-running is idempotent."""
    db = database()
    with Progress(
        TextColumn("导入 {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} rows"),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or not console.is_terminal,
    ) as progress:
        tasks: dict[str, object] = {}

        def tick(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=total)
            progress.update(tasks[table], completed=done)  # type: ignore[arg-type]

        result = importer.import_dataset(db, folder, actor=cli_actor("market.import"), progress=tick)
    summary = result.as_dict()
    path = _report(folder, report, result)
    if path:
        summary["report"] = path
    if as_json:
        print_json_line(summary)
        return
    table = Table("table 数据表", "read", "inserted", "updated", "unchanged", "rejected")
    for name, t in result.tables.items():
        table.add_row(name, *(f"{getattr(t, k):,}" for k in ("read", "inserted", "updated", "unchanged", "rejected")))
    out.print(table)
    if path:
        console.print(f"[yellow]{len(result.rejections)} 行被拒绝 rejected[/yellow] (first 10; all in {path}):")
        for r in result.rejections[:10]:
            console.print(f"  {r.table} row {r.row}: {r.code} — {r.detail}")


@ratings_app.command("verify")
@handle_errors
def verify_cmd(
    seller: str | None = typer.Option(None, help="only this seller account's chain"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check every seller's rating chain; exit 1 when a rating or reply was altered or removed."""
    db = database()
    with unit_of_work(db, readonly=True) as session:
        checked, problems = chain.verify(session, seller=seller)
    if as_json:
        print_json_line({"checked": checked, "problems": [p.__dict__ for p in problems]})
    elif problems:
        for p in problems:
            console.print(f"[red]卖家 {p.seller_account_id} link {p.seq} ({p.link})[/red]: {p.problem}")
    else:
        out.print(f"评价链完整 ratings chain intact: {checked:,} links")
    if problems:
        raise typer.Exit(1)


@ratings_app.command("defaults")
@handle_errors
def defaults_cmd(
    on: str | None = typer.Option(None, "--date", help="give the default ratings due by this day (default: today)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Give the default ratings (默认评价) of orders whose rating window has lapsed."""
    from chengxin.domains.subjects.service import legal_today

    day = date.fromisoformat(on) if on else legal_today()
    db = database()
    with unit_of_work(db) as session:
        given = defaults.apply_defaults(session, day, policy=rating_rules.load_rules(), now=utcnow())
    if as_json:
        print_json_line({"date": day.isoformat(), "given": given})
    else:
        out.print(f"默认评价 default ratings given: {given:,} (as of {day})")
