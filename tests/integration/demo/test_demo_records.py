"""The demo build on a real database: credit records land through the write path, the publicity
job marks the ended ones expired, a second load changes nothing, and ``chengxin demo --no-serve``
builds the same kind of data."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select, union
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.demo.records import PLATFORM_TYPES, generate_records
from chengxin.domains.accounts.models import Organisation, User
from chengxin.domains.assessments import service
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.objections.models import Objection
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.repair.models import RepairApplication
from chengxin.domains.subjects.models import Subject

runner = CliRunner()
TODAY = date(2026, 11, 24)


def test_demo_load_records_and_expiry(settings: Settings, db: Database) -> None:
    province = generate_province(seed=5, enterprises=400, persons=200)
    records = generate_records(province, today=TODAY)
    summary = load_province(db, settings, province, today=TODAY).records
    assert summary.rejected == 0, summary.rejections
    assert summary.submitted == len(records)
    assert summary.unmatched == 6
    assert summary.created == len(records) - 6
    assert summary.expired_by_job > 0
    assert sum(summary.by_status().values()) == summary.created
    assert set(summary.by_status()) == {"active", "expired"}
    assert summary.by_status()["expired"] == summary.expired_by_job  # every record landed live, then the job ran

    with unit_of_work(db) as s:
        rows = s.execute(
            select(
                CreditRecord.type_code,
                CreditRecord.status,
                CreditRecord.publicity_until,
                CreditRecord.disclosure,
                CreditRecord.subject_id,
                Organisation.kind,
            )
            .join(Organisation, Organisation.id == CreditRecord.source_org_id)
            .where(
                CreditRecord.is_current.is_(True),
                # commitments (signed and broken) come with the demo's commitments, counted apart
                CreditRecord.type_code.not_in(["commitment_signed", "commitment_breached"]),
                # and the records the demo's objections and repairs changed (demo/objections.py)
                CreditRecord.record_key.not_in(_objected_or_repaired()),
                CreditRecord.source_record_id.not_like("DEMO-%"),
            )
        ).all()
        touched = len(s.execute(_objected_or_repaired()).all())
        assert touched == 12  # eight objections, four repair applications
        assert len(rows) == summary.created - touched
        for type_code, status, until, _, _, source_kind in rows:
            # expired exactly when the publicity period ended before today
            assert (status == "expired") == (until is not None and until < TODAY), (type_code, status, until)
            if type_code in PLATFORM_TYPES:
                assert source_kind == "platform"
        by_type = Counter((t, st) for t, st, *_ in rows)
        expected = {t: dict(c) for t, c in summary.by_type.items()}
        expected["admin_penalty"]["active"] -= touched  # all of them active penalties when loaded
        assert {t: dict(c) for t, c in _nest(by_type).items()} == expected
        assert s.scalar(select(func.count()).select_from(UnmatchedRecord).where(UnmatchedRecord.status == "open")) == 6

        # the self-service logins see their own small file: live and ended, public and restricted
        logins = s.execute(select(User.username, User.subject_id).where(User.subject_id.is_not(None))).all()
        assert len(logins) == 2
        for username, subject_id in logins:
            own = [r for r in rows if r.subject_id == subject_id]
            assert {r.status for r in own} == {"active", "expired"}, username
            assert any(
                r.type_code == "unpaid_utility_fees" and r.disclosure == "restricted" and r.status == "active"
                for r in own
            ), username
        assert s.scalar(select(func.count()).select_from(Subject)) == 600

    again = load_province(db, settings, province, today=TODAY).records
    assert (again.created, again.corrected, again.rejected, again.expired_by_job) == (0, 0, 0, 0)
    assert again.unchanged == summary.created
    # loaded after the first summary was taken: commitments, and the objections' and repairs' penalties
    later = {"commitment_signed", "commitment_breached", "admin_penalty"}
    assert {k: v for k, v in again.by_type.items() if k not in later} == {
        k: v for k, v in summary.by_type.items() if k not in later
    }
    assert sum(again.by_type["admin_penalty"].values()) == sum(summary.by_type["admin_penalty"].values()) + 2


def _objected_or_repaired() -> Any:
    return union(select(Objection.record_key), select(RepairApplication.record_key))


def _nest(counts: Counter[tuple[str, str]]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for (type_code, status), n in counts.items():
        out.setdefault(type_code, Counter())[status] = n
    return out


def test_demo_command_builds_records(cli_env: Settings, db: Database) -> None:  # noqa: F811
    r = runner.invoke(app, ["demo", "--no-serve", "--json", "--enterprises", "200", "--persons", "100", "--seed", "3"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output.strip().splitlines()[-1])
    evaluated, inspections = summary["evaluations"], summary["inspections"]
    assert inspections["plan_id"] and inspections["drawn"] >= 2 and inspections["results"] == 2
    assessed = summary["assessments"]
    assert assessed["complaints"]["rows"] > 0 and assessed["complaints"]["rejected"] == 0
    assert assessed["notices"] == 5 and assessed["assessed"] >= 3  # 3 platforms with orders and the carriers
    with unit_of_work(db) as s:
        published = service.periods(s, published_only=True)
        assert [(p.period, p.assessed) for p in published] == [(assessed["period"], assessed["assessed"])]
    # the simulated marketplace's fraud, found and queued for review (tests/integration/demo/test_demo_detection.py)
    assert summary["marketplace"]["labels"]["brushing/seller"] > 0
    detection = summary["detection"]
    assert detection["findings"]["brushing"] > 0 and detection["findings"]["malicious_review"] > 0
    assert detection["cases_opened"] == sum(detection["cases"].values()) > detection["cases"]["pending"] > 0
    listed = summary["lists"]
    assert listed["published"]["black"] > 0 and listed["queued"] > 0 and listed["rectifications"] > 0
    assert listed["warnings"] == listed["published"]["black"]  # each black-listed subject warned about
    assert listed["check_decisions"][0] == "block" and listed["check_decisions"][2] == "pass"  # a name never blocks
    with unit_of_work(db) as s:
        # every subject of the demo is evaluated (the marketplace's shops with their ratings too)
        assert evaluated["subjects"] == s.scalar(select(func.count()).select_from(Subject)) > 0
        assert s.scalar(select(func.count()).select_from(Evaluation)) == evaluated["subjects"]
        statuses = dict(
            s.execute(
                select(CreditRecord.status, func.count())
                .where(CreditRecord.is_current.is_(True))
                .group_by(CreditRecord.status)
            ).all()
        )
        # the demo's objections and repairs leave records revoked, repaired and under objection too
        assert {"active", "expired", "revoked", "under_objection"} <= set(statuses)
        assert set(statuses) <= {"active", "expired", "revoked", "repaired", "under_objection"}
        assert statuses["active"] > statuses["expired"] > 0
        assert (s.scalar(select(func.count(func.distinct(CreditRecord.type_code)))) or 0) >= 12
