"""detection review: runs of findings, the findings, review cases

Detection findings (MARKETPLACE.md § Findings) loaded for human review (监测线索复核): ``detection_runs``
(one per load), ``detection_findings`` (keyed by the detector's stable ``finding_id``) and
``review_cases`` (one per detector and ring/campaign; confirmed ones become credit records).

Revision ID: 20261125_0018
Revises: 20261125_0017
Create Date: 2026-11-25 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261125_0018"
down_revision = "20261125_0017"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """``chengxin.db.Code``: compared byte by byte on PostgreSQL."""
    return sa.String(length=length).with_variant(sa.String(length=length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "detection_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("platform_id", code(40), nullable=True),
        sa.Column("loaded_by", sa.String(length=120), nullable=False),
        sa.Column("loaded_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_runs")),
    )
    op.create_table(
        "review_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detector", code(20), nullable=False),
        sa.Column("group_id", code(200), nullable=True),
        sa.Column("platform_id", code(40), nullable=True),
        sa.Column("status", code(12), nullable=False),
        sa.Column("top_score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("severity", code(10), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_run_id"], ["detection_runs.id"], name=op.f("fk_review_cases_first_run_id_detection_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cases")),
    )
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.create_index("ix_review_cases_group", ["detector", "group_id"], unique=False)
        batch_op.create_index("ix_review_cases_status_detector", ["status", "detector"], unique=False)

    op.create_table(
        "detection_findings",
        sa.Column("finding_id", code(120), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detector", code(20), nullable=False),
        sa.Column("entity_type", code(10), nullable=False),
        sa.Column("entity_id", code(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("group_id", code(200), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("platform_id", code(40), nullable=True),
        sa.Column("status", code(12), nullable=False),
        sa.Column("suppressed_by_case_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.id"], name=op.f("fk_detection_findings_case_id_review_cases")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["detection_runs.id"], name=op.f("fk_detection_findings_run_id_detection_runs")
        ),
        sa.ForeignKeyConstraint(
            ["suppressed_by_case_id"],
            ["review_cases.id"],
            name=op.f("fk_detection_findings_suppressed_by_case_id_review_cases"),
        ),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_detection_findings")),
    )
    with op.batch_alter_table("detection_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detection_findings_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_detection_findings_entity", ["entity_id", "detector", "entity_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_findings_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("detection_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_findings_run_id"))
        batch_op.drop_index("ix_detection_findings_entity")
        batch_op.drop_index(batch_op.f("ix_detection_findings_case_id"))

    op.drop_table("detection_findings")
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_review_cases_status_detector")
        batch_op.drop_index("ix_review_cases_group")

    op.drop_table("review_cases")
    op.drop_table("detection_runs")
