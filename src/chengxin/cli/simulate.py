"""``chengxin simulate …``: synthetic datasets with injected fraud and labels, for testing detectors."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from chengxin.cli.common import console, handle_errors, out, print_json_line
from chengxin.errors import InvalidInput

app = typer.Typer(help="Simulated data with labelled fraud (模拟数据).", no_args_is_help=True)


@app.command("market")
@handle_errors
def market_cmd(
    out_dir: Path = typer.Option(..., "--out", help="the dataset folder to write (created if missing)"),
    seed: int = typer.Option(7, help="the same seed gives the same files"),
    orders: int = typer.Option(200_000, help="honest orders (fraud and look-alikes are added)"),
    sellers: int = typer.Option(2000),
    buyers: int = typer.Option(30000),
    platforms: int = typer.Option(3),
    start: str = typer.Option("2025-01-01", help="first day (YYYY-MM-DD)"),
    end: str = typer.Option("2025-12-31", help="last day (YYYY-MM-DD)"),
    difficulty: str = typer.Option("default", help="easy, default or hard: how well the fraud hides"),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
) -> None:
    """A marketplace dataset (the nine contract tables) with brushing, malicious reviews, empty
    parcels, fake traffic and price fraud injected among honest look-alikes, and labels.<fmt>."""
    from chengxin.simulate import DIFFICULTIES, simulate_market

    if difficulty not in DIFFICULTIES:
        raise InvalidInput(f"--difficulty must be easy, default or hard, not {difficulty!r}", code="invalid_option")
    if fmt not in ("parquet", "csv"):
        raise InvalidInput(f"--format must be parquet or csv, not {fmt!r}", code="invalid_option")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise InvalidInput(f"--start/--end: {exc}", code="invalid_date") from exc
    began = time.monotonic()
    if not as_json:
        console.print(f"模拟 simulating {orders:,} orders (seed {seed}, {difficulty}) into {out_dir} …")
    try:
        summary = simulate_market(
            out_dir, seed=seed, platforms=platforms, sellers=sellers, buyers=buyers, orders=orders, start=first,
            end=last, difficulty=difficulty, fmt="csv" if fmt == "csv" else "parquet",
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_option") from exc
    summary["out"] = str(out_dir)
    summary["seconds"] = round(time.monotonic() - began, 1)
    if as_json:
        print_json_line(summary)
        return
    table = Table("table 数据表", "rows")
    for name, n in summary["rows"].items():  # type: ignore[attr-defined]
        table.add_row(name, f"{n:,}")
    out.print(table)
    labels = Table("detector", "entity_type", "labels")
    for key, n in summary["labels"].items():  # type: ignore[attr-defined]
        labels.add_row(*key.split("/"), f"{n:,}")
    out.print(labels)
    out.print(f"written to {out_dir} in {summary['seconds']} s")
