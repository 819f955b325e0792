"""``chengxin detect DIR --out F`` and ``chengxin detect evaluate``: summaries, files, refused rows, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from chengxin.analytics.detect import findings
from chengxin.cli.main import app
from chengxin.simulate.market import simulate_market


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("market")
    simulate_market(out, seed=5, orders=12_000, sellers=200, buyers=2_500)
    return out


def _last_json(output: str) -> dict[str, object]:
    parsed = json.loads(output.strip().splitlines()[-1])
    assert isinstance(parsed, dict)
    return parsed


def test_detect_writes_findings_and_a_summary(market: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.parquet"
    result = CliRunner().invoke(app, ["detect", str(market), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = _last_json(result.output)
    frame = pl.read_parquet(out)
    assert list(frame.columns) == list(findings.SCHEMA)
    assert summary["findings"] == frame.height > 0
    assert summary["skipped"] == {} and summary["rejected"] == 0
    by = summary["by_detector"]
    assert isinstance(by, dict) and by["brushing"]["seller"] >= 1
    assert frame.get_column("score").is_between(0, 1).all()
    assert all(json.loads(e) is not None for e in frame.get_column("evidence"))
    scored = CliRunner().invoke(
        app, ["detect", "evaluate", "--findings", str(out), "--labels", str(market / "labels.parquet"),
              "--dataset", str(market), "--json"],
    )  # fmt: skip
    assert scored.exit_code == 0, scored.output
    report = _last_json(scored.output)
    rows = {(r["detector"], r["entity_type"]): r for r in report["scores"]}  # type: ignore[attr-defined]
    assert rows["empty_parcel", "waybill"]["f1"] > 0.8
    assert report["honest_sellers_flagged"] < 0.01
    table = CliRunner().invoke(app, ["detect", "evaluate", "--findings", str(out), "--labels",
                                     str(market / "labels.parquet")])  # fmt: skip
    assert table.exit_code == 0 and "F1" in table.output


def test_refused_rows_are_listed_and_the_rest_detected(market: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for f in market.glob("*.parquet"):
        if f.stem not in ("labels", "traffic", "price_history"):
            (folder / f.name).write_bytes(f.read_bytes())
    orders = pl.read_parquet(folder / "orders.parquet").with_columns(pl.col("quantity").cast(pl.String))
    orders = orders.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("many")).otherwise(pl.col("quantity")).alias("quantity"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("NOBODY"))
        .otherwise(pl.col("buyer_account_id"))
        .alias("buyer_account_id"),
    )
    (folder / "orders.parquet").unlink()
    orders.write_csv(folder / "orders.csv", datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z")
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(app, ["detect", "run", str(folder), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = _last_json(result.output)
    assert set(summary["skipped"]) == {"fake_traffic", "price_fraud"}  # type: ignore[arg-type]
    report = pl.read_csv(Path(str(summary["report"])))
    assert summary["rejected"] == report.height
    refused_orders = report.filter(pl.col("table") == "orders").sort("row")
    assert refused_orders.get_column("row").to_list() == [2, 3]
    assert refused_orders.get_column("code").to_list()[1] == "unknown_reference"
    assert refused_orders.get_column("code").to_list()[0] in ("not_an_integer", "bad_number")
    # what referred to the refused orders is refused in turn, with the reason
    assert set(report.filter(pl.col("table") != "orders").get_column("code")) <= {"unknown_reference"}
    assert pl.read_csv(out).height > 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["detect", "/nonexistent/folder", "--out", "x.parquet"], 2),
        (["detect", ".", "--out", "x.txt"], 2),
        (["detect", ".", "--out", "x.parquet", "--only", "brushing,astrology"], 2),
        (["detect", ".", "--out", "x.parquet", "--engine", "excel"], 2),
        (["detect", "evaluate", "--findings", "/nonexistent.parquet", "--labels", "/nonexistent.parquet"], 2),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], code: int) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    assert "错误" in result.output
