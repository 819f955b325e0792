"""Database plumbing: engines, the declarative ``Base``, the unit of work and migrations.

SQLite (embedded default) runs in WAL mode; transactions that may write start with
``BEGIN IMMEDIATE`` so that the audit hash chain can never fork under concurrent writers.
Read-only units of work use a plain ``BEGIN`` and never block readers.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, String, Table, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from chengxin.observability import log

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def Code(length: int) -> TypeEngine[str]:  # noqa: N802 (a column type, named like one)
    """An identifier or code column (account, order and rating ids, enumerated values): compared
    byte by byte on PostgreSQL (``COLLATE "C"``). Under a database's linguistic default every index
    comparison is a ``strcoll()`` call — a third of the index work of a bulk import — and no one
    sorts ids alphabetically. SQLite compares bytes already."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk inserts (executemany without ORM bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class EncodedJSON(str):
    """A value for a JSON column that is already JSON text (built column-wise, e.g. by Polars): stored as
    it is, read back as the value it encodes."""


def json_dumps(value: Any) -> str:
    """JSON as stored in JSON columns (and hashed for fingerprints): orjson, compact UTF-8; dates
    and datetimes in ISO 8601, other unknown objects as their ``str``; ``EncodedJSON`` as it is."""
    if isinstance(value, EncodedJSON):
        return str(value)
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_CODEC: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (``Session.execute`` is typed as returning a plain
    ``Result``; for these statements it is a ``CursorResult``)."""
    return int(result.rowcount)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Database:
    """The two engines of one database: ``writer`` (may write) and ``reader``."""

    url: str
    writer: Engine
    reader: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        checkpointer = _checkpointers.pop(self.writer, None)
        if checkpointer is not None:
            checkpointer.stopped.set()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


@dataclass(frozen=True)
class PoolSettings:
    """Connection pool of one engine (settings ``CHENGXIN_DB_POOL_SIZE`` …)."""

    size: int = 20
    overflow: int = 30
    timeout_s: float = 10.0

    def kwargs(self) -> dict[str, Any]:
        return {"pool_size": self.size, "max_overflow": self.overflow, "pool_timeout": self.timeout_s}


def _sqlite_engine(url: str, *, immediate: bool, pool: PoolSettings) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC, **pool.kwargs())

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    if immediate:
        _WriterGate(engine)
        if parsed.database and parsed.database != ":memory:":
            checkpointer = _checkpointers[engine] = _Checkpointer(parsed.database)

            @event.listens_for(engine, "connect")
            def _no_auto_checkpoint(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")  # ``_Checkpointer`` does it
                dbapi_conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")  # a WAL grown in a burst shrinks
                checkpointer.start()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


CHECKPOINT_EVERY_S = 0.5
WAL_LIMIT = 64 << 20  # bytes a write-ahead log is cut back to once checkpointed


class _Checkpointer:
    """SQLite: the write-ahead log copied back into the database by a thread of its own, every
    ``CHECKPOINT_EVERY_S`` when it has grown, instead of by whichever commit crosses SQLite's 1,000-page
    mark — that commit then takes 10-30 ms longer, and so does every request waiting on it (the check
    log's group commits saw it as their p99). A passive checkpoint runs beside readers and writers; a
    process that stops leaves the rest to the next one (or to the last connection's close)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.runs = 0  # checkpoints run

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        import sqlite3

        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        wal = Path(self.path + "-wal")
        try:
            while not self.stopped.wait(CHECKPOINT_EVERY_S):
                if not Path(self.path).exists():  # the database went away (a test's): nothing to do
                    return
                if wal.exists() and wal.stat().st_size > 0:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.runs += 1
        except (OSError, sqlite3.Error) as exc:
            log.warning("sqlite_checkpointer_stopped", path=self.path, error=repr(exc))
        finally:
            conn.close()


_checkpointers: weakref.WeakKeyDictionary[Engine, _Checkpointer] = weakref.WeakKeyDictionary()


GATE_TIMEOUT_S = 30.0  # SQLite's own busy timeout: a writer waiting longer would fail anyway


class _WriterGate:
    """Writers of this process wait their turn on a lock before ``BEGIN IMMEDIATE``; the next one goes as
    soon as the connection holding it is returned to the pool (its transaction over) or thrown away.
    Without it they wait in SQLite's busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries: a
    request behind a 3 ms write waited up to a second under load. Other processes (a CLI job beside the
    server) still meet in SQLite's own locking. A writer that cannot get the lock in ``GATE_TIMEOUT_S``
    assumes it was lost, starts a new one and goes on (SQLite's locking still keeps writes apart)."""

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        event.listen(engine, "begin", self.take)  # before the BEGIN IMMEDIATE listener: runs first
        for name in ("checkin", "invalidate", "soft_invalidate", "detach"):
            event.listen(engine, name, self.give)

    def take(self, conn: Any) -> None:
        info = conn.connection.info
        if info.get("gate") is not None:
            return  # this connection already holds it (a second transaction before its return)
        lock = self.lock
        if not lock.acquire(timeout=GATE_TIMEOUT_S):
            log.warning("sqlite_writer_gate_lost", waited_s=GATE_TIMEOUT_S)
            self.lock = lock = threading.Lock()
            lock.acquire()
        info["gate"] = lock

    def give(self, _dbapi_conn: Any, record: Any, *_: Any) -> None:
        lock = record.info.pop("gate", None)
        if lock is not None:
            lock.release()


_cache: dict[str, Database] = {}
_cache_lock = threading.Lock()


def open_database(url: str, pool: PoolSettings | None = None) -> Database:
    """Engines for ``url``, created once per process (the first caller's pool settings win)."""
    pool = pool or PoolSettings()
    with _cache_lock:
        if url in _cache:
            return _cache[url]
        if url.startswith("sqlite"):
            writer = _sqlite_engine(url, immediate=True, pool=pool)
            reader = _sqlite_engine(url, immediate=False, pool=pool)
        else:
            # Connections are recycled rather than pinged before each use (a ping is a round trip
            # per request); read-only units of work run in autocommit: no BEGIN/ROLLBACK trips.
            writer = create_engine(url, pool_recycle=1800, **JSON_CODEC, **pool.kwargs())
            reader = writer.execution_options(isolation_level="AUTOCOMMIT")
        db = Database(
            url=url,
            writer=writer,
            reader=reader,
            write_sessions=sessionmaker(writer, expire_on_commit=False),
            read_sessions=sessionmaker(reader, expire_on_commit=False),
        )
        _cache[url] = db
        return db


def forget_database(url: str) -> None:
    with _cache_lock:
        db = _cache.pop(url, None)
    if db is not None:
        db.dispose()


@contextmanager
def unit_of_work(db: Database, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    factory = db.read_sessions if readonly else db.write_sessions
    session = factory()
    session.info["readonly"] = readonly
    session.info["db"] = db  # for work to do once it commits (e.g. queries.abuse)
    try:
        yield session
        if not readonly:
            session.commit()  # a read-only one ends in close(), which rolls back for less
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What Alembic compares: everything but what the migrations create by hand for search
    (SQLite's FTS5 tables, PostgreSQL's trigram index)."""
    hand_made = (type_ == "table" and (name or "").startswith("subject_name_fts")) or (
        type_ == "index" and name == "ix_subjects_name_trgm"
    )
    return not (reflected and compare_to is None and hand_made)


def migrations_dir() -> Path:
    return Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations (``chengxin db upgrade``); the server and commands call it too."""
    from alembic import command

    cfg = alembic_config(db.url)
    with db.writer.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def is_current(db: Database) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db.url))
    with db.reader.connect() as conn:
        ctx = MigrationContext.configure(conn)
        return set(ctx.get_current_heads()) == set(script.get_heads())


def ensure_current(db: Database) -> None:
    if not is_current(db):
        upgrade(db)


def column_defaults(table: Table, present: set[str]) -> dict[str, Any]:
    """Client-side defaults for columns a bulk row leaves out (COPY does not apply them)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in present or col.default is None:
            continue
        default = col.default
        if getattr(default, "is_scalar", False):
            out[col.name] = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            out[col.name] = default.arg(None)  # type: ignore[attr-defined]
    return out


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for rows about to be bulk-inserted with their ids given (so
    no query has to find them afterwards): from the column's sequence on PostgreSQL; after the
    largest id on SQLite, whose write transactions hold the database's write lock (``BEGIN
    IMMEDIATE``) till they end, so no one else can take the same ids."""
    if count <= 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(t)s, 'id')) FROM generate_series(1, %(n)s)",
            {"t": table.name, "n": count},
        )
        return sorted(int(i) for (i,) in rows)
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))


