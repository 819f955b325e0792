"""`chengxin deadlines …` end to end: counting working days, loading a calendar file, showing the calendar.

The 2027 days below are a made-up example, not the official 2027 schedule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.domains.calendar import rules

runner = CliRunner()
UNKNOWN = rules.PACKAGE.years.stop  # the first year chinese_calendar does not know
EXAMPLE = """\
# Example only — made-up days, not an official calendar
日期,类型,名称
{y}-01-01,休,元旦（示例）
{y}-01-04,休,元旦（示例）
{y}-01-09,班,补班（示例）
"""


def last_json(stdout: str) -> dict[str, Any]:
    lines = [ln for ln in stdout.strip().splitlines() if ln.strip()]
    data: dict[str, Any] = json.loads(lines[-1])
    return data


def test_add_working_days_across_national_day_2026(cli_env: Settings) -> None:
    r = runner.invoke(app, ["deadlines", "add-working-days", "2026-09-30", "4"])
    assert r.exit_code == 0, r.output
    assert "2026-10-12 星期一" in r.output
    assert "2026-10-01 星期四 国庆节" in r.output and "2026-10-11 星期日" in r.output
    assert "provisional" not in r.output
    r = runner.invoke(app, ["deadlines", "add-working-days", "2026-09-30", "3", "--json"])
    assert r.exit_code == 0, r.output
    assert last_json(r.stdout) == {
        "start": "2026-09-30",
        "working_days": 3,
        "due": "2026-10-10",
        "weekday": "星期六",
        "days_off_skipped": [f"2026-10-0{k}" for k in range(1, 8)],
        "provisional": False,
        "unknown_years": [],
    }


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["2026/13/01", "3"], "invalid_date"),
        (["tomorrow", "3"], "invalid_date"),
        (["2026-09-30", "-1"], "invalid_working_days"),
        (["2026-09-30", "99999"], "invalid_working_days"),
        (["2026-09-30", "three"], None),  # Typer refuses a non-integer itself
    ],
)
def test_bad_date_or_count_exits_2(cli_env: Settings, args: list[str], code: str | None) -> None:
    r = runner.invoke(app, ["deadlines", "add-working-days", *args])
    assert r.exit_code == 2, r.output
    if code:
        assert code in r.output


def test_loading_a_calendar_makes_a_provisional_deadline_exact(cli_env: Settings, tmp_path: Path) -> None:
    start = f"{UNKNOWN - 1}-12-31"
    r = runner.invoke(app, ["deadlines", "add-working-days", start, "3"])
    assert r.exit_code == 0, r.output
    assert f"provisional (calendar for {UNKNOWN} not loaded)" in r.output

    path = tmp_path / "calendar.csv"
    path.write_bytes(EXAMPLE.format(y=UNKNOWN).encode("gb18030"))  # as Excel saves CSV in China
    r = runner.invoke(app, ["deadlines", "load-calendar", str(path), "--source", "example notice", "--json"])
    assert r.exit_code == 0, r.output
    assert last_json(r.stdout) == {
        "file": str(path),
        "loaded": True,
        "years": [UNKNOWN],
        "days_off": 2,
        "workdays": 1,
        "replaced": 0,
        "source": "example notice",
    }
    r = runner.invoke(app, ["deadlines", "add-working-days", start, "3", "--json"])
    result = last_json(r.stdout)
    assert result["provisional"] is False and result["unknown_years"] == []
    assert f"{UNKNOWN}-01-04" in result["days_off_skipped"]

    r = runner.invoke(app, ["deadlines", "calendar", "--year", str(UNKNOWN), "--json"])
    assert r.exit_code == 0, r.output
    shown = last_json(r.stdout)
    assert shown["status"] == "loaded"
    assert [d["date"] for d in shown["days_off"]] == [f"{UNKNOWN}-01-01", f"{UNKNOWN}-01-04"]
    assert shown["workdays"] == [{"date": f"{UNKNOWN}-01-09", "name": "补班(示例)", "source": "loaded"}]
    assert [y["year"] for y in shown["loaded_years"]] == [UNKNOWN]
    r = runner.invoke(app, ["deadlines", "calendar", "--year", str(UNKNOWN)])
    assert r.exit_code == 0 and "补班(示例)" in r.output


def test_a_bad_calendar_file_is_refused_with_every_bad_row(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(EXAMPLE.format(y=UNKNOWN) + f"{UNKNOWN}-02-30,休,\n{UNKNOWN}-03-01,maybe,\n", encoding="utf-8")
    r = runner.invoke(app, ["deadlines", "load-calendar", str(path)])
    assert r.exit_code == 2
    assert "calendar_file_invalid" in r.output and "row 6:" in r.output and "row 7:" in r.output
    r = runner.invoke(app, ["deadlines", "load-calendar", str(path), "--json"])
    assert r.exit_code == 2
    refused = last_json(r.stdout)
    assert refused["loaded"] is False and [e["row"] for e in refused["errors"]] == [6, 7]
    r = runner.invoke(app, ["deadlines", "calendar", "--year", str(UNKNOWN), "--json"])
    assert last_json(r.stdout)["status"] == "unknown"
    r = runner.invoke(app, ["deadlines", "load-calendar", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2 and "file_missing" in r.output


def test_calendar_shows_the_package_years(cli_env: Settings) -> None:
    r = runner.invoke(app, ["deadlines", "calendar", "--year", "2026", "--json"])
    assert r.exit_code == 0, r.output
    shown = last_json(r.stdout)
    assert shown["status"] == "package" and shown["package_years"][0] == 2004
    assert {"date": "2026-10-10", "name": "国庆节", "source": "package"} in shown["workdays"]
    r = runner.invoke(app, ["deadlines", "calendar"])
    assert r.exit_code == 0, r.output
    assert "chinese_calendar package" in r.output
