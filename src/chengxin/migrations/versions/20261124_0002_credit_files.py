"""credit files: catalog, records, commitments, outbox, job runs

Revision ID: 20261124_0002
Revises: 20261123_0001
Create Date: 2026-11-23 23:09:43.087587
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261124_0002"
down_revision = "20261123_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=False),
        sa.Column("started_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("job", "day", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "catalog_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalog_versions")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_topic_processed", ["topic", "processed_at"], unique=False)

    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("source_org_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.String(length=120), nullable=False),
        sa.Column("source_document_no", sa.String(length=200), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("disclosure", sa.String(length=20), nullable=False),
        sa.Column("regime", sa.String(length=10), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_from", sa.Date(), nullable=False),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("repairable_from", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_org_id"], ["organisations.id"], name=op.f("fk_credit_records_source_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_credit_records_subject_id_subjects")),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["credit_records.id"], name=op.f("fk_credit_records_supersedes_id_credit_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint(
            "source_org_id", "source_record_id", "version", name=op.f("uq_credit_records_source_org_id")
        ),
    )
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.create_index("ix_credit_records_due", ["is_current", "status", "publicity_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_records_record_key"), ["record_key"], unique=False)
        batch_op.create_index("ix_credit_records_subject_current", ["subject_id", "is_current"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_records_type_code"), ["type_code"], unique=False)

    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("template_code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("signatory", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_org_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_commitments_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_org_id"], ["organisations.id"], name=op.f("fk_commitments_recorded_by_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_commitments_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index("ix_commitments_subject", ["subject_id", "status"], unique=False)

    op.create_table(
        "unmatched_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_org_id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.String(length=120), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("party_name", sa.String(length=300), nullable=False),
        sa.Column("party_kind", sa.String(length=10), nullable=True),
        sa.Column("party_code", sa.String(length=40), nullable=True),
        sa.Column("party_ric_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("party_ric_index", sa.String(length=64), nullable=True),
        sa.Column("party_ric_masked", sa.String(length=18), nullable=True),
        sa.Column("submission", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_record_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolved_record_id"],
            ["credit_records.id"],
            name=op.f("fk_unmatched_records_resolved_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["source_org_id"], ["organisations.id"], name=op.f("fk_unmatched_records_source_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmatched_records")),
        sa.UniqueConstraint("source_org_id", "source_record_id", name=op.f("uq_unmatched_records_source_org_id")),
    )
    with op.batch_alter_table("unmatched_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unmatched_records_party_ric_index"), ["party_ric_index"], unique=False)
        batch_op.create_index("ix_unmatched_records_status", ["status"], unique=False)

    op.create_table(
        "commitment_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_commitment_breaches_commitment_id_commitments")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_commitment_breaches_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_commitment_breaches_record_id_credit_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_breaches")),
    )
    with op.batch_alter_table("commitment_breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_breaches_commitment_id"), ["commitment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("commitment_breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_breaches_commitment_id"))

    op.drop_table("commitment_breaches")
    with op.batch_alter_table("unmatched_records", schema=None) as batch_op:
        batch_op.drop_index("ix_unmatched_records_status")
        batch_op.drop_index(batch_op.f("ix_unmatched_records_party_ric_index"))

    op.drop_table("unmatched_records")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index("ix_commitments_subject")

    op.drop_table("commitments")
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_records_type_code"))
        batch_op.drop_index("ix_credit_records_subject_current")
        batch_op.drop_index(batch_op.f("ix_credit_records_record_key"))
        batch_op.drop_index("ix_credit_records_due")

    op.drop_table("credit_records")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_topic_processed")

    op.drop_table("outbox_events")
    op.drop_table("catalog_versions")
    op.drop_table("job_runs")
