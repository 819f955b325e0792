"""Database plumbing: engines, the declarative ``Base``, the unit of work and migrations.

SQLite (embedded default) runs in WAL mode; transactions that may write start with
``BEGIN IMMEDIATE`` so that the audit hash chain can never fork under concurrent writers.
Read-only units of work use a plain ``BEGIN`` and never block readers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

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


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk inserts (executemany without ORM bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


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
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_cache: dict[str, Database] = {}
_cache_lock = threading.Lock()


def open_database(url: str) -> Database:
    """Engines for ``url``, created once per process."""
    with _cache_lock:
        if url in _cache:
            return _cache[url]
        if url.startswith("sqlite"):
            writer = _sqlite_engine(url, immediate=True)
            reader = _sqlite_engine(url, immediate=False)
        else:
            writer = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            reader = writer
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
    try:
        yield session
        if readonly:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


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


def table_names(db: Database) -> list[str]:
    return inspect(db.writer).get_table_names()
