"""report authorisation: a third-party credit report is an authorised query

``credit_reports`` gains ``authorisation_id`` (the query authorisation relied on, 查询授权), ``legal_basis``
(a department's 法定依据 instead) and ``query_id`` (the report's row in the query register, 查询登记).

Revision ID: 20261125_0021
Revises: 20261125_0020
Create Date: 2026-11-25 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261125_0021"
down_revision = "20261125_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authorisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("legal_basis", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("query_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_column("query_id")
        batch_op.drop_column("legal_basis")
        batch_op.drop_column("authorisation_id")
