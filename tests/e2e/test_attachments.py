"""Attachments (附件) on objections and repair applications, on SQLite and PostgreSQL: checked by
content, kept once, readable by the subject and the deciding organisation only (and audited)."""

from __future__ import annotations

import random

from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc

PDF = b"%PDF-1.4\n% demo\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _db(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined, no-any-return]


def _upload(
    env: Env, data: bytes, name: str = "缴款凭证.pdf", role: Role = Role.subject, subject_id: int | None = None
):  # type: ignore[no-untyped-def]
    return env.client.post(
        f"/api/v1/subjects/{subject_id or env.person_id}/attachments",
        files={"file": (name, data, "application/octet-stream")},
        headers=env.auth(role),
    )


def _record(env: Env, source_id: str) -> int:
    body = {
        "type": "admin_penalty", "source_record_id": source_id, "decided_on": "2026-06-01",
        "document_no": f"罚〔2026〕{source_id}号", "subject": {"subject_id": env.person_id},
        "payload": {"violation_facts": "x", "penalty_category": "罚款", "penalty_content": "罚款2000元"},
    }  # fmt: skip
    r = env.client.post("/api/v1/records", json=body, headers=env.auth(Role.department))
    assert r.status_code == 201, r.text
    return int(r.json()["record_id"])


def test_upload_checks_content_and_keeps_a_file_once(env: Env) -> None:
    r = _upload(env, PDF)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["content_type"] == "application/pdf" and first["size"] == len(PDF) and first["name"] == "缴款凭证.pdf"
    assert _upload(env, PDF, name="again.pdf").json()["id"] == first["id"]  # the same bytes: kept once
    assert _upload(env, PNG, name="photo.png").json()["content_type"] == "image/png"
    fake = _upload(env, b"MZ\x90\x00 not a pdf", name="invoice.pdf")  # the name does not make it a PDF
    assert fake.status_code == 415 and fake.json()["code"] == "attachment_type"
    assert _upload(env, b"", name="empty.pdf").json()["code"] == "attachment_empty"
    big = _upload(env, b"%PDF-" + b"0" * (10 * 1024 * 1024))
    assert big.status_code == 413 and big.json()["code"] == "attachment_too_large"
    # only the subject itself (or the credit centre) uploads for a subject
    assert _upload(env, PDF, role=Role.department).status_code == 403
    assert _upload(env, PDF, role=Role.public).status_code == 401


def test_filed_materials_reach_the_decider_and_no_one_else(env: Env) -> None:
    att = _upload(env, PDF).json()
    rec = _record(env, "A-1")
    r = env.client.post(
        f"/api/v1/records/{rec}/objections",
        json={"reason_kind": "content_error", "reasons": "金额有误", "attachment_ids": [att["id"]]},
        headers=env.auth(Role.subject),
    )
    assert r.status_code == 201, r.text
    assert [a["id"] for a in r.json()["attachments"]] == [att["id"]]
    # the subject and the department deciding (the record's source: forwarded at once) read it
    mine = env.client.get(f"/api/v1/attachments/{att['id']}", headers=env.auth(Role.subject))
    assert mine.status_code == 200 and mine.content == PDF and mine.headers["content-type"] == "application/pdf"
    theirs = env.client.get(f"/api/v1/attachments/{att['id']}", headers=env.auth(Role.department))
    assert theirs.status_code == 200 and theirs.content == PDF
    assert "attachment;" in theirs.headers["content-disposition"]
    # a platform, anyone anonymous: no
    assert env.client.get(f"/api/v1/attachments/{att['id']}", headers=env.auth(Role.platform)).status_code == 403
    assert env.client.get(f"/api/v1/attachments/{att['id']}").status_code == 401
    with unit_of_work(_db(env), readonly=True) as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.read")).all()
        assert [e.actor_role for e in reads] == ["department"]  # the subject's own reads are not audited


def test_another_subjects_upload_cannot_be_filed(env: Env) -> None:
    made = env.client.post("/api/v1/subjects", json={"kind": "legal", "name": "别家有限公司",
                           "uscc": make_uscc(random.Random(9))}, headers=env.auth(Role.department))  # fmt: skip
    other_id = made.json()["id"]
    with unit_of_work(_db(env)) as s:
        _, secret = accounts.issue_token(s, actor=cli_actor("tests"), name="o", role=Role.subject, subject_id=other_id)
    other = env.client.post(f"/api/v1/subjects/{other_id}/attachments", files={"file": ("x.pdf", PDF + b"2")},
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    assert other.status_code == 201, other.text
    rec = _record(env, "A-2")
    r = env.client.post(
        f"/api/v1/records/{rec}/objections",
        json={"reason_kind": "content_error", "reasons": "x", "attachment_ids": [other.json()["id"]]},
        headers=env.auth(Role.subject),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_attachment"
    # and its owner's file stays out of reach of this subject
    assert (
        env.client.get(f"/api/v1/attachments/{other.json()['id']}", headers=env.auth(Role.subject)).status_code == 404
    )
