"""Append-only, hash-chained audit log (审计日志 / 查询日志).

Every change and every read of non-public data writes one entry *in the same transaction*.
Each entry's hash covers its content and the previous entry's hash, so editing or deleting
any entry breaks the chain from that point on; ``verify_chain`` finds the first break.
Truncating the tail is caught by comparing with a head hash recorded elsewhere
(``chengxin audit head`` prints a checkpoint ``SEQ:HASH`` to keep outside the database;
``chengxin audit verify --checkpoint SEQ:HASH`` checks the chain still holds that entry).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from chengxin.db import Base, UTCDateTime, bulk_insert, driver_values, pg_insert_sql, table_of, utcnow
from chengxin.errors import InvalidInput
from chengxin.security.actor import Actor

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_262_2026
HEAD = "SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1"  # the chain's last entry
PG_LOCK = f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"  # PostgreSQL: who appends, one at a time


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60), index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    fields: Mapped[list[str]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


_TABLE = table_of(AuditEntry)
_HASHED = (
    "seq",
    "occurred_at",
    "actor",
    "actor_role",
    "user_id",
    "organisation_id",
    "action",
    "purpose",
    "subject_id",
    "object_type",
    "object_id",
    "fields",
    "detail",
    "request_id",
    "prev_hash",
)


_COLUMNS = (*_HASHED, "entry_hash")
_SQLITE_INSERT = f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_FEW = 20  # entries written by one INSERT on the driver's cursor; more go through ``bulk_insert``


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(values: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's hashed fields (pure)."""
    payload = {k: values[k] for k in _HASHED}
    payload["occurred_at"] = _canonical_time(payload["occurred_at"])
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Event:
    """What to record: an action, optionally about a subject and an object."""

    action: str
    subject_id: int | None = None
    object_type: str | None = None
    object_id: str | int | None = None
    fields: Sequence[str] = ()
    detail: dict[str, Any] | None = None


def _lock_head(session: Session, *, locked: bool = False) -> tuple[int, str]:
    if session.info.get("readonly"):
        raise RuntimeError("audit entries need a writing unit of work")
    conn = session.connection()
    raw = conn.connection.driver_connection
    if raw is None or conn.dialect.name not in ("postgresql", "sqlite"):
        if not locked and conn.dialect.name == "postgresql":
            conn.exec_driver_sql(PG_LOCK)
        return head(session)
    # the driver's own cursor: an entry is written on every audited request's path
    cur = raw.cursor()
    try:
        if not locked and conn.dialect.name == "postgresql":
            cur.execute(PG_LOCK)
        # On SQLite the writing unit of work began with BEGIN IMMEDIATE: writers are serialised. On PostgreSQL
        # this statement's snapshot, taken after the lock was granted, sees every entry appended before.
        cur.execute(HEAD)
        return head_of(cur.fetchone())
    finally:
        cur.close()


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """The entries as one INSERT for the driver (a few rows: every audited request writes one or two)."""
    conn = session.connection()
    raw = conn.connection.driver_connection
    if raw is None or conn.dialect.name not in ("postgresql", "sqlite") or len(rows) > _FEW:
        bulk_insert(session, _TABLE, rows)
        return
    data = driver_values(conn.dialect, _TABLE, _COLUMNS, rows)
    cur = raw.cursor()
    try:
        if conn.dialect.name == "sqlite":
            cur.executemany(_SQLITE_INSERT, data)
        else:
            cur.execute(pg_insert_sql(_TABLE, _COLUMNS, len(rows)), [v for row in data for v in row])
    finally:
        cur.close()


def record_many(session: Session, actor: Actor, events: Iterable[Event]) -> list[str]:
    """Append entries for ``events`` in the caller's transaction; returns their hashes."""
    return record_each(session, [(actor, ev) for ev in events])


def record_each(session: Session, entries: Sequence[tuple[Actor, Event]], *, locked: bool = False) -> list[str]:
    """Append an entry for each (actor, event) in the caller's transaction — the events of several
    requests written together; returns their hashes. ``locked``: the caller's transaction took the chain's
    lock already (``PG_LOCK``, in a statement before this one)."""
    seq, prev = _lock_head(session, locked=locked)
    rows = chained(seq, prev, entries, utcnow())
    if rows:
        _insert(session, rows)
    return [r["entry_hash"] for r in rows]


