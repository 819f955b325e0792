"""The migrations create exactly what the models describe (no drift), on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from chengxin.all_models import Base
from chengxin.db import Database, include_object


def test_models_and_migrations_agree(db: Database) -> None:
    with db.writer.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff


def test_upgrading_a_database_with_data(db: Database) -> None:
    """The migrations after the first run on a database holding rows that reference the tables they change
    (SQLite rebuilds a table to alter it, which such rows forbid): downgrade to the first revision, add an
    organisation and a user of it, upgrade to head."""
    from alembic import command
    from sqlalchemy import text

    from chengxin.db import alembic_config, upgrade

    command.downgrade(alembic_config(db.url), "20261123_0001")
    with db.writer.begin() as conn:
        conn.execute(text("INSERT INTO organisations (kind, name, status, created_at) "
                          "VALUES ('department', '某局', 'active', CURRENT_TIMESTAMP)"))  # fmt: skip
        org = conn.execute(text("SELECT id FROM organisations WHERE name = '某局'")).scalar_one()
        conn.execute(text("INSERT INTO users (username, display_name, role, organisation_id, active, created_at) "
                          "VALUES ('u1', 'U', 'department', :o, true, CURRENT_TIMESTAMP)"), {"o": org})  # fmt: skip
    upgrade(db)
    with db.writer.connect() as conn:
        assert conn.execute(text("SELECT parent_id FROM organisations WHERE name = '某局'")).scalar_one() is None
