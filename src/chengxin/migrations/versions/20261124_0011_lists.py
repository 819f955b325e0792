"""lists: list entries (red, black and watch lists) and organisations' parents (review one level up)

Revision ID: 20261124_0011
Revises: 20261124_0010
Create Date: 2026-11-24 14:46:47.788419
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0011"
down_revision = "20261124_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("deciding_org_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("objection_until", sa.Date(), nullable=True),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("objection_answer", sa.Text(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=24), nullable=True),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deciding_org_id"], ["organisations.id"], name=op.f("fk_list_entries_deciding_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_list_entries_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_kind_status", ["list_kind", "status"], unique=False)
        batch_op.create_index("ix_list_entries_subject_kind", ["subject_id", "list_kind", "status"], unique=False)

    # A plain ADD COLUMN: SQLite's batch mode would copy and drop ``organisations``, which the foreign keys
    # of existing users, tokens and records forbid (an upgrade of a database with data failed).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE organisations ADD COLUMN parent_id INTEGER REFERENCES organisations (id)")
    else:
        op.add_column("organisations", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_organisations_parent_id_organisations"), "organisations", "organisations", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # SQLite's rebuild drops the (unnamed) constraint with the column
            batch_op.drop_constraint(batch_op.f("fk_organisations_parent_id_organisations"), type_="foreignkey")
        batch_op.drop_column("parent_id")

    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_subject_kind")
        batch_op.drop_index("ix_list_entries_kind_status")

    op.drop_table("list_entries")
