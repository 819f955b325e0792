"""reports: issued credit reports and the keys that signed them

Credit reports (信用报告): ``credit_reports`` registers each issued report (number, subject, kind, purpose,
authorisation reference, requester, issue time, validity, SHA-256 of the signed PDF, its content and PDF
encrypted) and ``report_keys`` keeps the Ed25519 public keys that signed them.

Revision ID: 20261125_0020
Revises: 20261125_0019
Create Date: 2026-11-25 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261125_0020"
down_revision = "20261125_0019"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """``chengxin.db.Code``: compared byte by byte on PostgreSQL."""
    return sa.String(length=length).with_variant(sa.String(length=length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "report_keys",
        sa.Column("key_id", code(32), nullable=False),
        sa.Column("algorithm", code(20), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("first_used_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_report_keys")),
    )
    op.create_table(
        "credit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", code(32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", code(12), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("authorisation_ref", sa.String(length=120), nullable=True),
        sa.Column("requester", sa.String(length=120), nullable=False),
        sa.Column("requester_role", code(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("valid_until", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", code(32), nullable=False),
        sa.Column("sha256", code(64), nullable=False),
        sa.Column("pdf_bytes", sa.Integer(), nullable=False),
        sa.Column("content_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_cipher", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_credit_reports_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_credit_reports_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_reports_number")),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index("ix_credit_reports_sha256", ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_reports_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_reports_subject_id"))
        batch_op.drop_index("ix_credit_reports_sha256")

    op.drop_table("credit_reports")
    op.drop_table("report_keys")
