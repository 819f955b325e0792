"""`chengxin deadlines check`: overdue objections and repair applications, on both databases."""

from __future__ import annotations

import json
import random
from datetime import date

from typer.testing import CliRunner

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.objections import service as objections
from chengxin.domains.records import service as records
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.jobs import JOBS
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role
from tests.factories import make_uscc

ACTOR = cli_actor("tests")


def _objection(db: Database, settings: Settings, filed_on: date, kind: str) -> int:
    pii = cipher(settings)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=ACTOR, kind="department", name=f"某局{kind}", sector="market")
        data = LegalSubjectIn(kind="legal", name=f"某某{kind}有限公司", uscc=make_uscc(random.Random(kind)))
        subject = subjects.create_subject(s, actor=ACTOR, data=data, cipher=pii)
        sub = Submission(
            "admin_penalty",
            f"P-{kind}",
            date(2026, 3, 2),
            Party(subject_id=subject.id),
            document_no=f"罚{kind}",
            payload={"violation_facts": "x", "penalty_category": "罚款", "penalty_content": "罚款"},
        )
        [out] = records.submit(s, actor=ACTOR, source_org_id=org.id, submissions=[sub], cipher=pii).outcomes
        assert out.record_id is not None
        me = Actor(role=Role.subject, label="subject", permissions=MATRIX[Role.subject], subject_id=subject.id)
        filing = objections.Filing(record_id=out.record_id, reason_kind=kind, reasons="有误")
        return objections.file_objection(s, actor=me, filing=filing, today=filed_on).id


def test_check_lists_what_is_overdue(db: Database, settings: Settings, cli_env: Settings) -> None:
    from chengxin.cli.main import app

    late = _objection(db, settings, date(2026, 9, 1), "content_error")  # forwarded at once: due 2026-09-08
    on_time = _objection(db, settings, date(2026, 11, 20), "wrong_subject")  # centre; due 2026-11-27
    result = CliRunner().invoke(app, ["deadlines", "check", "--date", "2026-11-24", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output.strip().splitlines()[-1])
    assert got["overdue"] == 1 and got["objections"] == 1
    [item] = got["items"]
    assert item["id"] == late and item["stage"] == "decide" and item["due"] == "2026-09-08"
    assert item["working_days_late"] > 40 and item["decider"].startswith("source:")
    assert on_time not in [i["id"] for i in got["items"]]
    strict = CliRunner().invoke(app, ["deadlines", "check", "--date", "2026-11-24", "--strict"])
    assert strict.exit_code == 1
    assert CliRunner().invoke(app, ["deadlines", "check", "--date", "2026-09-08", "--strict"]).exit_code == 0
    bad = CliRunner().invoke(app, ["deadlines", "check", "--date", "2026-13-01"])
    assert bad.exit_code == 2


def test_the_daily_job_reports_the_same(db: Database, settings: Settings) -> None:
    _objection(db, settings, date(2026, 9, 1), "decision_changed")
    result = JOBS["deadlines.check"](db, ACTOR, date(2026, 11, 24))
    assert result["overdue"] == 1 and result["next_year_calendar"] in ("package", "loaded", "unknown")
