"""The check log is group-committed: checks arriving while a transaction commits are written together in
the next one, each with its own row and audit entry (the chain intact); a check whose log cannot be
written is not answered."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.db import Database, unit_of_work
from chengxin.domains.checks import log as checklog
from chengxin.domains.checks.models import Check
from chengxin.errors import ServiceUnavailable
from chengxin.security import audit
from chengxin.security.actor import cli_actor

ACTOR = cli_actor("tests")


def _entry(n: int) -> checklog.Entry:
    outcome = [{"i": 0, "subject_id": None, "decision": "pass", "measures": []}]
    return checklog.Entry(ACTOR, f"s{n}", 1, 0, outcome, {"pass": 1})


def test_checks_waiting_are_written_together(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    original = checklog.commit

    def slow_first(database: Database, batch: list[checklog.Entry]) -> None:
        sizes.append(len(batch))
        if len(sizes) == 1:
            time.sleep(0.5)  # the others queue meanwhile
        original(database, batch)

    monkeypatch.setattr(checklog, "commit", slow_first)
    ids: dict[int, int] = {}

    def one(n: int) -> None:
        ids[n] = checklog.write(db, _entry(n))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(40)]
    threads[0].start()
    time.sleep(0.1)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(ids) == list(range(40)) and len(set(ids.values())) == 40
    assert sum(sizes) == 40 and sizes[0] == 1 and max(sizes) >= 20  # grouped while the first committed
    with unit_of_work(db, readonly=True) as s:
        scenarios = dict(s.execute(select(Check.id, Check.scenario)).all())
        assert all(scenarios[cid] == f"s{n}" for n, cid in ids.items())  # each id is its own check's
        logged = s.scalar(
            select(func.count()).select_from(audit.AuditEntry).where(audit.AuditEntry.action == "check.run")
        )
        assert logged == 40
        assert audit.verify_chain(s).ok


def test_a_check_that_cannot_be_logged_is_not_answered(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(database: Database, batch: list[Any]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(checklog, "commit", fails)
    with pytest.raises(ServiceUnavailable) as caught:
        checklog.write(db, _entry(0))
    assert caught.value.code == "check_not_logged" and caught.value.status == 503
    monkeypatch.undo()
    assert checklog.write(db, _entry(1)) >= 1  # the writer goes on


def test_an_outcome_built_as_json_text_is_stored_as_json(db: Database) -> None:
    from chengxin.db import EncodedJSON

    text = '[{"i":0,"subject_id":null,"decision":"pass","measures":[]}]'
    entry = checklog.Entry(ACTOR, "s", 1, 0, EncodedJSON(text), {"pass": 1})
    check_id = checklog.write(db, entry)
    with unit_of_work(db, readonly=True) as s:
        check = s.get(Check, check_id)
        assert check is not None and check.outcome == [{"i": 0, "subject_id": None, "decision": "pass", "measures": []}]


def test_on_postgresql_the_lane_logs_on_the_event_loop_together(postgres_url: str) -> None:
    """``checks.aio``: checks submitted while a batch commits are written in the next one, each with its own
    id and audit entry, the chain intact — the same rows as the thread writer's."""
    import asyncio

    from chengxin.db import open_database
    from chengxin.domains.checks.aio import AsyncPostgres
    from tests.conftest import _reset_postgres

    db = open_database(postgres_url)
    _reset_postgres(db)
    pg = AsyncPostgres(db)
    entries = [_entry(n) for n in range(30)]

    async def run() -> list[int]:
        first = pg.submit(entries[0])
        await asyncio.sleep(0)  # the first batch (one check) is on its way
        rest = [pg.submit(e) for e in entries[1:]]
        await asyncio.gather(first, *rest)
        assert pg.task is None and not pg.pending
        return [e.result() for e in entries]

    ids = asyncio.run(run())
    assert len(set(ids)) == 30
    with unit_of_work(db, readonly=True) as s:
        scenarios = dict(s.execute(select(Check.id, Check.scenario)).all())
        assert [scenarios[cid] for cid in ids] == [f"s{n}" for n in range(30)]  # each id is its own check's
        entries_logged = (
            s.execute(
                select(audit.AuditEntry.object_id)
                .where(audit.AuditEntry.action == "check.run")
                .order_by(audit.AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert entries_logged == [str(cid) for cid in ids]
        assert audit.verify_chain(s).ok
