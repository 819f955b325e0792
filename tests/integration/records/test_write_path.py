"""The one write path on both databases: source ids with characters an array literal must quote,
ids allocated before the insert, one outbox event per batch."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, allocate_ids, table_of, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.records import service as records
from chengxin.domains.records.matching import among, pg_array_literal
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.events import OutboxEvent
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_uscc

ACTOR = cli_actor("tests")
AWKWARD = ['罚"1"号', "a\\b", "a,b", "{x}", "NULL", '多\\"层', "tab\there", "x'y", "''"]


def test_pg_array_literal_quotes_what_needs_quoting() -> None:
    assert pg_array_literal([1, 2, 3]) == "{1,2,3}"
    assert pg_array_literal(['a"b', "c\\d", "e,f"]) == '{"a\\"b","c\\\\d","e,f"}'
    assert pg_array_literal([]) == "{}"
    many = AWKWARD * 20  # more than 100: the bulk (Polars) path quotes as the small one does
    assert pg_array_literal(many) == "{" + ",".join([pg_array_literal(AWKWARD)[1:-1]] * 20) + "}"


def test_awkward_source_ids_land_once_and_are_found_again(db: Database, settings: Settings) -> None:
    pii = cipher(settings)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=ACTOR, kind="department", name="某区市场监管局", sector="market")
        data = LegalSubjectIn(kind="legal", name="某某商贸有限公司", uscc=make_uscc(random.Random(3)))
        subject = subjects.create_subject(s, actor=ACTOR, data=data, cipher=pii)
        org_id, subject_id = org.id, subject.id

    def batch() -> list[Submission]:
        return [
            Submission("admin_penalty", sid, date(2026, 5, 1), Party(subject_id=subject_id), document_no=f"罚{i}",
                       payload={"violation_facts": "x", "penalty_category": "警告", "penalty_content": "警告"})
            for i, sid in enumerate(AWKWARD)
        ]  # fmt: skip

    with unit_of_work(db) as s:
        first = records.submit(s, actor=ACTOR, source_org_id=org_id, submissions=batch(), cipher=pii)
    assert first.created == len(AWKWARD), first.outcomes
    with unit_of_work(db) as s:
        again = records.submit(s, actor=ACTOR, source_org_id=org_id, submissions=batch(), cipher=pii)
        assert again.unchanged == len(AWKWARD), again.outcomes  # each found by its source id
        found = s.scalars(
            select(CreditRecord.source_record_id).where(among(s, CreditRecord.source_record_id, AWKWARD))
        ).all()
        assert sorted(found) == sorted(AWKWARD)
        rows = s.execute(select(CreditRecord.id, CreditRecord.source_record_id)).all()
        assert {o.record_id for o in first.outcomes} == {r.id for r in rows}
        # one event for the batch, listing its records and their subject
        [event] = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "record.created")).all()
        assert event.payload["object_ids"] == sorted(r.id for r in rows)
        assert event.payload["subject_ids"] == [subject_id] and event.subject_id == subject_id
        assert event.object_id is None


def test_allocated_ids_follow_the_stored_ones(db: Database) -> None:
    table = table_of(CreditRecord)
    with unit_of_work(db) as s:
        a = allocate_ids(s, table, 3)
        b = allocate_ids(s, table, 2)
        assert allocate_ids(s, table, 0) == []
    assert len(a) == 3 and a == sorted(a) and a[-1] - a[0] == 2 and a[0] >= 1
    if db.dialect == "postgresql":
        assert b[0] > a[-1]  # the sequence moves on, whatever is inserted
    else:
        assert b[0] == a[0]  # SQLite: after the largest stored id, and none was stored


def test_an_earlier_version_sent_again_leaves_the_correction_standing(db: Database, settings: Settings) -> None:
    pii = cipher(settings)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=ACTOR, kind="department", name="某县市场监管局", sector="market")
        data = LegalSubjectIn(kind="legal", name="某某再送有限公司", uscc=make_uscc(random.Random(4)))
        subject = subjects.create_subject(s, actor=ACTOR, data=data, cipher=pii)
        org_id, subject_id = org.id, subject.id

    def send(content: str) -> records.Outcome:
        sub = Submission(
            "admin_penalty",
            "罚-re",
            date(2026, 5, 1),
            Party(subject_id=subject_id),
            document_no="罚re",
            payload={"violation_facts": "x", "penalty_category": "罚款", "penalty_content": content},
        )
        with unit_of_work(db) as s:
            return records.submit(s, actor=ACTOR, source_org_id=org_id, submissions=[sub], cipher=pii).outcomes[0]

    assert send("罚款2000元").result == "created"
    assert send("罚款1000元").result == "corrected"  # version 2
    again = send("罚款2000元")  # the first file imported again
    assert again.result == "unchanged" and again.code == "earlier_version" and again.version == 2
    assert send("罚款500元").result == "corrected"  # new content is a correction as ever
