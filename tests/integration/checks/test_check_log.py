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
