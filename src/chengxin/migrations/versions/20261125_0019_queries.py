"""queries: authorisations, the query register, abuse alerts, token suspension

The query service (issue 9): ``query_authorisations`` (查询授权: consent with scope, purpose, validity and
withdrawal), ``query_records`` (查询登记: one row per query, deleted after the retention period) and
``query_alerts`` (查询异常告警, reviewed by the auditor); ``api_tokens`` gains ``suspended_at`` and
``suspension_reason`` (an auditor suspends a token an alert is about; lifted by hand).

Revision ID: 20261125_0019
Revises: 20261125_0018
Create Date: 2026-11-25 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261125_0019"
down_revision = "20261125_0018"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """``chengxin.db.Code``: compared byte by byte on PostgreSQL."""
    return sa.String(length=length).with_variant(sa.String(length=length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "query_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("purpose", code(20), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("granted_by", code(12), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_query_authorisations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_query_authorisations_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_authorisations")),
    )
    with op.batch_alter_table("query_authorisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_query_authorisations_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_query_authorisations_subject", ["subject_id", "organisation_id"], unique=False)

    op.create_table(
        "query_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", code(10), nullable=False),
        sa.Column("account", code(120), nullable=False),
        sa.Column("actor_role", code(20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("purpose", code(20), nullable=True),
        sa.Column("authorisation_id", sa.Integer(), nullable=True),
        sa.Column("legal_basis", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_records")),
    )
    with op.batch_alter_table("query_records", schema=None) as batch_op:
        batch_op.create_index("ix_query_records_account_at", ["account", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_records_at"), ["at"], unique=False)
        batch_op.create_index("ix_query_records_subject_at", ["subject_id", "at"], unique=False)

    op.create_table(
        "query_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", code(20), nullable=False),
        sa.Column("account", code(120), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("status", code(12), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("query_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_alerts")),
    )
    with op.batch_alter_table("query_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_query_alerts_open", ["status", "rule", "account"], unique=False)

    # plain ALTER TABLE … ADD COLUMN (no table rebuild on SQLite: the change-feed triggers of 0017 stay)
    op.add_column("api_tokens", sa.Column("suspended_at", chengxin.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("api_tokens", sa.Column("suspension_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a rebuilt table would lose the triggers of 0017
    op.drop_column("api_tokens", "suspension_reason")
    op.drop_column("api_tokens", "suspended_at")

    with op.batch_alter_table("query_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_query_alerts_open")

    op.drop_table("query_alerts")
    with op.batch_alter_table("query_records", schema=None) as batch_op:
        batch_op.drop_index("ix_query_records_subject_at")
        batch_op.drop_index(batch_op.f("ix_query_records_at"))
        batch_op.drop_index("ix_query_records_account_at")

    op.drop_table("query_records")
    with op.batch_alter_table("query_authorisations", schema=None) as batch_op:
        batch_op.drop_index("ix_query_authorisations_subject")
        batch_op.drop_index(batch_op.f("ix_query_authorisations_organisation_id"))

    op.drop_table("query_authorisations")
