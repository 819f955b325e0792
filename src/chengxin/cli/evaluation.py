"""``chengxin evaluate``: batch credit evaluation, the model file check, the facts export."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import typer

from chengxin.analytics.engines import get_engine
from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.db import unit_of_work
from chengxin.domains.evaluation import facts
from chengxin.domains.evaluation import service as evaluation
from chengxin.domains.evaluation.pipeline import RECORD_SCHEMA, SUBJECT_SCHEMA, evaluate_frames
from chengxin.domains.evaluation.rules import ModelInvalid, load_models
from chengxin.errors import InvalidInput, UnusableInput

app = typer.Typer(help="信用评价 credit evaluation: scores and grades of every subject.", invoke_without_command=True)
ENGINES = ("polars", "duckdb", "spark")


def _day(on: str | None) -> date:
    from chengxin.domains.subjects.service import legal_today

    try:
        return date.fromisoformat(on) if on else legal_today()
    except ValueError as exc:
        raise InvalidInput(f"--date {on!r} is not a date (YYYY-MM-DD)", code="invalid_date") from exc


def _read(folder: Path, name: str, schema: Mapping[str, Any]) -> pl.DataFrame:
    for suffix, reader in ((".parquet", pl.read_parquet), (".csv", pl.read_csv)):
        path = folder / f"{name}{suffix}"
        if path.exists():
            frame = reader(path)
            missing = [c for c in schema if c not in frame.columns]
            if missing:
                raise UnusableInput(f"{path}: missing columns {', '.join(missing)}", code="columns_missing",
                                    message_zh="文件缺少必需的列")  # fmt: skip
            try:
                return frame.select([pl.col(c).cast(t) for c, t in schema.items()])
            except pl.exceptions.PolarsError as exc:
                raise UnusableInput(f"{path}: {exc}", code="bad_column_type", message_zh="列的类型不符合要求") from exc
    raise UnusableInput(
        f"{folder}: no {name}.parquet or {name}.csv", code="table_missing", message_zh="数据集缺少必需的表"
    )


@app.callback()
@handle_errors
def evaluate_cmd(
    ctx: typer.Context,
    engine: str = typer.Option("polars", help="polars (default), duckdb or spark (local mode unless configured)"),
    source: str = typer.Option(
        "db",
        "--from",
        help="'db' (the stored data) or a folder with subjects and records files (see `chengxin evaluate export`)",
    ),  # fmt: skip
    out_file: Path | None = typer.Option(None, "--out", help="also write the results to this Parquet file"),
    on: str | None = typer.Option(None, "--date", help="evaluate as of this day (default: today, Beijing time)"),
    model: Path | None = typer.Option(
        None, "--model", help="a model file (default: CHENGXIN_EVALUATION_MODELS or the shipped models)"
    ),  # fmt: skip
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON line at the end"),
) -> None:
    """Evaluate every subject in one pipeline; with --from db the results replace the stored ones
    (in one transaction: a failed run leaves the previous results in place)."""
    if ctx.invoked_subcommand is not None:
        return
    if engine not in ENGINES:
        raise InvalidInput(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}", code="invalid_engine")
    day = _day(on)
    if source == "db":
        from chengxin.security.actor import cli_actor

        with console.status(f"evaluating every subject on {engine} …"):
            summary, results = evaluation.run(database(), cli_actor("evaluation"), engine=engine, on=day, path=model)
        report = summary.as_dict()
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise InvalidInput(f"--from {source}: not 'db' and not a folder", code="dataset_missing")
        models = load_models(model or evaluation.models_path())
        subjects, records = _read(folder, "subjects", SUBJECT_SCHEMA), _read(folder, "records", RECORD_SCHEMA)
        results = evaluate_frames(get_engine(engine), subjects, records, models, day)
        report = evaluation.RunSummary.of(results, engine=engine, on=day).as_dict()
    if out_file is not None:
        results.write_parquet(out_file)
        report["out"] = str(out_file)
    out.print(f"评价完成 evaluated {report['subjects']:,} subjects as of {report['as_of']} on {engine}: "
              + ", ".join(f"{g} {n:,}" for g, n in report["grades"].items()))  # fmt: skip
    if as_json:
        print_json_line(report)


@app.command("check-model")
@handle_errors
def check_model(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="the model file (TOML)")) -> None:
    """Check a model file against the rules and the catalog in force; list every problem."""
    from chengxin.domains.catalog.service import active_catalog

    db = database()
    with unit_of_work(db, readonly=True) as session:
        known = set(active_catalog(session).types)
    try:
        models = load_models(path, known_types=known)
    except ModelInvalid as exc:
        for problem in exc.problems:
            console.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(2) from exc
    for kind, m in models.items():
        out.print(f"✓ {kind}: {m.label} {m.name} — {len(m.dimensions)} dimensions, {len(m.indicators)} indicators")


@app.command("export")
@handle_errors
def export(
    folder: Path = typer.Argument(..., help="where to write subjects.parquet and records.parquet"),
    on: str | None = typer.Option(None, "--date", help="rating window and repairability as of this day"),
) -> None:
    """Write the evaluation's input facts from the database (for `chengxin evaluate --from DIR`, e.g. on a cluster)."""
    from chengxin.domains.catalog.service import active_catalog
    from chengxin.domains.ratings import rules as rating_rules

    day = _day(on)
    folder.mkdir(parents=True, exist_ok=True)
    with unit_of_work(database(), readonly=True) as session:
        subjects, records = facts.frames(session, active_catalog(session), day, rating_rules.load_rules())
    subjects.write_parquet(folder / "subjects.parquet")
    records.write_parquet(folder / "records.parquet")
    out.print(f"wrote {subjects.height:,} subjects and {records.height:,} records to {folder}")


@app.command("backtest")
@handle_errors
def backtest(
    start: str | None = typer.Option(None, "--from-date", help="grades as of this day (default: 30 days before)"),
    end: str | None = typer.Option(None, "--to-date", help="grades as of this day (default: today)"),
    model: Path | None = typer.Option(
        None, "--model", help="what-if: this model file against the models in force, on current data (nothing written)"
    ),  # fmt: skip
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Grade distribution and migration matrix between two dates, or what a model change would do."""
    from datetime import timedelta

    from chengxin.domains.evaluation import backtest as bt

    db = database()
    to_day = _day(end)
    if model is not None:
        with console.status("what-if: evaluating every subject under both models …"):
            result = bt.what_if(db, model, on=to_day)
    else:
        result = bt.between(db, _day(start) if start else to_day - timedelta(days=30), to_day)
    out.print(f"{result.before} → {result.after}: {result.moved:,} subjects changed grade")
    header = "from \\ to " + " ".join(f"{g:>9}" for g in result.rows)
    out.print(header)
    for a in result.rows:
        out.print(f"{a:>9} " + " ".join(f"{result.matrix[a][b]:>9,}" for b in result.rows))
    if as_json:
        print_json_line(result.as_dict())