COPY_FROM = 50  # rows: fewer are inserted by one INSERT on PostgreSQL


def driver_values(
    dialect: Dialect, table: Table, cols: Sequence[str], rows: Iterable[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """``rows`` as the driver takes them: the column types' own bind processors applied in one tight loop —
    the values SQLAlchemy would send, without its per-row bookkeeping (PostgreSQL's JSON columns: as JSON
    text, for SQL that casts them, ``::json``)."""
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    return [tuple(p(r[c]) if p else r[c] for p, c in zip(procs, cols, strict=True)) for r in rows]


def pg_insert_sql(table: Table, cols: Sequence[str], rows: int) -> str:
    """PostgreSQL: one INSERT of ``rows`` rows of ``cols`` for the driver (``%s`` placeholders, JSON columns
    cast from the JSON text ``driver_values`` gives them)."""
    row = "(" + ", ".join("%s::json" if isinstance(table.c[c].type, JSON) else "%s" for c in cols) + ")"
    return f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES " + ", ".join([row] * rows)


def bulk_insert(session: Session | Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the caller's transaction, fast: ``COPY`` on PostgreSQL (from ``COPY_FROM`` rows),
    executemany elsewhere. Every row must have the same keys; server-generated ids are not returned."""
    if not rows:
        return
    conn = session.connection() if isinstance(session, Session) else session
    dialect = conn.dialect
    defaults = column_defaults(table, set(rows[0]))
    cols = [c.name for c in table.columns if c.name in rows[0] or c.name in defaults]
    raw = conn.connection.driver_connection
    assert raw is not None
    if dialect.name == "sqlite":
        data = driver_values(dialect, table, cols, ({**defaults, **r} for r in rows))
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        raw.cursor().executemany(sql, data)
        return
    if dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON)}
    pg_rows = (
        [json_dumps(full[c]) if c in json_cols and full[c] is not None else full[c] for c in cols]
        for full in ({**defaults, **row} for row in rows)
    )
    with raw.cursor() as cur:
        if len(rows) < COPY_FROM:  # one multi-row INSERT: one round trip where COPY takes three
            cur.execute(pg_insert_sql(table, cols, len(rows)), [v for row in pg_rows for v in row])
            return
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for values in pg_rows:
                copy.write_row(values)


def maintain(db: Database) -> list[str]:
    """Refresh planner statistics after bulk loads: ``VACUUM (ANALYZE)`` on PostgreSQL (also sets
    the visibility map, so autovacuum has nothing left to do under traffic), ``ANALYZE`` and
    ``PRAGMA optimize`` on SQLite. Returns the statements run."""
    if db.dialect == "postgresql":
        statements = ["VACUUM (ANALYZE)"]
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for stmt in statements:
                conn.exec_driver_sql(stmt)
    else:
        statements = ["ANALYZE", "PRAGMA optimize"]
        with db.writer.connect() as conn:
            for stmt in statements:
                conn.exec_driver_sql(stmt)
            conn.commit()
    return statements
