"""The checks' standing index follows every writer: what another session (process, tool) commits is seen by
the next look, on both databases — including, on PostgreSQL, a transaction that commits after a later one
(ids are handed out in one order and committed in another)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from chengxin.config import Settings
from chengxin.db import Database, open_database, unit_of_work, utcnow
from chengxin.domains.checks import standing
from chengxin.domains.checks.models import StandingChange
from chengxin.domains.checks.service import standing_index
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.schemas import LegalSubjectIn, NaturalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_ric, make_uscc

ACTOR = cli_actor("tests")
RNG = random.Random(11)


def _legal(db: Database, settings: Settings, name: str) -> tuple[int, str]:
    code = make_uscc(RNG)
    with unit_of_work(db) as s:
        data = LegalSubjectIn(kind="legal", name=name, uscc=code, legal_representative="赵某")
        return subjects.create_subject(s, actor=ACTOR, cipher=cipher(settings), data=data).id, code


def _look(db: Database, way: str, key: str) -> standing.Found | None:
    with unit_of_work(db) as s:
        return standing_index(s).lookup(way, [key])[0]


def _listing(subject_id: int) -> dict[str, Any]:
    return {
        "list_kind": "black",
        "subject_id": subject_id,
        "status": "published",
        "basis": [{"criterion": "x"}],
        "published_on": date(2026, 10, 1),
        "ends_on": date(2029, 10, 1),
    }


def _grade(subject_id: int, grade: str) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "model_version": "legal-v1",
        "weighted_units": 0,
        "score": 50.0,
        "grade": grade,
        "as_of": date(2026, 11, 24),
        "engine": "rules",
    }


def test_the_index_sees_what_other_sessions_commit(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, code_a = _legal(db, settings, "无锡青禾科技有限公司")
    ric = make_ric(RNG)
    with unit_of_work(db) as s:
        data = NaturalSubjectIn(kind="natural", name="周五", ric=ric)
        person = subjects.create_subject(s, actor=ACTOR, cipher=cipher(settings), data=data).id
        blind = s.scalar(select(Subject.ric_index).where(Subject.id == person))
    assert blind is not None
    found = _look(db, "uscc", code_a)  # built here
    assert found is not None and (found.id, found.lists, found.grade) == (a, frozenset(), None)
    with unit_of_work(db) as s:  # as another process would: plain SQL, no service
        s.execute(insert(ListEntry).values(**_listing(a)))
        s.execute(insert(Evaluation).values(**_grade(a, "C")))
        s.execute(insert(Evaluation).values(**_grade(person, "D")))
    found = _look(db, "uscc", code_a)
    assert found is not None and (found.lists, found.grade) == (frozenset({"black"}), "C")
    p = _look(db, "ric", blind)
    assert p is not None and (p.id, p.grade, p.shown) == (person, "D", "周*")
    new_code = make_uscc(RNG)
    with unit_of_work(db) as s:  # a corrected code and name: the old code finds nobody
        s.execute(update(Subject).where(Subject.id == a).values(uscc=new_code, name="无锡青禾智能科技有限公司"))
        s.execute(update(ListEntry).where(ListEntry.subject_id == a).values(status="removed"))
    assert _look(db, "uscc", code_a) is None
    moved = _look(db, "uscc", new_code)
    assert moved is not None and (moved.id, moved.name, moved.lists) == (a, "无锡青禾智能科技有限公司", frozenset())
    b, code_b = _legal(db, settings, "盐城海岚物流有限公司")  # registered after the build
    later = _look(db, "uscc", code_b)
    assert later is not None and later.id == b
    before = _index(db)
    monkeypatch.setattr(standing, "REBUILD_AT", 0)  # too many changes: built again, still right
    with unit_of_work(db) as s:
        s.execute(insert(ListEntry).values(**_listing(b) | {"list_kind": "watch"}))
    again = _look(db, "uscc", code_b)
    assert _index(db) is not before and again is not None and again.lists == frozenset({"watch"})
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(StandingChange)) >= 6  # written by the triggers
    restored = _index(db)
    restored.mark = 10**12  # as after a restore: the change feed starts again below the mark
    assert _index(db) is not restored  # built again rather than waiting for changes that never come


def _index(db: Database) -> standing.StandingIndex:
    with unit_of_work(db) as s:
        return standing_index(s)


def test_a_transaction_committed_after_a_later_one_is_seen(postgres_url: str) -> None:
    """PostgreSQL only (SQLite has one writer at a time: its change ids are committed in order). T1 writes
    first and commits last. Reading the changes by id after T2's commit would pass T1's id and never read
    it; reading by transaction from the snapshot's xmin does."""
    from tests.conftest import _reset_postgres

    db = open_database(postgres_url)
    _reset_postgres(db)
    standing.forget()
    ids = []
    with unit_of_work(db) as s:
        for name in ("淮安禾木食品有限公司", "宿迁禾川家具有限公司"):
            row = Subject(kind="legal", name=name, name_norm=name, name_core=name[2:4], uscc=make_uscc(RNG),
                          division="320800")  # fmt: skip
            s.add(row)
            s.flush()
            ids.append(row.id)
    first, second = ids
    _index(db)  # built
    t1 = db.writer.connect()
    tx1 = t1.begin()
    t1.execute(insert(ListEntry).values(**_listing(first)))  # T1's change gets the lower id
    with unit_of_work(db) as s:  # T2 writes later and commits first
        s.execute(insert(ListEntry).values(**_listing(second)))
    looked = _index(db)
    assert looked.lists_of([first, second]) == {first: frozenset(), second: frozenset({"black"})}
    tx1.commit()
    t1.close()
    assert _index(db).lists_of([first]) == {first: frozenset({"black"})}


def test_old_changes_are_pruned(db: Database, settings: Settings) -> None:
    a, _ = _legal(db, settings, "镇江石川机械有限公司")
    with unit_of_work(db) as s:
        s.execute(update(StandingChange).values(changed_at=utcnow() - timedelta(days=standing.KEEP_DAYS + 1)))
        _legal_in(s, a)
    with unit_of_work(db) as s:
        assert standing.prune(s) >= 1
        left = list(s.scalars(select(StandingChange.subject_id)))
    assert left == [a]  # the recent change stays


def _legal_in(session: Session, subject_id: int) -> None:
    session.execute(insert(Evaluation).values(**_grade(subject_id, "B")))
