"""Daily jobs: claimed once per day across processes, run by the server's scheduler or by cron."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from chengxin.config import Settings, get_settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.jobs import JobRun, claim, run_due


def test_a_day_is_claimed_once(db: Database) -> None:
    day = date(2026, 11, 24)
    assert claim(db, "records.expire", day)
    assert not claim(db, "records.expire", day)
    assert claim(db, "records.expire", day + timedelta(days=1))


def test_a_stale_unfinished_run_is_taken_over(db: Database) -> None:
    day = date(2026, 11, 24)
    assert claim(db, "records.expire", day)
    with unit_of_work(db) as s:
        row = s.get(JobRun, ("records.expire", day))
        assert row is not None
        row.started_at = utcnow() - timedelta(hours=3)
    assert claim(db, "records.expire", day)  # the first runner died: taken over
    assert not claim(db, "records.expire", day)


def test_run_due_runs_each_job_once_per_day(db: Database) -> None:
    day = date(2026, 11, 24)
    first = run_due(db, day=day)
    assert [(o.job, o.ran) for o in first] == [
        ("records.expire", True),
        ("deadlines.check", True),
        ("ratings.defaults", True),
        ("evaluations.refresh", True),
        ("assessments.quarterly", True),
        ("lists.daily", True),
        ("checks.prune_changes", True),
        ("queries.retention", True),
    ]
    assert first[0].result == {"expired": 0}
    assert first[1].result is not None and first[1].result["overdue"] == 0
    assert first[2].result == {"given": 0}
    assert first[3].result == {"refreshed": 0}
    assert first[4].result == {"period": "2026Q3", "drafted": 0}
    assert first[5].result == {"published": 0, "removed": {}, "proposed": {}, "rectifications_overdue": 0}
    assert first[6].result == {"pruned": 0}
    assert first[7].result == {"records_deleted": 0, "alerts_deleted": 0}
    assert [o.ran for o in run_due(db, day=day)] == [False] * 8
    assert [o.ran for o in run_due(db, day=day, force=True)] == [True] * 8
    with unit_of_work(db) as s:
        row = s.get(JobRun, ("records.expire", day))
        assert row is not None and row.finished_at is not None and row.result == {"expired": 0}


def test_the_server_runs_the_days_jobs_in_the_background(settings: Settings, db: Database) -> None:
    from chengxin.app import create_app

    on = settings.model_copy(update={"jobs_enabled": True, "jobs_interval_s": 3600})
    with TestClient(create_app(on)) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 20
        done: list[str] = []
        while time.monotonic() < deadline and len(done) < 8:
            with unit_of_work(db, readonly=True) as s:
                done = list(s.scalars(select(JobRun.job).where(JobRun.finished_at.is_not(None))))
            time.sleep(0.1)
    assert sorted(done) == [
        "assessments.quarterly",
        "checks.prune_changes",
        "deadlines.check",
        "evaluations.refresh",
        "lists.daily",
        "queries.retention",
        "ratings.defaults",
        "records.expire",
    ]


def test_cli_jobs_run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from chengxin.cli.main import app

    monkeypatch.setenv("CHENGXIN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHENGXIN_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("CHENGXIN_PII_KEY", settings.pii_key)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["jobs", "run", "--date", "2026-11-24", "--json"])
        assert first.exit_code == 0, first.output
        ran = json.loads(first.output.splitlines()[-1])
        assert ran["date"] == "2026-11-24" and ran["jobs"]["records.expire"] == {"expired": 0}
        assert ran["jobs"]["deadlines.check"]["overdue"] == 0
        assert ran["jobs"]["ratings.defaults"] == {"given": 0}
        assert ran["jobs"]["evaluations.refresh"] == {"refreshed": 0}
        assert ran["jobs"]["assessments.quarterly"] == {"period": "2026Q3", "drafted": 0}
        assert ran["jobs"]["lists.daily"] == {
            "published": 0,
            "removed": {},
            "proposed": {},
            "rectifications_overdue": 0,
        }
        assert ran["jobs"]["checks.prune_changes"] == {"pruned": 0}
        again = runner.invoke(app, ["jobs", "run", "--date", "2026-11-24", "--json"])
        assert json.loads(again.output.splitlines()[-1])["jobs"] == {
            "records.expire": "already_done",
            "deadlines.check": "already_done",
            "ratings.defaults": "already_done",
            "evaluations.refresh": "already_done",
            "assessments.quarterly": "already_done",
            "lists.daily": "already_done",
            "checks.prune_changes": "already_done",
            "queries.retention": "already_done",
        }
        assert runner.invoke(app, ["jobs", "status"]).exit_code == 0
    finally:
        get_settings.cache_clear()
