"""records: the subject index reaches status and type (a subject's records in force, from the index alone)

Revision ID: 20261124_0015
Revises: 20261124_0014
Create Date: 2026-11-24 22:05:00
"""

from __future__ import annotations

from alembic import op

revision = "20261124_0015"
down_revision = "20261124_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_records_subject_standing", ["subject_id", "is_current", "status", "type_code"], unique=False
        )
        batch_op.drop_index("ix_credit_records_subject_current")


def downgrade() -> None:
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index("ix_credit_records_subject_current", ["subject_id", "is_current"], unique=False)
        batch_op.drop_index("ix_credit_records_subject_standing")
