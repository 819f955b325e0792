"""token and catalog changes: API tokens and the information catalog write to the change feed too

A change to ``api_tokens`` (issued, revoked, expired by hand, deleted) writes a ``standing_changes`` row
for the subject ``-1``, a change to ``catalog_versions`` one for ``-2`` (``checks.standing.TOKENS`` and
``CATALOG``): a server that keeps the tokens and the catalog in force in memory (``checks.lane``) reads
them again when the feed it reads for every check says they changed — whoever changed them. SQLite: a row
trigger per event; PostgreSQL: a statement trigger per event.

Revision ID: 20261125_0017
Revises: 20261124_0016
Create Date: 2026-11-25 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "20261125_0017"
down_revision = "20261124_0016"
branch_labels = None
depends_on = None

TOPICS = {"api_tokens": -1, "catalog_versions": -2}
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, topic in TOPICS.items():
        for event in EVENTS:
            name = f"changes_{table}_{event}"
            if sqlite:
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} FOR EACH ROW "
                    f"BEGIN INSERT INTO standing_changes (subject_id) VALUES ({topic}); END"
                )
                continue
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO standing_changes (subject_id, txid) VALUES ({topic}, pg_current_xact_id()::text::bigint); "
                f"RETURN NULL; END $$"
            )
            op.execute(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TOPICS:
        for event in EVENTS:
            name = f"changes_{table}_{event}"
            if sqlite:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
