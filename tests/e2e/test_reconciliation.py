"""The unmatched queue (待匹配) over HTTP and on its page: imported rows whose subject is unknown wait
there; the credit centre links them to a subject, registers the subject, or dismisses them."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.records import importer
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.subjects.models import Subject
from chengxin.security import audit
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher, load_master_key
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_ric, make_uscc

HTML = {"accept": "text/html"}
HEADER = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "证件类型", "证件号码", "行政处罚决定书文号",
          "违法事实", "处罚类别", "处罚内容", "处罚决定日期", "数据来源单位"]  # fmt: skip
RNG = random.Random(77)
NEW_USCC = make_uscc(RNG)
STRANGER_RIC = make_ric(RNG, birth="19911111")


def _db(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def queued(env: Env, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """A penalty sheet with three rows nobody is registered for, imported; source record id → queue id."""
    path = tmp_path / "处罚.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(["新设贸易有限公司", "法人及非法人组织", NEW_USCC, "", "", "宁罚-1", "虚假宣传", "罚款", "罚款1万元",
                    "2026/5/1", "南京市市场监督管理局"])  # fmt: skip
        w.writerow(["陌生人", "自然人", "", "身份证", STRANGER_RIC, "宁罚-2", "无照经营", "警告", "警告", "2026/5/2",
                    "南京市市场监督管理局"])  # fmt: skip
        w.writerow(["张小明", "自然人", "", "", "", "宁罚-3", "无照经营", "警告", "警告", "2026/5/3",
                    "南京市市场监督管理局"])  # fmt: skip
    summary = importer.run_import(
        _db(env),
        actor=cli_actor("tests"),
        path=path,
        cipher=cipher(settings),
        master_key=load_master_key(settings),
        batch_size=100,
    )
    assert summary.unmatched == 3 and summary.inserted == 0, summary
    page = env.client.get("/api/v1/records/unmatched", headers=env.auth(Role.credit_centre)).json()
    return {u["source_record_id"]: u["id"] for u in page["items"]}


def test_the_queue_is_for_the_credit_centre_with_identity_numbers_masked(env: Env, queued: dict[str, int]) -> None:
    centre = env.auth(Role.credit_centre)
    r = env.client.get("/api/v1/records/unmatched", headers=centre)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3 and [u["source_record_id"] for u in body["items"]] == ["宁罚-1", "宁罚-2", "宁罚-3"]
    company, stranger, named_only = body["items"]
    assert company["party_code"] == NEW_USCC and company["reason"] == "unknown_subject"
    assert company["source_org"] == "南京市市场监督管理局" and company["document_no"] == "宁罚-1"
    assert stranger["party_ric_masked"] == STRANGER_RIC[:3] + "*" * 11 + STRANGER_RIC[-4:]
    assert STRANGER_RIC not in r.text
    assert named_only["reason"] == "no_identifier" and named_only["reason_zh"] == "缺少统一社会信用代码或身份证号码"
    one = env.client.get(f"/api/v1/records/unmatched/{queued['宁罚-2']}", headers=centre)
    assert one.status_code == 200 and one.json()["payload"]["violation_facts"] == "无照经营"
    assert STRANGER_RIC not in one.text
    filtered = env.client.get("/api/v1/records/unmatched?status=resolved&type=admin_penalty", headers=centre)
    assert filtered.json()["total"] == 0
    assert (
        env.client.get("/api/v1/records/unmatched?limit=1&offset=1", headers=centre).json()["items"][0]["id"]
        == (queued["宁罚-2"])
    )
    for role, status in ((Role.department, 403), (Role.auditor, 403), (Role.public, 401)):
        assert env.client.get("/api/v1/records/unmatched", headers=env.auth(role)).status_code == status
    assert env.client.get("/api/v1/records/unmatched/999999", headers=centre).status_code == 404


def test_resolving_links_the_record_to_a_subject(env: Env, queued: dict[str, int]) -> None:
    centre = env.auth(Role.credit_centre)
    r = env.client.post(
        f"/api/v1/records/unmatched/{queued['宁罚-3']}/resolve", json={"subject_id": env.person_id}, headers=centre
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["resolved_record_id"]
    with unit_of_work(_db(env), readonly=True) as s:
        rec = s.get(CreditRecord, r.json()["resolved_record_id"])
        assert rec is not None and rec.subject_id == env.person_id and rec.source_record_id == "宁罚-3"
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "unmatched.resolve"))
        assert entry is not None and entry.subject_id == env.person_id and entry.object_id == str(queued["宁罚-3"])
        assert audit.verify_chain(s).ok
    again = env.client.post(
        f"/api/v1/records/unmatched/{queued['宁罚-3']}/resolve", json={"subject_id": env.person_id}, headers=centre
    )
    assert again.status_code == 409 and again.json()["code"] == "unmatched_not_open"


def test_a_record_is_never_linked_to_a_subject_with_another_number(env: Env, queued: dict[str, int]) -> None:
    centre = env.auth(Role.credit_centre)
    r = env.client.post(
        f"/api/v1/records/unmatched/{queued['宁罚-2']}/resolve", json={"subject_id": env.person_id}, headers=centre
    )
    assert r.status_code == 409 and r.json()["code"] == "identifier_mismatch"
    missing = env.client.post(
        f"/api/v1/records/unmatched/{queued['宁罚-2']}/resolve", json={"subject_id": 999999}, headers=centre
    )
    assert missing.status_code == 404 and missing.json()["code"] == "subject_not_found"
    bad = env.client.post(f"/api/v1/records/unmatched/{queued['宁罚-2']}/resolve", json={}, headers=centre)
    assert bad.status_code == 422


def test_registering_the_subject_from_its_uscc(env: Env, queued: dict[str, int]) -> None:
    centre = env.auth(Role.credit_centre)
    r = env.client.post(f"/api/v1/records/unmatched/{queued['宁罚-1']}/register", headers=centre)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"
    with unit_of_work(_db(env), readonly=True) as s:
        subject = s.scalar(select(Subject).where(Subject.uscc == NEW_USCC))
        assert subject is not None and subject.name == "新设贸易有限公司"
        rec = s.get(CreditRecord, r.json()["resolved_record_id"])
        assert rec is not None and rec.subject_id == subject.id
    person = env.client.post(f"/api/v1/records/unmatched/{queued['宁罚-2']}/register", headers=centre)
    assert person.status_code == 422 and person.json()["code"] == "not_registrable"


def test_dismissing_needs_a_reason(env: Env, queued: dict[str, int]) -> None:
    centre = env.auth(Role.credit_centre)
    url = f"/api/v1/records/unmatched/{queued['宁罚-2']}/dismiss"
    assert env.client.post(url, json={"reason": ""}, headers=centre).status_code == 422
    r = env.client.post(url, json={"reason": "来源单位已撤回该条数据"}, headers=centre)
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert r.json()["dismissal_reason"] == "来源单位已撤回该条数据"
    assert env.client.post(url, json={"reason": "again"}, headers=centre).status_code == 409
    page = env.client.get("/api/v1/records/unmatched?status=dismissed", headers=centre).json()
    assert [u["source_record_id"] for u in page["items"]] == ["宁罚-2"]
    with unit_of_work(_db(env), readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 0


def _login(env: Env, role: Role) -> str:
    with unit_of_work(_db(env)) as s:
        accounts.create_user(s, actor=cli_actor(), username="reconciler", password="s3cret-pass", role=role)
    login = env.client.post(
        "/login", data={"username": "reconciler", "password": "s3cret-pass"}, follow_redirects=False
    )
    env.client.cookies.set("cx_session", login.cookies["cx_session"])
    page = env.client.get("/admin/unmatched", headers=HTML)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def test_the_queue_page_lists_and_acts_with_csrf(env: Env, queued: dict[str, int]) -> None:
    csrf = _login(env, Role.credit_centre)
    page = env.client.get("/admin/unmatched", headers=HTML)
    text = page.text
    assert "待匹配记录" in text and "共 3 条" in text and "新设贸易有限公司" in text and "行政处罚" in text
    assert STRANGER_RIC[:3] + "*" * 11 + STRANGER_RIC[-4:] in text and STRANGER_RIC not in text
    assert "未找到该代码对应的信用主体" in text and "南京市市场监督管理局" in text
    url = f"/admin/unmatched/{queued['宁罚-3']}/resolve"
    forged = env.client.post(url, data={"subject_id": str(env.person_id)}, follow_redirects=False)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    ok = env.client.post(url, data={"subject_id": str(env.person_id), "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/admin/unmatched?done=resolved"
    after = env.client.get(ok.headers["location"], headers=HTML).text
    assert "已关联" in after and "共 2 条" in after
    dismissed = env.client.post(
        f"/admin/unmatched/{queued['宁罚-2']}/dismiss",
        data={"reason": "重复报送", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    registered = env.client.post(
        f"/admin/unmatched/{queued['宁罚-1']}/register", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert registered.status_code == 303
    done = env.client.get("/admin/unmatched?status=all", headers=HTML).text
    assert "重复报送" in done and "已匹配" in done and "已忽略" in done
    error = env.client.post(
        f"/admin/unmatched/{queued['宁罚-1']}/dismiss", data={"reason": "x", "csrf_token": csrf}, headers=HTML
    )
    assert error.status_code == 409 and "该待匹配记录已处理" in error.text


def test_the_queue_page_is_not_for_departments(env: Env, queued: dict[str, Any]) -> None:
    r = env.client.get("/admin/unmatched", headers={**HTML, **env.auth(Role.department)})
    assert r.status_code == 403


def test_a_control_character_in_the_type_filter_is_refused_not_a_server_error(env: Env) -> None:
    """Found by the API fuzz test: a NUL byte reached PostgreSQL (500)."""
    admin = env.auth(Role.credit_centre)
    r = env.client.get("/api/v1/records/unmatched", params={"type": "a\x00b"}, headers=admin)
    assert r.status_code == 422
    assert env.client.get("/admin/unmatched", params={"type": "a\x00b"}, headers=admin).status_code == 422
