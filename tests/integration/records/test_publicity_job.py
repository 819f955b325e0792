"""The publicity job: run at a chosen date, it unpublishes exactly the records due."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.records import files
from chengxin.domains.records import service as records
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Party, Status, Submission, Viewer
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.events import OutboxEvent
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from chengxin.workflows import withdrawal
from tests.factories import make_uscc

ACTOR = cli_actor("tests")


def _load(db: Database, settings: Settings, n: int = 60) -> dict[int, date | None]:
    """n penalties and licences with decision dates spread over five years; returns id → publicity_until."""
    rng = random.Random(7)
    pii = cipher(settings)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=ACTOR, kind="department", name="某市市场监管局", sector="market")
        subject = subjects.create_subject(
            s, actor=ACTOR, data=LegalSubjectIn(kind="legal", name="某某贸易有限公司", uscc=make_uscc(rng)), cipher=pii
        )
        subs = []
        for i in range(n):
            decided = date(2021, 12, 1) + timedelta(days=rng.randrange(0, 5 * 365 - 10))
            if i % 5 == 0:
                subs.append(
                    Submission("admin_licence", f"L{i}", decided, Party(subject_id=subject.id), document_no=f"许{i}",
                               payload={"licence_category": "普通", "licence_content": "食品经营"},
                               valid_to=decided + timedelta(days=rng.choice([200, 800, 40000])))
                )  # fmt: skip
                continue
            category = rng.choice(["警告", "罚款", "吊销营业执照", "通报批评"])
            subs.append(
                Submission("admin_penalty", f"P{i}", decided, Party(subject_id=subject.id), document_no=f"罚{i}",
                           payload={"violation_facts": "x", "penalty_category": category, "penalty_content": category})
            )  # fmt: skip
        counts = records.submit(s, actor=ACTOR, source_org_id=org.id, submissions=subs, cipher=pii)
        assert counts.created == n, counts.outcomes[:3]
        # Records land already expired when submitted after their period; make them all live so the job decides.
        s.execute(CreditRecord.__table__.update().values(status="active"))
        return dict(s.execute(select(CreditRecord.id, CreditRecord.publicity_until)).all())


def test_expire_at_a_chosen_date_unpublishes_exactly_the_records_due(db: Database, settings: Settings) -> None:
    until = _load(db, settings)
    run_date = date(2026, 2, 10)
    due = {i for i, u in until.items() if u is not None and u < run_date}
    assert 0 < len(due) < len(until)  # the data straddles the date
    with unit_of_work(db) as s:
        run = withdrawal.expire_due(s, actor=ACTOR, today=run_date, limit=7)  # small batches: the caller loops
        total = set(run.record_ids)
        while run.expired:
            run = withdrawal.expire_due(s, actor=ACTOR, today=run_date, limit=7)
            total |= set(run.record_ids)
    assert total == due
    with unit_of_work(db) as s:
        statuses = dict(s.execute(select(CreditRecord.id, CreditRecord.status)).all())
        events = [
            e.payload["object_ids"]
            for e in s.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "record.expired").order_by(OutboxEvent.id)
            )
        ]
    assert {i for i, st in statuses.items() if st == Status.expired} == due
    # one event per run of the job, listing the records it expired
    assert sorted(i for ids in events for i in ids) == sorted(due) and all(len(ids) <= 7 for ids in events)
    with unit_of_work(db) as s:
        again = withdrawal.expire_due(s, actor=ACTOR, today=run_date)
    assert again.expired == 0  # idempotent
    # The last day of the period is still public; the day after, it is not.
    boundary = min(u for u in until.values() if u is not None and u >= run_date)
    with unit_of_work(db) as s:
        assert withdrawal.expire_due(s, actor=ACTOR, today=boundary).expired == 0
        later = withdrawal.expire_due(s, actor=ACTOR, today=boundary + timedelta(days=1))
    assert set(later.record_ids) == {i for i, u in until.items() if u == boundary}


def test_public_file_never_shows_expired_records(db: Database, settings: Settings) -> None:
    until = _load(db, settings, n=30)
    today = date(2026, 11, 24)
    with unit_of_work(db) as s:
        subject_id = s.scalar(select(CreditRecord.subject_id))
        assert subject_id is not None
        # Before the job: hidden by date alone.
        shown = files.visible_records(s, subject_id=subject_id, viewer=Viewer.public, today=today)
        assert all(until[r.id] is None or until[r.id] >= today for r in shown)
        withdrawal.expire_due(s, actor=ACTOR, today=today)
    with unit_of_work(db) as s:
        public = files.visible_records(s, subject_id=subject_id, viewer=Viewer.public, today=today)
        own = files.visible_records(s, subject_id=subject_id, viewer=Viewer.self, today=today)
    assert {r.id for r in public} == {i for i, u in until.items() if u is None or u >= today}
    assert len(own) == len(until)  # the subject still sees its expired records


def test_cli_expire_at_a_chosen_date(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`chengxin records expire --date D` unpublishes exactly the records due at D."""
    from chengxin.cli.main import app
    from chengxin.config import get_settings

    until = _load(db, settings, n=40)
    run_date = date(2025, 8, 1)
    due = {i for i, u in until.items() if u is not None and u < run_date}
    assert due
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHENGXIN_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("CHENGXIN_PII_KEY", settings.pii_key)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["records", "expire", "--date", run_date.isoformat(), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output.strip().splitlines()[-1]) == {"date": "2025-08-01", "expired": len(due)}
        bad = CliRunner().invoke(app, ["records", "expire", "--date", "2025-13-01"])
        assert bad.exit_code != 0
    finally:
        get_settings.cache_clear()
    with unit_of_work(db) as s:
        expired = {i for i, st in s.execute(select(CreditRecord.id, CreditRecord.status)).all() if st == "expired"}
    assert expired == due


def test_expiry_runs_the_whole_withdrawal(db: Database, settings: Settings) -> None:
    """Expiry, like repair and revocation, goes through the withdrawal workflow: evaluation refreshed,
    lists re-checked, sharing told, one audit entry naming the steps."""
    from chengxin.domains.evaluation.models import EvaluationState, GradeChange
    from chengxin.security.audit import AuditEntry

    until = _load(db, settings, n=20)
    run_date = date(2026, 2, 10)
    due = sorted(i for i, u in until.items() if u is not None and u < run_date)
    with unit_of_work(db) as s:
        run = withdrawal.expire_due(s, actor=ACTOR, today=run_date)
    assert sorted(run.record_ids) == due
    with unit_of_work(db, readonly=True) as s:
        subject_id = s.scalar(select(CreditRecord.subject_id))
        state = s.get(EvaluationState, subject_id)
        assert state is not None and not state.stale and state.cause == "record.expired"  # refreshed at once
        causes = s.scalars(select(GradeChange.cause).where(GradeChange.subject_id == subject_id)).all()
        assert causes[0] == "record.arrived"  # evaluated as the records came (and again at expiry: see the state)
        by_topic = {e.topic: e.payload for e in s.scalars(select(OutboxEvent))}
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "record.expire")).one()
        assert entry.detail is not None and entry.detail["record_ids"] == due
        assert entry.detail["steps"] == ["unpublished", "evaluation_refresh", "lists_recheck", "sharing_withdrawal"]
    assert by_topic["sharing.withdrawal"]["object_ids"] == due and by_topic["sharing.withdrawal"]["cause"] == "expired"
    assert by_topic["lists.recheck"]["subject_ids"] == [subject_id]
