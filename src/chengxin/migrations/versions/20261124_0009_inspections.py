"""graded supervision: inspectors' roster, conflicts of interest, random inspection plans and tasks

Revision ID: 20261124_0009
Revises: 20261124_0008
Create Date: 2026-11-24 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0009"
down_revision = "20261124_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("badge_no", sa.String(length=40), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_inspectors_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspectors")),
        sa.UniqueConstraint("organisation_id", "badge_no", name="uq_inspectors_badge"),
    )
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspectors_sector"), ["sector"], unique=False)
    op.create_table(
        "inspector_conflicts",
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_inspector_conflicts_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_inspector_conflicts_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("inspector_id", "subject_id", name=op.f("pk_inspector_conflicts")),
    )
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_inspection_plans_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        sa.UniqueConstraint("sector", "month", "division", name="uq_inspection_plans_sector_month"),
    )
    op.create_table(
        "inspection_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("supervision_class", sa.String(length=4), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["inspection_plans.id"], name=op.f("fk_inspection_tasks_plan_id_inspection_plans")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_inspection_tasks_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_inspection_tasks_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_tasks")),
        sa.UniqueConstraint("plan_id", "subject_id", name="uq_inspection_tasks_plan_subject"),
    )
    with op.batch_alter_table("inspection_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_tasks_subject", ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_tasks_subject")
    op.drop_table("inspection_tasks")
    op.drop_table("inspection_plans")
    op.drop_table("inspector_conflicts")
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspectors_sector"))
    op.drop_table("inspectors")
