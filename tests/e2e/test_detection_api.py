"""The detection review API and pages (监测线索复核), on SQLite and PostgreSQL: the credit centre loads a
run, a department reviewer lists, opens (with the evidence graph), dismisses and confirms cases; the
platform and the public are refused; the queue and case pages render in Chinese with working forms."""

from __future__ import annotations

import random
import re
from typing import Any

from chengxin.db import unit_of_work
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.e2e.pagekit import HTML, browser, csrf, db_of, department_id
from tests.factories import make_uscc

USCC = make_uscc(random.Random(21))


def row(fid: str, entity_type: str, entity_id: str, group: str | None = "G1", **evidence: Any) -> dict[str, Any]:
    return {"finding_id": fid, "detector": "brushing", "entity_type": entity_type, "entity_id": entity_id,
            "score": 0.9, "group_id": group, "explanation": f"{entity_id} 与多个新账户共用设备",
            "evidence": {"platform_id": "P1", **evidence}}  # fmt: skip


RUN = {
    "source": "findings.json",
    "platform_id": "P1",
    "findings": [
        row("F1", "seller", "S1", subject_id=USCC, orders=[{"order_id": "O1", "buyer_account_id": "B1",
                                                            "seller_account_id": "S1"}], accounts=["B1"]),
        row("F2", "buyer", "B1", links=[{"link_type": "device", "value": "abc", "accounts": ["B1", "S1"]}]),
        row("F3", "seller", "S2", group=None),
        {**row("F4", "seller", "S3"), "score": "很高"},
    ],
}  # fmt: skip


def test_api_load_list_open_decide(env: Env) -> None:
    c, centre, dept = env.client, env.auth(Role.credit_centre), env.auth(Role.department)
    with unit_of_work(db_of(env)) as s:
        subject = subjects.create_subject(
            s,
            actor=cli_actor("tests"),
            cipher=env.client.app.state.chengxin.cipher,  # type: ignore[attr-defined]
            data=LegalSubjectIn(kind="legal", name="某某网店有限公司", uscc=USCC),
        )
        subject_id = subject.id
    for role in (Role.platform, Role.department, Role.auditor):
        assert c.post("/api/v1/detection/runs", json=RUN, headers=env.auth(role)).status_code == 403
    assert c.post("/api/v1/detection/runs", json=RUN).status_code == 401
    r = c.post("/api/v1/detection/runs", json=RUN, headers=centre)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["stored"], body["rejected"], body["cases_opened"]) == (3, 1, 2)
    assert body["rejections"] == [{"row": 4, "finding_id": "F4", "code": "invalid_score",
                                   "detail": "score '很高' is not a number"}]  # fmt: skip
    again = c.post("/api/v1/detection/runs", json=RUN, headers=centre).json()
    assert (again["stored"], again["already_loaded"], again["run_id"]) == (0, 3, None)
    bad = c.post("/api/v1/detection/runs", json={"findings": [{"finding_id": "x"}]}, headers=centre)
    assert bad.status_code == 400 and bad.json()["code"] == "findings_columns_missing"

    assert c.get("/api/v1/detection/cases", headers=env.auth(Role.platform)).status_code == 403
    page = c.get("/api/v1/detection/cases?status=pending&per_page=1", headers=env.auth(Role.auditor)).json()
    assert page["total"] == 2 and len(page["cases"]) == 1 and page["cases"][0]["status_zh"] == "待复核"
    ring = next(x for x in c.get("/api/v1/detection/cases", headers=dept).json()["cases"] if x["group_id"] == "G1")
    lone = next(x for x in c.get("/api/v1/detection/cases", headers=dept).json()["cases"] if x["group_id"] is None)
    detail = c.get(f"/api/v1/detection/cases/{ring['id']}", headers=dept).json()
    assert sorted(x["entity_id"] for x in detail["findings"]) == ["B1", "S1"]
    nodes = {n["id"] for n in detail["graph"]["nodes"]}
    assert {"account:S1", "account:B1", "order:O1", "link:device:abc"} <= nodes
    assert {"source": "account:B1", "target": "order:O1", "relation": "placed"} in detail["graph"]["edges"]
    assert c.get("/api/v1/detection/cases/999", headers=dept).json()["code"] == "case_not_found"

    assert c.post(f"/api/v1/detection/cases/{lone['id']}/dismiss", json={"reason": "x"},
                  headers=env.auth(Role.auditor)).status_code == 403  # fmt: skip
    assert c.post(f"/api/v1/detection/cases/{lone['id']}/dismiss", json={"reason": ""}, headers=dept).status_code == 422
    gone = c.post(f"/api/v1/detection/cases/{lone['id']}/dismiss", json={"reason": "误报"}, headers=dept)
    assert gone.status_code == 200 and gone.json()["status"] == "dismissed"
    ok = c.post(f"/api/v1/detection/cases/{ring['id']}/confirm", json={"reason": "属实"}, headers=dept)
    assert ok.status_code == 200, ok.text
    outcome = ok.json()["outcome"]
    assert [r["subject_id"] for r in outcome["records"]] == [subject_id]
    assert [n["account_id"] for n in outcome["no_subject"]] == ["B1"]
    twice = c.post(f"/api/v1/detection/cases/{ring['id']}/confirm", json={}, headers=dept)
    assert twice.status_code == 409 and twice.json()["code"] == "case_decided"
    file = c.get(f"/api/v1/subjects/{subject_id}/file", headers=dept)
    assert file.status_code == 200, file.text
    types = [r["type"] for g in file.json()["groups"] for r in g["records"]]
    assert types == ["brushing"]


def test_pages_queue_case_and_forms(env: Env) -> None:
    c = env.client
    assert c.post("/api/v1/detection/runs", json=RUN, headers=env.auth(Role.credit_centre)).status_code == 201
    reviewer = browser(env, "reviewer", Role.department, organisation_id=department_id(env))
    queue = reviewer.get("/admin/detection", headers=HTML)
    assert queue.status_code == 200 and "监测线索复核" in queue.text and "刷单炒信" in queue.text
    assert 'href="/admin/detection"' in queue.text  # the menu link
    case_ids = [int(x) for x in re.findall(r'href="/admin/detection/(\d+)"', queue.text)]
    assert len(case_ids) == 2
    page = reviewer.get(f"/admin/detection/{case_ids[0]}", headers=HTML)
    assert page.status_code == 200 and "证据关系图" in page.text and "<svg" in page.text and "排除理由" in page.text
    token = csrf(page.text)
    empty = reviewer.post(f"/admin/detection/{case_ids[0]}/dismiss", data={"reason": " ", "csrf_token": token},
                          headers=HTML, follow_redirects=False)  # fmt: skip
    assert empty.status_code == 422 and "请填写排除理由" in empty.text
    done = reviewer.post(f"/admin/detection/{case_ids[0]}/dismiss", data={"reason": "误报", "csrf_token": token},
                         headers=HTML, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    shown = reviewer.get(done.headers["location"], headers=HTML)
    assert "已排除" in shown.text and 'action="/admin/detection/' not in shown.text
    ok = reviewer.post(f"/admin/detection/{case_ids[1]}/confirm",
                       data={"reason": "属实", "severity": "general", "csrf_token": token},
                       headers=HTML, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    confirmed = reviewer.get(ok.headers["location"], headers=HTML)
    assert "已确认" in confirmed.text and "处理结果" in confirmed.text
    refused = c.get("/admin/detection", headers={**HTML, **env.auth(Role.platform)})
    assert refused.status_code == 403 and "无权执行此操作" in refused.text
