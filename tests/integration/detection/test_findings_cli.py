"""`chengxin findings …` on both databases: load a CSV (rejected rows reported, exit 0; an unusable file
exits non-zero), load a Parquet file again (nothing added), list cases, dismiss and confirm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings

runner = CliRunner()


def last_json(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads([ln for ln in stdout.strip().splitlines() if ln.strip()][-1])
    return data


def rows() -> list[dict[str, Any]]:
    ev = json.dumps({"platform_id": "P1", "accounts": ["B1"]})
    return [
        {"finding_id": "F1", "detector": "brushing", "entity_type": "seller", "entity_id": "S1", "score": "0.9",
         "group_id": "G1", "explanation": "刷单", "evidence": ev},
        {"finding_id": "F2", "detector": "brushing", "entity_type": "buyer", "entity_id": "B1", "score": "0.8",
         "group_id": "G1", "explanation": "刷单", "evidence": ev},
        {"finding_id": "F3", "detector": "price_fraud", "entity_type": "item", "entity_id": "I1", "score": "0.7",
         "group_id": "", "explanation": "先提价后打折", "evidence": ev},
        {"finding_id": "F4", "detector": "nope", "entity_type": "item", "entity_id": "I2", "score": "0.7",
         "group_id": "", "explanation": "x", "evidence": ev},
    ]  # fmt: skip


def test_findings_commands(cli_env: Settings, tmp_path: Path) -> None:
    csv = tmp_path / "findings.csv"
    pl.DataFrame(rows()).write_csv(csv)
    r = runner.invoke(app, ["findings", "load", str(csv), "--platform", "P1", "--json"])
    assert r.exit_code == 0, r.output
    out = last_json(r.stdout)
    assert (out["queued"], out["rejected"], out["cases_opened"]) == (3, 1, 2)
    assert out["rejections"][0]["code"] == "unknown_detector" and Path(out["report"]).is_file()
    parquet = tmp_path / "findings.parquet"
    pl.DataFrame(rows()[:3]).write_parquet(parquet)
    again = last_json(runner.invoke(app, ["findings", "load", str(parquet), "--json"]).stdout)
    assert (again["already_loaded"], again["stored"]) == (3, 0)
    (tmp_path / "broken.csv").write_text("finding_id,detector\nF9,brushing\n", encoding="utf-8")
    broken = runner.invoke(app, ["findings", "load", str(tmp_path / "broken.csv")])
    assert broken.exit_code == 2 and "findings_columns_missing" in broken.output
    assert runner.invoke(app, ["findings", "load", str(tmp_path / "missing.csv")]).exit_code == 2

    listed = last_json(runner.invoke(app, ["findings", "cases", "--json"]).stdout)
    assert listed["total"] == 2
    ring = next(c for c in listed["cases"] if c["group_id"] == "G1")
    item = next(c for c in listed["cases"] if c["group_id"] is None)
    shown = runner.invoke(app, ["findings", "cases", "--status", "all"])
    assert shown.exit_code == 0 and "刷单炒信" in shown.output
    no_reason = runner.invoke(app, ["findings", "dismiss", str(item["id"]), "--reason", " "])
    assert no_reason.exit_code == 2 and "missing_reason" in no_reason.output
    gone = runner.invoke(app, ["findings", "dismiss", str(item["id"]), "--reason", "误报", "--json"])
    assert gone.exit_code == 0 and last_json(gone.stdout)["status"] == "dismissed"
    ok = runner.invoke(app, ["findings", "confirm", str(ring["id"]), "--reason", "属实"])
    assert ok.exit_code == 0, ok.output
    assert "已确认" in ok.output and "no subject" in ok.output  # S1 and B1 have no known subject
    assert runner.invoke(app, ["findings", "confirm", str(ring["id"]), "--reason", "x"]).exit_code == 2
    pending = last_json(runner.invoke(app, ["findings", "cases", "--json"]).stdout)
    assert pending["total"] == 0
