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


@ratings_app.command("batch")
@handle_errors
def batch_cmd(
    source: str = typer.Option("db", "--from", help="'db' (the stored data) or a dataset folder (DIR)"),
    engine: str = typer.Option("polars", help="polars (default), duckdb or spark (local mode unless configured)"),
    on: str | None = typer.Option(None, "--date", help="compute as of this day (default: today)"),
    out_file: Path | None = typer.Option(None, "--out", help="write the results to this Parquet or CSV file"),
    compare: bool = typer.Option(False, "--compare", help="compare with what the service keeps (--from db only)"),
    sample: int = typer.Option(500, help="with --compare: accounts whose counts and DSR are also compared (0: all)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Credit points, levels, positive rate and store ratings of every account, in one batch pipeline."""
    from chengxin.analytics.credit import compute_credit
    from chengxin.domains.ratings import export
    from chengxin.domains.subjects.service import legal_today
    from chengxin.errors import InvalidInput

    if engine not in ("polars", "duckdb", "spark"):
        raise InvalidInput(f"--engine must be polars, duckdb or spark, not {engine!r}", code="invalid_engine")
    day = date.fromisoformat(on) if on else legal_today()
    policy = rating_rules.load_rules()
    summary: dict[str, object] = {"date": day.isoformat(), "engine": engine, "from": source}
    db = database() if source == "db" else None
    if db is not None:
        with unit_of_work(db, readonly=True) as session:
            pending = export.pending_defaults(session, day, policy)
            if compare and pending:
                raise InvalidInput(
                    f"{pending:,} orders' rating windows lapsed by {day} without their default ratings; "
                    f"run `chengxin ratings defaults --date {day}` first",
                    code="defaults_pending",
                )
            tables = export.frames(session)
        result = compute_credit(tables, day=day, rules=policy, engine=engine)
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise InvalidInput(f"--from {source}: not 'db' and not a folder", code="dataset_missing")
        if compare:
            raise InvalidInput("--compare needs --from db", code="invalid_option")
        result = compute_credit(folder, day=day, rules=policy, engine=engine)
    summary["accounts"] = result.height
    summary["points_total"] = int(result["points"].sum()) if result.height else 0
    if out_file is not None:
        if out_file.suffix == ".csv":
            result.write_csv(out_file)
        else:
            result.write_parquet(out_file)
        summary["out"] = str(out_file)
    if compare and db is not None:
        with unit_of_work(db, readonly=True) as session:
            comparison = export.compare(session, result, day=day, policy=policy, sample=sample)
        summary["compare"] = comparison.as_dict()
    if as_json:
        print_json_line(summary)
    else:
        out.print(f"{result.height:,} account sides computed as of {day} on {engine}")
        if compare:
            c = summary["compare"]
            assert isinstance(c, dict)
            verdict = "一致 agree" if not c["differences"] else f"[red]{c['differences']} differences[/red]"
            out.print(
                f"service vs batch: {c['points_checked']:,} points/levels, {c['details_checked']:,} "
                f"accounts in detail — {verdict}"
            )
    if compare and summary["compare"]["differences"]:  # type: ignore[index]
        raise typer.Exit(1)
