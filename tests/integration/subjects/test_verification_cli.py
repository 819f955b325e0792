"""Registry import and identity verification from the CLI; tokens and audit commands."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.subjects.models import Subject
from chengxin.domains.verification.models import IdentityVerification
from tests.factories import make_ric, make_uscc

runner = CliRunner()


def _last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_verification_outcomes(cli_env: Settings, db: Database, tmp_path: Path) -> None:  # noqa: F811
    rng = random.Random(12)
    ok, renamed, gone, absent = (make_uscc(rng) for _ in range(4))
    person = make_ric(rng, birth="19790203")
    (tmp_path / "registry.csv").write_text(
        "主体类别,名称,统一社会信用代码,身份证号码,登记状态\n"
        f"企业,南京甲公司,{ok},,存续\n企业,南京乙公司,{renamed},,存续\n企业,南京丙公司,{gone},,注销\n"
        f"自然人,王小二,,{person},正常\n企业,坏行,BAD,,存续\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["registry", "import", str(tmp_path / "registry.csv"), "--json"])
    assert r.exit_code == 0 and _last_json(r.stdout) == {
        "file": "registry.csv",
        "inserted": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    (tmp_path / "subjects.csv").write_text(
        "名称,统一社会信用代码,身份证号码\n"
        f"南京甲公司,{ok},\n南京乙贸易公司,{renamed},\n南京丙公司,{gone},\n南京丁公司,{absent},\n王小二,,{person}\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["subjects", "import", str(tmp_path / "subjects.csv"), "--json"])
    assert _last_json(r.stdout)["inserted"] == 5
    with unit_of_work(db, readonly=True) as s:
        status = {n: v for n, v in s.execute(select(Subject.name, Subject.verification_status))}
        reasons = {v.subject_id: v.reasons for v in s.scalars(select(IdentityVerification))}
        assert len(reasons) == 5
    assert status == {
        "南京甲公司": "verified",
        "南京乙贸易公司": "mismatch",
        "南京丙公司": "mismatch",
        "南京丁公司": "not_found",
        "王小二": "verified",
    }
    r = runner.invoke(app, ["subjects", "verify", "--only", "all", "--json"])
    assert _last_json(r.stdout) == {"verified": 2, "mismatch": 2, "not_found": 1}


def test_tokens_issue_prints_a_working_token(cli_env: Settings) -> None:  # noqa: F811
    from fastapi.testclient import TestClient

    from chengxin.app import create_app

    r = runner.invoke(app, ["tokens", "issue", "--role", "auditor", "--name", "nightly audit"])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("cx_")
    with TestClient(create_app(cli_env)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "auditor" and "audit:verify" in me["permissions"]
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer cx_nope"}).status_code == 401
    bad = runner.invoke(app, ["tokens", "issue", "--role", "platform", "--name", "x"])
    assert bad.exit_code == 2 and "organisation_required" in bad.output


def test_audit_verify_command_fails_after_a_hand_edit(cli_env: Settings, db: Database) -> None:  # noqa: F811
    runner.invoke(app, ["tokens", "issue", "--role", "auditor", "--name", "a"])
    runner.invoke(app, ["tokens", "issue", "--role", "auditor", "--name", "b"])
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0 and _last_json(ok.stdout)["ok"] is True
    head = _last_json(runner.invoke(app, ["audit", "head"]).stdout)
    with db.writer.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_no_update"))
        conn.execute(text("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 1"))
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "entry 1" in broken.output
    cp = runner.invoke(app, ["audit", "verify", "--checkpoint", str(head["checkpoint"]), "--json"])
    assert cp.exit_code == 1
