"""``chengxin catalog …``: show, export and load the information catalog (信用信息目录)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import typer
from rich.table import Table

from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.db import unit_of_work
from chengxin.domains.catalog import rules
from chengxin.domains.catalog import service as catalog_service
from chengxin.errors import UnusableInput
from chengxin.security.actor import cli_actor

app = typer.Typer(
    help="The information catalog (信用信息目录): record types and publicity periods.", no_args_is_help=True
)


@app.command("show")
@handle_errors
def show(as_json: bool = typer.Option(False, "--json", help="print the catalog as one JSON object")) -> None:
    """Print the catalog in force."""
    with unit_of_work(database(), readonly=True) as s:
        cat = catalog_service.active_catalog(s)
    if as_json:
        print_json_line({"version": cat.version, **rules.as_config(cat)})
        return
    table = Table(title=f"信用信息目录 catalog version {cat.version}")
    for col in ("code", "名称", "polarity", "severity", "disclosure", "publicity", "submitters"):
        table.add_column(col)
    for t in cat.types.values():
        table.add_row(
            t.code,
            t.name,
            str(t.polarity),
            "/".join(t.severity.allowed),
            str(t.disclosure),
            str(t.publicity) + (f" {t.publicity_months}m" if t.publicity_months else ""),
            ",".join(sorted(t.submitters)),
        )
    out.print(table)


@app.command("export")
@handle_errors
def export(file: Path = typer.Argument(..., help="where to write the catalog (JSON)")) -> None:
    """Write the catalog in force to a JSON file (edit it, then `catalog load`)."""
    with unit_of_work(database(), readonly=True) as s:
        cat = catalog_service.active_catalog(s)
    file.write_text(json.dumps(rules.as_config(cat), ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"catalog version {cat.version} written to {file}")


@app.command("load")
@handle_errors
def load(
    file: Path = typer.Argument(..., help="a whole catalog, JSON or TOML (as `catalog export` writes)"),
    note: str = typer.Option(..., help="why (kept with the new version)"),
) -> None:
    """Store a whole catalog as the next version (audited); an invalid catalog is refused, nothing changes."""
    try:
        text = file.read_text(encoding="utf-8")
        raw = tomllib.loads(text) if file.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise UnusableInput(f"{file}: {exc}", code="unreadable_catalog", message_zh="目录文件无法读取") from exc
    with unit_of_work(database()) as s:
        cat = catalog_service.replace_catalog(s, cli_actor("catalog.load"), raw, note=note)
    console.print(f"[green]目录已更新[/green] catalog version {cat.version} stored ({len(cat.types)} record types)")
