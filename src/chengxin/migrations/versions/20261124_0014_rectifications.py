"""rectifications (716 notice): the notice, the commitment, the ledger and the escalation tasks

Revision ID: 20261124_0014
Revises: 20261124_0013
Create Date: 2026-11-24 15:00:50.401293
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0014"
down_revision = "20261124_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_entry_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("notice_no", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("commitment_signed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("commitment_signed_by", sa.String(length=120), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("ledger", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_entry_id"], ["list_entries.id"], name=op.f("fk_rectifications_list_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_rectifications_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
        sa.UniqueConstraint("list_entry_id", name=op.f("uq_rectifications_list_entry_id")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_rectifications_notice_no")),
    )
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectifications_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "escalation_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("done_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rectification_id"],
            ["rectifications.id"],
            name=op.f("fk_escalation_tasks_rectification_id_rectifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_tasks")),
    )
    with op.batch_alter_table("escalation_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_tasks_rectification_id"), ["rectification_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_tasks_rectification_id"))

    op.drop_table("escalation_tasks")
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectifications_subject_id"))

    op.drop_table("rectifications")
