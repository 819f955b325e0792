"""objections and credit repair: objections, repair applications, notifications, evaluation state

Revision ID: 20261124_0004
Revises: 20261124_0003
Create Date: 2026-11-24 03:00:39.013015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0004"
down_revision = "20261124_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_states",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("stale_since", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.String(length=60), nullable=True),
        sa.Column("refreshed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_evaluation_states_subject_id_subjects")),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_evaluation_states")),
    )
    with op.batch_alter_table("evaluation_states", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_states_stale", ["stale"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_notifications_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_subject_created", ["subject_id", "created_at"], unique=False)

    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("source_org_id", sa.Integer(), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=False),
        sa.Column("filed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("reason_kind", sa.String(length=40), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("requested", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("handler", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record_status_before", sa.String(length=20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("marked_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("forward_due", sa.Date(), nullable=True),
        sa.Column("forwarded_on", sa.Date(), nullable=True),
        sa.Column("forwarded_by", sa.String(length=120), nullable=True),
        sa.Column("decide_due", sa.Date(), nullable=False),
        sa.Column("provisional_due", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("result_record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["filed_by_user_id"], ["users.id"], name=op.f("fk_objections_filed_by_user_id_users")),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_objections_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(
            ["result_record_id"], ["credit_records.id"], name=op.f("fk_objections_result_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(
            ["source_org_id"], ["organisations.id"], name=op.f("fk_objections_source_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_objections_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index("ix_objections_record_key", ["record_key"], unique=False)
        batch_op.create_index("ix_objections_status_due", ["status", "decide_due"], unique=False)
        batch_op.create_index("ix_objections_subject_id", ["subject_id"], unique=False)

    op.create_table(
        "repair_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("decider", sa.String(length=10), nullable=False),
        sa.Column("decider_org_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("applied_by", sa.String(length=120), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("provisional_due", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_repair_applications_commitment_id_commitments")
        ),
        sa.ForeignKeyConstraint(
            ["decider_org_id"], ["organisations.id"], name=op.f("fk_repair_applications_decider_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_repair_applications_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_repair_applications_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
    )
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.create_index("ix_repair_applications_record_key", ["record_key"], unique=False)
        batch_op.create_index("ix_repair_applications_status_due", ["status", "review_due"], unique=False)
        batch_op.create_index("ix_repair_applications_subject_id", ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_applications_subject_id")
        batch_op.drop_index("ix_repair_applications_status_due")
        batch_op.drop_index("ix_repair_applications_record_key")

    op.drop_table("repair_applications")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index("ix_objections_subject_id")
        batch_op.drop_index("ix_objections_status_due")
        batch_op.drop_index("ix_objections_record_key")

    op.drop_table("objections")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_subject_created")

    op.drop_table("notifications")
    with op.batch_alter_table("evaluation_states", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_states_stale")

    op.drop_table("evaluation_states")
