"""consumer warnings

Revision ID: 20261124_0013
Revises: 20261124_0012
Create Date: 2026-11-24 14:56:29.324040
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0013"
down_revision = "20261124_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("list_entry_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("issued_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.String(length=200), nullable=True),
        sa.Column("changed_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_entry_id"], ["list_entries.id"], name=op.f("fk_consumer_warnings_list_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_consumer_warnings_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_consumer_warnings_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_warnings")),
    )
    with op.batch_alter_table("consumer_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consumer_warnings_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_consumer_warnings_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consumer_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_warnings_subject_id"))
        batch_op.drop_index(batch_op.f("ix_consumer_warnings_changed_at"))

    op.drop_table("consumer_warnings")
