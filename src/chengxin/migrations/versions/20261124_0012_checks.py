"""checks (automatic matching and interception) and the measure feedback

Revision ID: 20261124_0012
Revises: 20261124_0011
Create Date: 2026-11-24 14:52:55.482770
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0012"
down_revision = "20261124_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_checks_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checks_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "measure_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["checks.id"], name=op.f("fk_measure_feedback_check_id_checks")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_measure_feedback_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_measure_feedback_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_feedback")),
        sa.UniqueConstraint("check_id", "item", "measure", name="uq_measure_feedback_item"),
    )
    with op.batch_alter_table("measure_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_measure_feedback_org", ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measure_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_feedback_org")

    op.drop_table("measure_feedback")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_organisation_id"))

    op.drop_table("checks")
