"""``chengxin detect DIR --out findings.parquet`` and ``chengxin detect evaluate --findings F --labels L``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from chengxin.cli.common import console, handle_errors, out, print_json_line
from chengxin.errors import InvalidInput


class _DefaultRun(TyperGroup):
    """``chengxin detect DIR …`` means ``chengxin detect run DIR …``: a first word that is not a
    subcommand (nor an option) is the dataset folder."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultRun,
    help="Fraud detection over a marketplace dataset (大数据监测): `chengxin detect DIR --out F`.",
    no_args_is_help=True,
)


def _rejections_csv(path: Path, rejections: list[Any]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["table", "row", "code", "detail"])
        w.writerows([r.table, r.row, r.code, r.detail] for r in rejections)


@app.command("run")
@handle_errors
def run_cmd(
    folder: Path = typer.Argument(..., help="a dataset folder: <table>.parquet or <table>.csv per table"),
    out_file: Path = typer.Option(..., "--out", help="findings file to write (.parquet or .csv)"),
    engine: str = typer.Option("polars", help="analytics engine for the relational work: polars or spark"),
    only: str | None = typer.Option(None, help="comma-separated detectors (default: all)"),
    report: Path | None = typer.Option(None, help="where to write refused rows (default: next to --out)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on the last line"),
) -> None:
    """Run the detectors and write their findings (MARKETPLACE.md § Findings)."""
    from chengxin.analytics.detect import dataset, findings, run

    if engine not in ("polars", "spark", "duckdb"):
        raise InvalidInput(f"--engine must be polars or spark, not {engine!r}", code="invalid_engine")
    if out_file.suffix not in (".parquet", ".csv"):
        raise InvalidInput(f"--out {out_file}: must end in .parquet or .csv", code="invalid_output")
    chosen = [d.strip() for d in only.split(",") if d.strip()] if only else None
    unknown = sorted(set(chosen or ()) - set(run.ORDER))
    if unknown:
        raise InvalidInput(
            f"unknown detector(s) {', '.join(unknown)}; choose from {', '.join(run.ORDER)}", code="invalid_detector"
        )
    data = dataset.open_dataset(folder, engine)

    def tell(name: str) -> None:
        if not as_json:
            console.print(f"检测 detecting: {name}")

    result = run.run(data, chosen, progress=tell)
    findings.write(result.findings, out_file)
    summary: dict[str, Any] = {
        "dataset": str(folder),
        "engine": engine,
        "rows": data.rows,
        "rejected": len(data.rejections),
        "findings": result.findings.height,
        "by_detector": result.counts(),
        "skipped": result.skipped,
        "seconds": result.seconds,
        "out": str(out_file),
    }
    if data.rejections:
        path = report or out_file.with_name(out_file.stem + ".rejected.csv")
        _rejections_csv(path, data.rejections)
        summary["report"] = str(path)
    if as_json:
        print_json_line(summary)
        return
    table = Table("detector 检测器", "entity", "findings", "seconds")
    for det, kinds in sorted(result.counts().items()):
        for kind, n in sorted(kinds.items()):
            table.add_row(det, kind, f"{n:,}", str(result.seconds.get(det, "")))
    out.print(table)
    for det, why in result.skipped.items():
        console.print(f"[yellow]未运行 skipped {det}[/yellow]: {why}")
    if data.rejections:
        console.print(f"[yellow]{len(data.rejections)} 行被拒绝 rejected[/yellow] (all in {summary['report']}):")
        for r in data.rejections[:10]:
            console.print(f"  {r.table} row {r.row}: {r.code} — {r.detail}")
    out.print(f"{result.findings.height:,} findings → {out_file}")


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    findings_file: Path = typer.Option(..., "--findings", help="findings file (.parquet or .csv)"),
    labels_file: Path = typer.Option(..., "--labels", help="labels file (detector, entity_type, entity_id)"),
    dataset_dir: Path | None = typer.Option(None, "--dataset", help="the dataset (to report honest sellers flagged)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Precision, recall and F1 per (detector, entity_type)."""
    import polars as pl

    from chengxin.analytics.detect import evaluate, findings
    from chengxin.analytics.engines import read_typed

    found = findings.read_findings(findings_file)
    labels = findings.read_labels(labels_file)
    scores = evaluate.evaluate(found, labels)
    summary: dict[str, Any] = {"scores": scores.to_dicts()}
    if dataset_dir is not None:
        accounts = read_typed(dataset_dir, "accounts")
        sellers = accounts.filter(pl.col("role") == "seller").get_column("account_id")
        summary["honest_sellers_flagged"] = round(evaluate.honest_flagged(found, labels, sellers), 5)
    if as_json:
        print_json_line(summary)
        return
    table = Table("detector", "entity_type", "tp", "fp", "fn", "precision", "recall", "F1")
    for r in scores.iter_rows(named=True):
        table.add_row(
            r["detector"],
            r["entity_type"],
            *(str(r[k]) for k in ("tp", "fp", "fn")),
            *(f"{r[k]:.3f}" for k in ("precision", "recall", "f1")),
        )
    out.print(table)
    if "honest_sellers_flagged" in summary:
        out.print(f"honest sellers flagged 误报商家占比: {summary['honest_sellers_flagged']:.3%}")
