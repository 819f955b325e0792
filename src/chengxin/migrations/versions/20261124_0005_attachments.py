"""attachments: materials filed with objections and repair applications

Revision ID: 20261124_0005
Revises: 20261124_0004
Create Date: 2026-11-24 03:33:06.496401
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0005"
down_revision = "20261124_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_attachments_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("subject_id", "sha256", name=op.f("uq_attachments_subject_id")),
    )
    op.create_table(
        "attachment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachments.id"], name=op.f("fk_attachment_links_attachment_id_attachments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_links")),
        sa.UniqueConstraint(
            "attachment_id", "object_type", "object_id", name=op.f("uq_attachment_links_attachment_id")
        ),
    )
    with op.batch_alter_table("attachment_links", schema=None) as batch_op:
        batch_op.create_index("ix_attachment_links_object", ["object_type", "object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachment_links", schema=None) as batch_op:
        batch_op.drop_index("ix_attachment_links_object")

    op.drop_table("attachment_links")
    op.drop_table("attachments")
