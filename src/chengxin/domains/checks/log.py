"""The check log, group-committed: every check is written (its row and its audit entry, in one
transaction) before it is answered, but the checks that arrive while one transaction commits are written
together in the next one, by one writer thread per process and database.

A check answered one by one costs a writing transaction each — on SQLite the database's only writer for
the length of the request, on PostgreSQL an advisory lock on the audit chain's head — and at a few
hundred checks a second those transactions queue behind each other. Written together, a hundred checks
cost about what one did. A check still waits for its own commit (its id is in the answer, and an
unlogged check must not be answered); under light load its transaction holds it alone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import orjson

from chengxin.db import Database, EncodedJSON, unit_of_work
from chengxin.domains.checks.models import Check
from chengxin.errors import ServiceUnavailable
from chengxin.observability import log
from chengxin.security import audit
from chengxin.security.actor import Actor

MAX_BATCH = 500  # checks per transaction
WAIT_S = 60.0  # a check gives up waiting for its commit after this (the database is gone)


@dataclass
class Entry:
    """One check to log: the row's values and the actor who ran it."""

    actor: Actor
    scenario: str
    items: int
    hits: int
    outcome: list[dict[str, Any]] | EncodedJSON  # per item: {"i", "subject_id", "decision", "measures"}
    decisions: dict[str, int]  # items per decision
    check_id: int | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def row(self, *, decoded: bool = False) -> Check:
        """The check's row; ``decoded``: its outcome as a list even when it came encoded (a row the same
        session goes on using)."""
        outcome = self.outcome
        if decoded and isinstance(outcome, EncodedJSON):
            outcome = orjson.loads(str(outcome))  # (orjson takes no str subclass)
        return Check(
            scenario=self.scenario,
            actor=self.actor.label,
            organisation_id=self.actor.organisation_id,
            items=self.items,
            hits=self.hits,
            outcome=outcome,
        )

    def wait(self) -> int:
        """The check's id once its log is committed (``submit`` first); 503 when it cannot be."""
        if not self.done.wait(WAIT_S):
            raise ServiceUnavailable(f"the check log did not commit within {WAIT_S:.0f} s", code="check_not_logged")
        if self.error is not None:  # an unlogged check is not answered
            raise ServiceUnavailable("the check could not be logged", code="check_not_logged") from self.error
        assert self.check_id is not None
        return self.check_id

    def event(self, check_id: int) -> audit.Event:
        detail = {"scenario": self.scenario, "items": self.items, "decisions": dict(self.decisions)}
        return audit.Event("check.run", object_type="check", object_id=check_id, detail=detail)


class _Writer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: list[Entry] = []
        self.ready = threading.Condition()
        self.thread = threading.Thread(target=self._loop, name="check-log", daemon=True)
        self.thread.start()

    def submit(self, entry: Entry) -> None:
        with self.ready:
            self.queue.append(entry)
            self.ready.notify()

    def _loop(self) -> None:
        while True:
            with self.ready:
                while not self.queue:
                    self.ready.wait()
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                commit(self.db, batch)
            except Exception as exc:  # every waiter gets the failure; the writer goes on
                log.error("check_log_failed", checks=len(batch), error=repr(exc))
                for e in batch:
                    e.error = exc
            for e in batch:
                e.done.set()


def commit(db: Database, batch: list[Entry]) -> None:
    """Write the checks and their audit entries in one transaction (ids set on the entries)."""
    with unit_of_work(db) as session:
        rows = [e.row() for e in batch]
        session.add_all(rows)
        session.flush()
        audit.record_each(session, [(e.actor, e.event(r.id)) for e, r in zip(batch, rows, strict=True)])
    for e, r in zip(batch, rows, strict=True):
        e.check_id = r.id


_writers: dict[str, _Writer] = {}
_lock = threading.Lock()


def submit(db: Database, entry: Entry) -> Entry:
    """Hand one check to the log writer (written with whatever other checks are waiting); ``entry.wait()``
    for its id. The caller may go on meanwhile — e.g. serialise the answer while the log commits."""
    with _lock:
        writer = _writers.get(db.url)
        if writer is None or writer.db is not db:
            writer = _writers[db.url] = _Writer(db)
    writer.submit(entry)
    return entry


def write(db: Database, entry: Entry) -> int:
    """Log one check and return its id once committed."""
    return submit(db, entry).wait()
