"""The demo build on a real database: credit records land through the write path, the publicity
job marks the ended ones expired, a second load changes nothing, and ``chengxin demo --no-serve``
builds the same kind of data."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.demo.records import PLATFORM_TYPES, generate_records
from chengxin.domains.accounts.models import Organisation, User
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.subjects.models import Subject
from tests.integration.subjects.test_import_cli import cli_env  # noqa: F401 - fixture

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
            )
        ).all()
        assert len(rows) == summary.created
        for type_code, status, until, _, _, source_kind in rows:
            # expired exactly when the publicity period ended before today
            assert (status == "expired") == (until is not None and until < TODAY), (type_code, status, until)
            if type_code in PLATFORM_TYPES:
                assert source_kind == "platform"
        by_type = Counter((t, st) for t, st, *_ in rows)
        assert {t: dict(c) for t, c in _nest(by_type).items()} == summary.by_type
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
    commitment_types = {"commitment_signed", "commitment_breached"}  # loaded after the first summary was taken
    assert {k: v for k, v in again.by_type.items() if k not in commitment_types} == summary.by_type


def _nest(counts: Counter[tuple[str, str]]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for (type_code, status), n in counts.items():
        out.setdefault(type_code, Counter())[status] = n
    return out


def test_demo_command_builds_records(cli_env: Settings, db: Database) -> None:  # noqa: F811
    r = runner.invoke(app, ["demo", "--no-serve", "--json", "--enterprises", "200", "--persons", "100", "--seed", "3"])
    assert r.exit_code == 0, r.output
    with unit_of_work(db) as s:
        statuses = dict(
            s.execute(
                select(CreditRecord.status, func.count())
                .where(CreditRecord.is_current.is_(True))
                .group_by(CreditRecord.status)
            ).all()
        )
        assert set(statuses) == {"active", "expired"}
        assert statuses["active"] > statuses["expired"] > 0
        assert (s.scalar(select(func.count(func.distinct(CreditRecord.type_code)))) or 0) >= 12
