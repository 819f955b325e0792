"""Evaluation on a real database (SQLite and PostgreSQL): the demo province gets a grade for every
subject with an explanation that adds up; Polars, DuckDB and Spark agree; a repair refreshes the
subject at once; a failed batch leaves the previous results; the API explains and audits."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.evaluation import service
from chengxin.domains.evaluation.models import Evaluation, GradeChange
from chengxin.domains.subjects.models import Subject
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry

TODAY = date(2026, 11, 24)


@pytest.fixture
def province_db(settings: Settings, db: Database) -> Database:
    load_province(db, settings, generate_province(seed=5, enterprises=400, persons=200), today=TODAY)
    return db


def test_every_demo_subject_is_graded_and_explained(province_db: Database) -> None:
    db = province_db
    summary, results = service.run(db, cli_actor("test"), engine="polars", on=TODAY)
    with unit_of_work(db, readonly=True) as s:
        subjects = s.scalar(select(func.count()).select_from(Subject))
        stored = {e.subject_id: e for e in s.scalars(select(Evaluation))}
        assert summary.subjects == subjects == len(stored) > 0
        assert sum(summary.grades.values()) == subjects and len(summary.grades) >= 2
        models = service.current_models(s)
        for sid, row in stored.items():
            e = service.explain(s, sid, TODAY, models)
            assert (e.weighted_units, e.grade, e.model) == (row.weighted_units, row.grade, row.model_version)
            assert sum(d.weight * d.units for d in e.dimensions) == e.weighted_units
            assert sum(d["effect"] for d in e.as_dict()["dimensions"]) == pytest.approx(e.score, abs=1e-3)
        negative = [sid for sid, r in stored.items() if r.grade != "A"]
        assert negative, "the demo has subjects below A"
        assert any(service.explain(s, sid, TODAY, models).contributions for sid in negative)
    again, _ = service.run(db, cli_actor("test"), engine="polars", on=TODAY)
    assert again.changed == 0  # the history grows only when something changed
    with unit_of_work(db, readonly=True) as s:
        # every subject has a history: from this batch, or from a refresh when the demo's repairs,
        # revocations and expiries changed its file (those the batch then found unchanged)
        assert s.scalar(select(func.count(func.distinct(GradeChange.subject_id)))) == subjects


def test_the_engines_agree_on_the_demo(province_db: Database) -> None:
    frames = {e: service.compute_all(province_db, engine=e, on=TODAY) for e in ("polars", "duckdb", "spark")}
    key = ["subject_id", "model_version", "weighted_units", "grade"]
    for name in ("duckdb", "spark"):
        assert frames[name].select(key).equals(frames["polars"].select(key)), name
    assert frames["polars"].height > 0


def test_a_repair_refreshes_the_subject_at_once(province_db: Database) -> None:
    # the demo approves two repairs through the withdrawal workflow: their subjects were refreshed then
    with unit_of_work(province_db, readonly=True) as s:
        causes = s.scalars(select(GradeChange.cause).where(GradeChange.cause == "record.repaired")).all()
        assert len(causes) >= 1
        row = s.scalars(select(GradeChange).where(GradeChange.cause == "record.repaired")).first()
        assert row is not None and s.get(Evaluation, row.subject_id) is not None


def test_a_failed_batch_leaves_the_previous_results(province_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    service.run(province_db, cli_actor("test"), engine="polars", on=TODAY)
    with unit_of_work(province_db, readonly=True) as s:
        before = sorted(s.execute(select(Evaluation.subject_id, Evaluation.weighted_units)).all())
    results = service.compute_all(province_db, engine="polars", on=TODAY)
    broken = results.with_columns(pl.when(pl.col("subject_id") == results["subject_id"][-1]).then(None)
                                  .otherwise(pl.col("grade")).alias("grade"))  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017,PT011 — the database refuses the null grade midway
        service.write_all(province_db, cli_actor("test"), broken.with_columns(pl.col("weighted_units") + 1),
                          engine="polars", on=TODAY, started=utcnow())  # fmt: skip
    with unit_of_work(province_db, readonly=True) as s:
        assert sorted(s.execute(select(Evaluation.subject_id, Evaluation.weighted_units)).all()) == before


def test_the_api_explains_and_audits(settings: Settings, province_db: Database) -> None:
    from chengxin.app import create_app
    from tests.factories import role_tokens

    service.run(province_db, cli_actor("test"), engine="polars", on=TODAY)
    with unit_of_work(province_db) as s:
        sid = s.scalar(select(Evaluation.subject_id).where(Evaluation.grade != "A").order_by(Evaluation.subject_id))
        assert sid is not None
        tokens = role_tokens(s, subject_id=sid)
    from chengxin.security.permissions import Role

    with TestClient(create_app(settings)) as c:
        r = c.get(f"/api/v1/subjects/{sid}/evaluation", headers={"Authorization": f"Bearer {tokens[Role.department]}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["subject_id"] == sid and body["grade"] == body["stored_grade"] != "A"
        assert sum(d["effect"] for d in body["dimensions"]) == pytest.approx(body["score"], abs=1e-3)
        assert body["contributions"] and all(c["why"] for c in body["contributions"])
        assert body["history"][0]["grade"] == body["grade"]  # the latest change: a batch or a refresh
        mine = c.get("/api/v1/me/evaluation", headers={"Authorization": f"Bearer {tokens[Role.subject]}"})
        assert mine.status_code == 200 and mine.json()["score"] == body["score"]
        page = c.get(f"/subjects/{sid}/evaluation", headers={"Authorization": f"Bearer {tokens[Role.department]}",
                                                             "Accept": "text/html"})  # fmt: skip
        assert page.status_code == 200 and "加减分明细" in page.text
        assert f'<strong id="grade">{body["grade"]}' in page.text
        own = c.get("/me/evaluation", headers={"Authorization": f"Bearer {tokens[Role.subject]}"})
        assert own.status_code == 200 and "我的信用评价" in own.text and f"{body['score']:.2f}" in own.text
        assert c.get(f"/api/v1/subjects/{sid}/evaluation").status_code == 401
        assert c.get(f"/api/v1/subjects/{sid}/evaluation",
                     headers={"Authorization": f"Bearer {tokens[Role.platform]}"}).status_code == 403  # fmt: skip
    with unit_of_work(province_db, readonly=True) as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.read")).all()
        assert len(reads) == 4 and {e.subject_id for e in reads} == {sid}  # two API reads, two pages


def test_the_daily_job_refreshes_stale_subjects(province_db: Database) -> None:
    from chengxin.domains.evaluation.models import EvaluationState
    from chengxin.jobs import run_due

    with unit_of_work(province_db) as s:
        ids = list(s.scalars(select(Subject.id).order_by(Subject.id).limit(3)))
        assert service.mark_stale(s, ids, cause="record.imported") == 3
    started = utcnow()
    outcome = next(o for o in run_due(province_db, day=TODAY, force=True) if o.job == "evaluations.refresh")
    assert outcome.result is not None and outcome.result["refreshed"] >= 3
    with unit_of_work(province_db, readonly=True) as s:
        rows = [s.get(Evaluation, i) for i in ids]
        assert all(r is not None and r.evaluated_at >= started and r.engine == "rules" for r in rows)
        assert not any(st.stale for st in s.scalars(select(EvaluationState).where(EvaluationState.subject_id.in_(ids))))


def behind_count(db: Database) -> int:
    with unit_of_work(db, readonly=True) as s:
        return len(service.behind(s, 1_000_000))


def test_a_large_import_is_caught_up_by_the_job(province_db: Database) -> None:
    """More than 50 subjects' records at once: nothing is written per subject on the import's path;
    the job finds the subjects whose records changed after their evaluation."""
    from chengxin.domains.records.models import CreditRecord
    from chengxin.jobs import run_due

    service.run(province_db, cli_actor("test"), engine="polars", on=TODAY)
    assert behind_count(province_db) == 0
    with unit_of_work(province_db) as s:  # a file's worth of changes, as an import or expiry run makes them
        ids = list(s.scalars(select(CreditRecord.id).where(CreditRecord.is_current.is_(True)).limit(120)))
        subjects = set(s.scalars(select(CreditRecord.subject_id).where(CreditRecord.id.in_(ids))))
        for rec in s.scalars(select(CreditRecord).where(CreditRecord.id.in_(ids))):
            rec.status_changed_at = utcnow()
        service.changed(s, subjects, cause="record.imported", on=TODAY)
    assert len(subjects) > 50 and behind_count(province_db) == len(subjects)
    outcome = next(o for o in run_due(province_db, day=TODAY, force=True) if o.job == "evaluations.refresh")
    assert outcome.result == {"refreshed": len(subjects)}
    assert behind_count(province_db) == 0
