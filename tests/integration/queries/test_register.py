"""The query register (查询登记) on both databases: registered with its audit entry in the answer's
transaction, the abuse rules evaluated as queries are registered, the retention job, the CLI."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.accounts import service as accounts
from chengxin.domains.queries import abuse, service
from chengxin.domains.queries.models import QueryAlert, QueryRecord
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.jobs import JOBS
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role
from tests.factories import make_uscc

TODAY = date(2026, 11, 24)


def setup(db: Database, settings: Settings, sector: str = "market_regulation") -> tuple[Actor, list[str]]:
    rng = random.Random(4)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=cli_actor("t"), kind="department", name="某厅", sector=sector)
        codes = [
            subject_service.create_subject(
                s, actor=cli_actor("t"), cipher=cipher(settings),
                data=LegalSubjectIn(kind="legal", name=f"登记测试{i}有限公司", uscc=make_uscc(rng)),
            ).uscc or ""
            for i in range(2)
        ]  # fmt: skip
        actor = Actor(role=Role.department, label="token:77", permissions=MATRIX[Role.department],
                      organisation_id=org.id)  # fmt: skip
    return actor, codes


def ask(s: Session, actor: Actor, settings: Settings, code: str, purpose: str = "licensing") -> int:
    answer = service.authorised_query(
        s, actor=actor, cipher=cipher(settings), code=code, purpose=purpose, authorisation_id=None,
        legal_basis=None, fields=None, client="10.0.0.1", today=TODAY,
    )  # fmt: skip
    return answer.query_id


def counts(db: Database) -> tuple[int, int]:
    with unit_of_work(db, readonly=True) as s:
        records = s.scalar(select(func.count()).select_from(QueryRecord)) or 0
        entries = s.scalar(select(func.count()).where(AuditEntry.action == "query.authorised")) or 0
    return records, entries


def test_registration_and_its_audit_entry_share_the_answers_transaction(db: Database, settings: Settings) -> None:
    actor, codes = setup(db, settings)
    with pytest.raises(RuntimeError), unit_of_work(db) as s:
        ask(s, actor, settings, codes[0])
        raise RuntimeError("the answer fails after the query")
    assert counts(db) == (0, 0)
    with unit_of_work(db) as s:
        qid = ask(s, actor, settings, codes[0])
    assert counts(db) == (1, 1)
    with unit_of_work(db, readonly=True) as s:
        rec = s.get_one(QueryRecord, qid)
        assert (rec.account, rec.purpose, rec.kind) == ("token:77", "licensing", "authorised")
        # the address as a keyed pseudonym: the same for the same address, never the address itself
        assert rec.client == service.pseudonym(cipher(settings), "10.0.0.1") != "10.0.0.1"
        assert rec.client is not None and rec.client.startswith("#") and "10.0.0" not in rec.client
        assert rec.fields == ["identity", "records", "restricted"]


def test_repeated_queries_open_one_alert_that_counts_on(db: Database, settings: Settings) -> None:
    actor, codes = setup(db, settings)
    threshold = service.current_rules().abuse.repeated_queries
    for _ in range(threshold + 2):
        with unit_of_work(db) as s:
            ask(s, actor, settings, codes[0])
    assert abuse.settle(db)  # the rules look at each query once it is committed, off its path
    with unit_of_work(db, readonly=True) as s:
        found = abuse.alerts(s)
        assert [(a.rule, a.account, a.count) for a in found] == [("repeated_subject", "token:77", threshold + 2)]
        assert len(found[0].query_ids) == threshold + 2
    with unit_of_work(db) as s:
        abuse.dismiss(s, actor=cli_actor("auditor"), alert_id=found[0].id, note="核实为正常复核")
    with unit_of_work(db) as s:  # closed: the next match opens a new alert
        ask(s, actor, settings, codes[0])
    assert abuse.settle(db)
    with unit_of_work(db, readonly=True) as s:
        assert [a.status for a in abuse.alerts(s, status=None)] == ["open", "dismissed"]


def test_a_query_rolled_back_is_not_evaluated_and_one_outside_a_unit_of_work_is_at_once(
    db: Database, settings: Settings
) -> None:
    actor, codes = setup(db, settings, sector="human_resources")
    with pytest.raises(RuntimeError), unit_of_work(db) as s:
        ask(s, actor, settings, codes[1], purpose="procurement")  # would be a purpose_mismatch
        raise RuntimeError("the answer fails")
    assert abuse.settle(db)
    with unit_of_work(db, readonly=True) as s:
        assert abuse.alerts(s) == []
    with db.write_sessions() as s:  # a bare session: no unit of work to evaluate it after
        ask(s, actor, settings, codes[1], purpose="procurement")
        assert [a.rule for a in abuse.alerts(s)] == ["purpose_mismatch"]
        s.rollback()


def test_a_purpose_outside_the_organisations_business_raises_an_alert(db: Database, settings: Settings) -> None:
    actor, codes = setup(db, settings, sector="human_resources")
    with unit_of_work(db) as s:
        ask(s, actor, settings, codes[0], purpose="hiring")  # fits a human-resources department
    assert abuse.settle(db)
    with unit_of_work(db, readonly=True) as s:
        assert abuse.alerts(s) == []
    with unit_of_work(db) as s:
        ask(s, actor, settings, codes[1], purpose="procurement")
    assert abuse.settle(db)
    with unit_of_work(db, readonly=True) as s:
        assert [a.rule for a in abuse.alerts(s)] == ["purpose_mismatch"]


def test_the_retention_job_deletes_old_query_records(db: Database, settings: Settings) -> None:
    now = utcnow()
    with unit_of_work(db) as s:
        for years in (6, 1):
            s.add(QueryRecord(at=now - timedelta(days=365 * years), kind="public", account="ip:x", actor_role="public",
                              subject_id=1, fields=["public"]))  # fmt: skip
        for status in ("dismissed", "open"):
            s.add(QueryAlert(rule="many_subjects", account="ip:x", status=status, count=1, detail="-", query_ids=[],
                             raised_at=now - timedelta(days=2200), last_at=now - timedelta(days=2200)))  # fmt: skip
    result = JOBS["queries.retention"](db, cli_actor("jobs"), TODAY)
    assert result == {"records_deleted": 1, "alerts_deleted": 1}
    with unit_of_work(db, readonly=True) as s:
        left = list(s.scalars(select(QueryRecord)))
        assert len(left) == 1 and left[0].at > now - timedelta(days=400)
        assert [a.status for a in s.scalars(select(QueryAlert))] == ["open"]
        assert s.scalar(select(func.count()).where(AuditEntry.action == "query.purge")) == 1
    assert JOBS["queries.retention"](db, cli_actor("jobs"), TODAY) == {"records_deleted": 0, "alerts_deleted": 0}


def test_cli(cli_env: Settings, db: Database) -> None:
    from chengxin.cli.main import app

    actor, codes = setup(db, cli_env)
    with unit_of_work(db) as s:
        ask(s, actor, cli_env, codes[0])
    runner = CliRunner()
    purposes = runner.invoke(app, ["queries", "purposes", "--json"])
    assert purposes.exit_code == 0 and "hiring" in json.loads(purposes.output.splitlines()[-1])
    log = runner.invoke(app, ["queries", "log", "--subject", codes[0], "--json"])
    assert log.exit_code == 0, log.output
    rows = json.loads(log.output.splitlines()[-1])["queries"]
    assert [(r["account"], r["purpose"]) for r in rows] == [("token:77", "licensing")]
    alerts = runner.invoke(app, ["queries", "alerts", "--all", "--json"])
    assert alerts.exit_code == 0 and json.loads(alerts.output.splitlines()[-1]) == {"alerts": []}
    purge = runner.invoke(app, ["queries", "purge", "--json"])
    assert purge.exit_code == 0 and json.loads(purge.output.splitlines()[-1]) == {
        "years": 5, "records_deleted": 0, "alerts_deleted": 0}  # fmt: skip
    assert runner.invoke(app, ["queries", "log"]).exit_code == 0
