"""foundation: subjects, accounts, verification, audit

Revision ID: 20261123_0001
Revises:
Create Date: 2026-11-23 20:22:39.738754
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chengxin.db

revision = "20261123_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("occurred_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_entries_entry_hash")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "registry_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_norm", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("legal_representative", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_entries")),
        sa.UniqueConstraint("code_key", name=op.f("uq_registry_entries_code_key")),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("legal_form", sa.String(length=30), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "name_norm",
            sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "name_core",
            sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("ric_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("ric_index", sa.String(length=64), nullable=True),
        sa.Column("ric_masked", sa.String(length=18), nullable=True),
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("legal_representative", sa.String(length=120), nullable=True),
        sa.Column("identity_warnings", sa.JSON(), nullable=False),
        sa.Column("verification_status", sa.String(length=20), nullable=False),
        sa.Column("verification_method", sa.String(length=40), nullable=True),
        sa.Column("verified_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("ric_index", name=op.f("uq_subjects_ric_index")),
        sa.UniqueConstraint("uscc", name=op.f("uq_subjects_uscc")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subjects_division"), ["division"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_name_core"), ["name_core"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_name_norm"), ["name_norm"], unique=False)
        batch_op.create_index("ix_subjects_verification_status", ["verification_status"], unique=False)

    op.create_table(
        "identity_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("verified_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_identity_verifications_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_verifications")),
    )
    with op.batch_alter_table("identity_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_verifications_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "subject_roles",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("since", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_subject_roles_subject_id_subjects")),
        sa.PrimaryKeyConstraint("subject_id", "role", name=op.f("pk_subject_roles")),
    )
    with op.batch_alter_table("subject_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_roles_role"), ["role"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_users_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_users_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", chengxin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_api_tokens_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_api_tokens_subject_id_subjects")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chengxin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )

    _engine_specific_upgrade()


def downgrade() -> None:
    _engine_specific_downgrade()
    op.drop_table("web_sessions")
    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("subject_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_roles_role"))

    op.drop_table("subject_roles")
    with op.batch_alter_table("identity_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_verifications_subject_id"))

    op.drop_table("identity_verifications")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_subjects_verification_status")
        batch_op.drop_index(batch_op.f("ix_subjects_name_norm"))
        batch_op.drop_index(batch_op.f("ix_subjects_name_core"))
        batch_op.drop_index(batch_op.f("ix_subjects_division"))

    op.drop_table("subjects")
    op.drop_table("registry_entries")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_subject_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))

    op.drop_table("audit_entries")


SQLITE_UP = [
    # Name search: FTS5 trigram index over legal persons' normalised names.
    "CREATE VIRTUAL TABLE subject_name_fts USING fts5(name_norm, content='subjects', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER subjects_fts_insert AFTER INSERT ON subjects WHEN new.kind = 'legal' BEGIN "
    "INSERT INTO subject_name_fts(rowid, name_norm) VALUES (new.id, new.name_norm); END",
    "CREATE TRIGGER subjects_fts_update AFTER UPDATE OF name_norm ON subjects WHEN new.kind = 'legal' BEGIN "
    "INSERT INTO subject_name_fts(subject_name_fts, rowid, name_norm) VALUES ('delete', old.id, old.name_norm); "
    "INSERT INTO subject_name_fts(rowid, name_norm) VALUES (new.id, new.name_norm); END",
    "CREATE TRIGGER subjects_fts_delete AFTER DELETE ON subjects WHEN old.kind = 'legal' BEGIN "
    "INSERT INTO subject_name_fts(subject_name_fts, rowid, name_norm) VALUES ('delete', old.id, old.name_norm); "
    "END",
    # The audit log is append-only.
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_entries BEGIN "
    "SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_entries BEGIN "
    "SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
]

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_subjects_name_trgm ON subjects USING gin (name_norm gin_trgm_ops) WHERE kind = 'legal'",
    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_entries is append-only'; END $$",
    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]


def _engine_specific_upgrade() -> None:
    name = op.get_bind().dialect.name
    for stmt in SQLITE_UP if name == "sqlite" else POSTGRES_UP if name == "postgresql" else []:
        op.execute(stmt)


def _engine_specific_downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        for trig in (
            "subjects_fts_insert",
            "subjects_fts_update",
            "subjects_fts_delete",
            "audit_no_update",
            "audit_no_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS subject_name_fts")
    elif name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
        op.execute("DROP INDEX IF EXISTS ix_subjects_name_trgm")
