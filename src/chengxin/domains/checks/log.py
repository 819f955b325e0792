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

import contextlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.engine import Dialect

from chengxin.db import Database, EncodedJSON, bulk_insert, driver_values, pg_insert_sql, table_of, utcnow
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
    notify: Callable[[], object] | None = None  # called by the writer once done (from its thread)

    def row(self, *, decoded: bool = False) -> Check:
        """The check's row; ``decoded``: its outcome as a list even when it came encoded (a row the same
        session goes on using)."""
        values = self.values()
        if decoded and isinstance(self.outcome, EncodedJSON):
            values["outcome"] = orjson.loads(str(self.outcome))  # (orjson takes no str subclass)
        return Check(**values)

    def values(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "actor": self.actor.label,
            "organisation_id": self.actor.organisation_id,
            "items": self.items,
            "hits": self.hits,
            "outcome": self.outcome,
        }

    def wait(self) -> int:
        """The check's id once its log is committed (``submit`` first); 503 when it cannot be."""
        self.done.wait(WAIT_S)
        return self.result()

    def result(self) -> int:
        """The check's id, its log committed; 503 when it is not (yet, or could not be)."""
        if not self.done.is_set():
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
                if e.notify is not None:
                    with contextlib.suppress(RuntimeError):  # its event loop is closed: nobody waits any more
                        e.notify()


_COLUMNS = ("scenario", "actor", "organisation_id", "items", "hits", "outcome", "created_at")
_SQLITE_INSERT = f"INSERT INTO checks ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) RETURNING id"


def commit(db: Database, batch: list[Entry]) -> None:
    """Write the checks and their audit entries in one transaction (ids set on the entries), on the driver's
    connection and in as few round trips as the audit chain allows — on PostgreSQL two pipelines: the
    chain's lock, its head and the checks; then the audit rows and the commit (the ORM took eight).
    ``checks.aio`` writes the same statements without a thread."""
    now = utcnow()
    with db.writer.begin() as conn:  # SQLite: the writers' gate, then BEGIN IMMEDIATE
        raw: Any = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            with raw.pipeline():
                raw.execute(audit.PG_LOCK)
                head = raw.execute(audit.HEAD)
                inserted = raw.execute(*pg_insert_checks(conn.dialect, batch, now))
            ids = checked_ids(batch, inserted.fetchall())
            with raw.pipeline():
                raw.execute(*pg_insert_entries(conn.dialect, batch, ids, head.fetchone(), now))
                raw.commit()  # in the same round trip (the unit's own commit then finds nothing to do)
            return
        cursor = raw.cursor()
        top = cursor.execute(audit.HEAD).fetchone()
        values = driver_values(conn.dialect, table_of(Check), _COLUMNS, _rows(batch, now))
        ids = checked_ids(batch, [cursor.execute(_SQLITE_INSERT, row).fetchone() for row in values])
        bulk_insert(conn, table_of(audit.AuditEntry), _chained(batch, ids, top, now))


def _rows(batch: list[Entry], now: datetime) -> list[dict[str, Any]]:
    return [e.values() | {"created_at": now} for e in batch]


def checked_ids(batch: list[Entry], returned: Iterable[Sequence[Any]]) -> list[int]:
    """The ids the checks were given, in the batch's order (set on the entries): one statement's serial
    ids rise row by row, whatever order RETURNING lists them in."""
    ids = sorted(int(r[0]) for r in returned)
    for e, cid in zip(batch, ids, strict=True):
        e.check_id = cid
    return ids


def _chained(batch: list[Entry], ids: list[int], top: Sequence[Any] | None, now: datetime) -> list[dict[str, Any]]:
    """The batch's audit rows after the chain's head ``top`` (the row ``audit.HEAD`` returned)."""
    seq, prev = audit.head_of(top)
    return audit.chained(seq, prev, [(e.actor, e.event(cid)) for e, cid in zip(batch, ids, strict=True)], now)


def pg_insert_checks(dialect: Dialect, batch: list[Entry], now: datetime) -> tuple[str, list[Any]]:
    """PostgreSQL: (SQL, parameters) inserting the batch's checks, returning their ids."""
    values = driver_values(dialect, table_of(Check), _COLUMNS, _rows(batch, now))
    return pg_insert_sql(table_of(Check), _COLUMNS, len(batch)) + " RETURNING id", [v for r in values for v in r]


def pg_insert_entries(
    dialect: Dialect, batch: list[Entry], ids: list[int], top: Sequence[Any] | None, now: datetime
) -> tuple[str, list[Any]]:
    """PostgreSQL: (SQL, parameters) appending the batch's audit entries after the chain's head ``top``."""
    rows, table = _chained(batch, ids, top, now), table_of(audit.AuditEntry)
    cols = list(rows[0])
    return pg_insert_sql(table, cols, len(rows)), [v for r in driver_values(dialect, table, cols, rows) for v in r]


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