def chained(seq: int, prev: str, entries: Sequence[tuple[Actor, Event]], now: datetime) -> list[dict[str, Any]]:
    """The rows of these entries after the head entry (``seq``, its hash ``prev``), each hashed over the
    one before it (pure; the caller holds the head: ``_lock_head``, or ``PG_LOCK`` then ``HEAD``)."""
    rows: list[dict[str, Any]] = []
    for actor, ev in entries:
        seq += 1
        values: dict[str, Any] = {
            "seq": seq,
            "occurred_at": now,
            "actor": actor.label,
            "actor_role": str(actor.role),
            "user_id": actor.user_id,
            "organisation_id": actor.organisation_id,
            "action": ev.action,
            "purpose": actor.purpose,
            "subject_id": ev.subject_id,
            "object_type": ev.object_type,
            "object_id": None if ev.object_id is None else str(ev.object_id),
            "fields": list(ev.fields),
            "detail": ev.detail or {},
            "request_id": actor.request_id,
            "prev_hash": prev,
        }
        values["entry_hash"] = prev = compute_hash(values)
        rows.append(values)
    return rows


def record(session: Session, actor: Actor, event: Event) -> str:
    return record_many(session, actor, [event])[0]


@dataclass
class ChainReport:
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    session: Session, *, checkpoint: str | None = None, batch: int = 5000, max_problems: int = 20
) -> ChainReport:
    """Walk the whole chain in order and report every break (edited, deleted, reordered)."""
    prev_seq, prev_hash, checked = 0, GENESIS, 0
    problems: list[str] = []
    cols = [getattr(AuditEntry, c) for c in _HASHED] + [AuditEntry.entry_hash]
    while True:
        rows = session.execute(
            select(*cols).where(AuditEntry.seq > prev_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            values = dict(zip([*_HASHED, "entry_hash"], row, strict=True))
            seq = values["seq"]
            if seq != prev_seq + 1:
                problems.append(f"entries {prev_seq + 1}..{seq - 1} are missing (deleted)")
            if values["prev_hash"] != prev_hash:
                problems.append(f"entry {seq}: does not link to the entry before it")
            if compute_hash(values) != values["entry_hash"]:
                problems.append(f"entry {seq}: content does not match its hash (edited)")
            prev_seq, prev_hash = seq, values["entry_hash"]
            checked += 1
            if len(problems) >= max_problems:
                return ChainReport(checked, prev_seq, prev_hash, problems)
    if checkpoint is not None:
        problems.extend(_check_checkpoint(session, checkpoint))
    return ChainReport(checked, prev_seq, prev_hash, problems)


def head(session: Session) -> tuple[int, str]:
    """The last entry's seq and hash (0 and the genesis hash for an empty log)."""
    # as the driver's SQL: written before every audit entry, and the ORM's select costs ~10 times the query
    return head_of(session.connection().exec_driver_sql(HEAD).first())


def head_of(row: Sequence[Any] | None) -> tuple[int, str]:
    """(seq, hash) of the row ``HEAD`` returned (0 and the genesis hash for an empty log)."""
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def parse_checkpoint(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(seq) > 18 or len(digest) != 64:
        raise InvalidInput("a checkpoint is SEQ:HASH as printed by `chengxin audit head`", code="invalid_checkpoint")
    return int(seq), digest


def _check_checkpoint(session: Session, checkpoint: str) -> list[str]:
    """A checkpoint recorded outside the database: its entry must still be there, unchanged
    (catches entries removed from the end, which the chain alone cannot see)."""
    seq, digest = parse_checkpoint(checkpoint)
    found = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))
    if found is None:
        return [f"checkpoint entry {seq} is gone (entries removed from the end)"]
    if found != digest:
        return [f"checkpoint entry {seq} has another hash (the log was rewritten)"]
    return []
