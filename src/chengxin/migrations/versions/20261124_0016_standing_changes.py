"""standing changes: what a check answers about a subject changed (written by triggers)

Every insert, update and delete on subjects, evaluations, list_entries and credit_records writes the
subjects it touched to ``standing_changes``, so that each server's in-memory standing index
(``checks.standing``) sees every writer's changes. SQLite: one row trigger per table and event.
PostgreSQL: one statement trigger per table and event, over its transition tables (a bulk import writes
one set-based insert per statement), with the transaction's id in ``txid``.

Revision ID: 20261124_0016
Revises: 20261124_0015
Create Date: 2026-11-24 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0016"
down_revision = "20261124_0015"
branch_labels = None
depends_on = None

TABLES = {"subjects": "id", "evaluations": "subject_id", "list_entries": "subject_id", "credit_records": "subject_id"}
EVENTS = ("insert", "update", "delete")


def _sqlite_triggers() -> list[str]:
    out = []
    for table, key in TABLES.items():
        for event in EVENTS:
            rows = {"insert": [f"NEW.{key}"], "delete": [f"OLD.{key}"], "update": [f"NEW.{key}"]}[event]
            body = "".join(f"INSERT INTO standing_changes (subject_id) VALUES ({r}); " for r in rows)
            if event == "update":  # moved to another subject: both changed
                body += f"INSERT INTO standing_changes (subject_id) SELECT OLD.{key} WHERE OLD.{key} IS NOT NEW.{key}; "
            out.append(
                f"CREATE TRIGGER standing_{table}_{event} AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN {body}END"
            )
    return out


def _pg_statements() -> list[str]:
    out = []
    for table, key in TABLES.items():
        for event in EVENTS:
            sources = {"insert": ["new_rows"], "delete": ["old_rows"], "update": ["new_rows", "old_rows"]}[event]
            union = " UNION ".join(f"SELECT {key} FROM {s}" for s in sources)
            function = f"standing_{table}_{event}"
            out.append(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO standing_changes (subject_id, txid) "
                f"SELECT k, pg_current_xact_id()::text::bigint FROM ({union}) AS changed (k); "
                f"RETURN NULL; END $$"
            )
            referencing = " ".join(
                {"new_rows": "NEW TABLE AS new_rows", "old_rows": "OLD TABLE AS old_rows"}[s] for s in sources
            )
            out.append(
                f"CREATE TRIGGER {function} AFTER {event.upper()} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    return out


def upgrade() -> None:
    op.create_table(
        "standing_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("changed_at", chengxin.db.UTCDateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("standing_changes", schema=None) as batch_op:
        batch_op.create_index("ix_standing_changes_txid", ["txid"], unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_triggers() if sqlite else _pg_statements():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        for event in EVENTS:
            if sqlite:
                op.execute(f"DROP TRIGGER IF EXISTS standing_{table}_{event}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS standing_{table}_{event} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS standing_{table}_{event}()")
    with op.batch_alter_table("standing_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_standing_changes_txid")
    op.drop_table("standing_changes")
