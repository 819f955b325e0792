"""``chengxin evaluate``: the batch with --json and --out, --from DIR from an export, the model
check listing every problem, and bad options refused with a message and exit code."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.db import Database
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.evaluation.rules import DEFAULTS

runner = CliRunner()


def last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_evaluate_export_and_from_dir(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    load_province(db, cli_env, generate_province(seed=7, enterprises=120, persons=60))
    r = runner.invoke(app, ["evaluate", "--json", "--date", "2026-11-24", "--out", str(tmp_path / "e.parquet")])
    assert r.exit_code == 0, r.output
    summary = last_json(r.output)
    assert summary["subjects"] == 180 and summary["engine"] == "polars"
    stored = pl.read_parquet(tmp_path / "e.parquet")
    assert {"subject_id", "score", "grade", "model_version"} <= set(stored.columns) and stored.height == 180
    r = runner.invoke(app, ["evaluate", "export", str(tmp_path / "facts"), "--date", "2026-11-24"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", "--from", str(tmp_path / "facts"), "--engine", "duckdb", "--date", "2026-11-24",
                            "--json", "--out", str(tmp_path / "d.parquet")])  # fmt: skip
    assert r.exit_code == 0, r.output
    again = pl.read_parquet(tmp_path / "d.parquet")
    key = ["subject_id", "weighted_units", "grade"]
    assert again.select(key).equals(stored.select(key))


def test_bad_options_and_inputs(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    r = runner.invoke(app, ["evaluate", "--engine", "excel"])
    assert r.exit_code == 2 and "invalid_engine" in r.output
    r = runner.invoke(app, ["evaluate", "--date", "24/11/2026"])
    assert r.exit_code == 2 and "invalid_date" in r.output
    (tmp_path / "empty").mkdir()
    r = runner.invoke(app, ["evaluate", "--from", str(tmp_path / "empty")])
    assert r.exit_code != 0 and "table_missing" in r.output


def test_check_model_lists_every_problem(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    r = runner.invoke(app, ["evaluate", "check-model", str(DEFAULTS)])
    assert r.exit_code == 0 and "enterprise-v1" in r.output
    text = DEFAULTS.read_text(encoding="utf-8")
    bad = text.replace('source = "identity"', 'source = "tea_leaves"', 1).replace("weight = 30", "weight = 31", 1)
    assert tomllib.loads(bad)
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    r = runner.invoke(app, ["evaluate", "check-model", str(path)])
    assert r.exit_code == 2
    assert "unknown source 'tea_leaves'" in r.output and "weights sum to 101" in r.output
