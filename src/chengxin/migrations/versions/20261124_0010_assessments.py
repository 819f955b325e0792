"""platform and logistics assessments: complaints, notices to platforms, assessments

Revision ID: 20261124_0010
Revises: 20261124_0009
Create Date: 2026-11-24 13:52:23.607578
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0010"
down_revision = "20261124_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "complaints",
        sa.Column(
            "complaint_no",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "platform_id",
            sa.String(length=40).with_variant(sa.String(length=40, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "seller_account_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "carrier_uscc",
            sa.String(length=18).with_variant(sa.String(length=18, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("received_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.String(length=12).with_variant(sa.String(length=12, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("complaint_no", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_carrier", ["carrier_uscc", "received_at"], unique=False)
        batch_op.create_index("ix_complaints_platform", ["platform_id", "received_at"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column(
            "kind", sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("computed_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_assessments_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("period", "kind", "subject_id", name="uq_assessments_period_subject"),
    )
    op.create_table(
        "platform_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_no", sa.String(length=40), nullable=False),
        sa.Column(
            "kind", sa.String(length=24).with_variant(sa.String(length=24, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_platform_notices_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_platform_notices_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_notices")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_platform_notices_notice_no")),
    )
    with op.batch_alter_table("platform_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_notices_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("platform_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_notices_subject_id"))

    op.drop_table("platform_notices")
    op.drop_table("assessments")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_platform")
        batch_op.drop_index("ix_complaints_carrier")

    op.drop_table("complaints")
