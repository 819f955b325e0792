"""The query register (查询登记): each answered query's row and, for one that read non-public data, its audit
entry, written in the transaction that answers it — the answer is given only once they are committed.

Registration is on every query's path, so it is written as the driver's SQL in the fewest round trips: on
PostgreSQL the row's INSERT takes the audit chain's lock in the same statement (the chain's head is then read
by the next statement, whose snapshot sees every entry committed before the lock was granted), then the head,
then the entry — three round trips and no ORM work. The abuse rules look at the query once it is committed,
off its path (``abuse.after_commit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from chengxin.db import driver_values, pg_insert_sql, table_of, utcnow
from chengxin.domains.queries import abuse, rules
from chengxin.domains.queries.models import QueryRecord
from chengxin.security import audit
from chengxin.security.actor import Actor

TABLE = table_of(QueryRecord)
COLUMNS = ("at", "kind", "account", "actor_role", "organisation_id", "subject_id", "purpose", "authorisation_id",
           "legal_basis", "fields", "client", "request_id")  # fmt: skip
AUDITED = frozenset({"authorised"})  # public answers hold public data only; a report has its own entry
_PG_INSERT = pg_insert_sql(TABLE, COLUMNS, 1) + " RETURNING id"
_PG_INSERT_LOCKING = f"WITH q AS ({_PG_INSERT}) SELECT q.id, {audit.PG_LOCK.removeprefix('SELECT ')} FROM q"
_SQLITE_INSERT = (
    f"INSERT INTO {TABLE.name} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) RETURNING id"
)


def account_of(actor: Actor, client: str | None) -> str:
    """Whom the register and the abuse rules count a query against: the token or user, else the address."""
    return actor.label if actor.label != "anonymous" else f"ip:{client or 'unknown'}"


def _insert(session: Session, values: dict[str, Any], *, lock: bool) -> tuple[int, bool]:
    """The row's id, and whether the audit chain's lock was taken with it."""
    conn = session.connection()
    dialect = conn.dialect
    raw = conn.connection.driver_connection
    if raw is None or dialect.name not in ("postgresql", "sqlite"):
        return int(session.execute(insert(QueryRecord).values(**values).returning(QueryRecord.id)).scalar_one()), False
    row = driver_values(dialect, TABLE, COLUMNS, [values])[0]
    if dialect.name == "postgresql":
        with raw.cursor() as cur:
            cur.execute(_PG_INSERT_LOCKING if lock else _PG_INSERT, row)
            found = cur.fetchone()
        assert found is not None
        return int(found[0]), lock
    cur = raw.cursor()
    try:
        found = cur.execute(_SQLITE_INSERT, row).fetchone()
    finally:
        cur.close()
    return int(found[0]), False  # SQLite: the writing unit of work began with BEGIN IMMEDIATE (one writer)


def register(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    subject_id: int,
    purpose: str | None,
    authorisation_id: int | None,
    legal_basis: str | None,
    fields: Sequence[str],
    client: str | None,
    records: int,
    qr: rules.QueryRules,
    now: datetime | None = None,
) -> rules.QueryEvent:
    """Register a query (查询登记) in the caller's transaction, with its audit entry when it read non-public
    data; the abuse rules look at it once that transaction commits."""
    if session.info.get("readonly"):
        raise RuntimeError("a query is registered in a writing unit of work")
    at, account = now or utcnow(), account_of(actor, client)
    values: dict[str, Any] = {
        "at": at,
        "kind": kind,
        "account": account,
        "actor_role": str(actor.role),
        "organisation_id": actor.organisation_id,
        "subject_id": subject_id,
        "purpose": purpose,
        "authorisation_id": authorisation_id,
        "legal_basis": legal_basis,
        "fields": list(fields),
        "client": (client or "")[:64] or None,
        "request_id": actor.request_id,
    }
    audited = kind in AUDITED
    qid, locked = _insert(session, values, lock=audited)
    if audited:
        event = audit.Event("query.authorised", subject_id=subject_id, object_type="query_record", object_id=qid,
                            fields=list(fields), detail={"authorisation_id": authorisation_id,
                                                         "legal_basis": legal_basis, "records": records})  # fmt: skip
        audit.record_each(session, [(actor.with_purpose(purpose), event)], locked=locked)
    event_ = rules.QueryEvent(id=qid, account=account, subject_id=subject_id, purpose=purpose, at=at)
    abuse.after_commit(session, abuse.Pending(event_, actor.organisation_id, qr))
    return event_
