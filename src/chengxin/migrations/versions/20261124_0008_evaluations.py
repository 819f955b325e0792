"""credit evaluation: each subject's current score and grade, and the history of its grades

Revision ID: 20261124_0008
Revises: 20261124_0007
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0008"
down_revision = "20261124_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("weighted_units", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("evaluated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_evaluations_subject_id_subjects")),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_evaluations")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluations_grade"), ["grade"], unique=False)

    op.create_table(
        "evaluation_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("previous_grade", sa.String(length=4), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=False),
        sa.Column("recorded_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_evaluation_history_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_history")),
    )
    with op.batch_alter_table("evaluation_history", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_history_subject", ["subject_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evaluation_history", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_history_subject")
    op.drop_table("evaluation_history")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_grade"))
    op.drop_table("evaluations")
