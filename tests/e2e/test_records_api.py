"""Credit records over HTTP: submission, idempotency, versions, revocation, the credit file, the catalog."""

from __future__ import annotations

import random
from typing import Any

from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc


def _company(env: Env, seed: int = 5) -> tuple[int, str]:
    uscc = make_uscc(random.Random(seed))
    r = env.client.post("/api/v1/subjects", json={"kind": "legal", "name": "南京某某商贸有限公司", "uscc": uscc},
                        headers=env.auth(Role.department))  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), uscc


def penalty(uscc: str, source_id: str = "P-1", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "admin_penalty",
        "source_record_id": source_id,
        "subject": {"uscc": uscc, "name": "南京某某商贸有限公司"},
        "decided_on": "2026-06-15",
        "document_no": "宁市监罚〔2026〕15号",
        "payload": {"violation_facts": "虚假宣传", "penalty_category": "罚款", "penalty_content": "罚款人民币2万元"},
    }
    body.update(kw)
    return body


def test_submit_is_idempotent_and_a_change_is_a_new_version(env: Env) -> None:
    sid, uscc = _company(env)
    dept = env.auth(Role.department)
    r = env.client.post("/api/v1/records", json=penalty(uscc), headers=dept)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["result"] == "created" and first["version"] == 1
    assert r.headers["Location"] == f"/api/v1/records/{first['record_id']}"
    again = env.client.post("/api/v1/records", json=penalty(uscc), headers=dept)
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    changed = penalty(uscc)
    changed["payload"]["penalty_content"] = "罚款人民币3万元"
    corr = env.client.post("/api/v1/records", json=changed, headers=dept)
    assert corr.status_code == 201 and corr.json()["result"] == "corrected" and corr.json()["version"] == 2
    hist = env.client.get(f"/api/v1/records/{corr.json()['record_id']}/history", headers=dept)
    assert hist.status_code == 200
    assert [(v["version"], v["is_current"], v["change"]) for v in hist.json()] == [
        (1, False, "original"),
        (2, True, "correction"),
    ]
    assert hist.json()[0]["payload"]["penalty_content"] == "罚款人民币2万元"  # history kept, never overwritten
    public = env.client.get(f"/api/v1/subjects/{sid}/file").json()
    assert public["view"] == "public"
    recs = [x for g in public["groups"] for x in g["records"]]
    assert [(x["version"], x["severity"], x["publicity_until"]) for x in recs] == [(2, "general", "2027-06-15")]
    # The public cannot read history.
    assert env.client.get(f"/api/v1/records/{first['record_id']}/history").status_code == 404


def test_bad_submissions_get_the_exact_reason(env: Env) -> None:
    _, uscc = _company(env)
    dept = env.auth(Role.department)
    cases = [
        (penalty(uscc, type="no_such_type"), 422, "unknown_record_type"),
        (penalty(uscc, payload={"violation_facts": "x"}), 422, "missing_field"),
        (penalty(uscc, decided_on="2099-01-01"), 422, "future_date"),
        (penalty(uscc, severity="minor", payload={"violation_facts": "x", "penalty_category": "吊销营业执照",
                                                   "penalty_content": "吊销"}), 422, "inconsistent_severity"),
        (penalty(uscc[:-1] + ("0" if uscc[-1] != "0" else "1")), 422, "uscc_check_character"),
    ]  # fmt: skip
    for body, status, code in cases:
        r = env.client.post("/api/v1/records", json=body, headers=dept)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    r = env.client.post("/api/v1/records", json=penalty(uscc) | {"colour": "red"}, headers=dept)
    assert r.status_code == 422  # unknown fields refused
    r = env.client.post("/api/v1/records", json=penalty(uscc), headers=env.auth(Role.platform))
    assert (r.status_code, r.json()["code"]) == (403, "submitter_not_allowed")
    r = env.client.post("/api/v1/records", json=penalty(uscc), headers=env.auth(Role.credit_centre))
    assert (r.status_code, r.json()["code"]) == (422, "source_organisation_required")


def test_unknown_subjects_are_queued_not_dropped_and_batches_report_each_item(env: Env) -> None:
    _, uscc = _company(env)
    stranger = make_uscc(random.Random(99))
    r = env.client.post("/api/v1/records", json=penalty(stranger, "P-9"), headers=env.auth(Role.department))
    assert r.status_code == 202 and r.json()["result"] == "unmatched" and r.json()["unmatched_id"]
    batch = {
        "records": [
            penalty(uscc, "B-1"),
            penalty(uscc, "B-2", decided_on="2099-01-01"),
            {"type": "brushing", "source_record_id": "B-3", "subject": {"uscc": uscc}, "decided_on": "2026-10-01",
             "payload": {"platform": "测试电商平台", "finding": "组织虚假交易"}},
            penalty(stranger, "B-4"),
        ]
    }  # fmt: skip
    r = env.client.post("/api/v1/records/batch", json=batch, headers=env.auth(Role.department))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["rejected"], body["unmatched"]) == (2, 1, 1)
    assert [o["result"] for o in body["outcomes"]] == ["created", "rejected", "created", "unmatched"]
    assert body["outcomes"][1]["code"] == "future_date"
    # A platform may submit platform-reported types.
    r = env.client.post(
        "/api/v1/records",
        json={"type": "fake_traffic", "source_record_id": "F-1", "subject": {"uscc": uscc}, "decided_on": "2026-10-02",
              "payload": {"platform": "测试电商平台", "finding": "购买虚假流量"}},
        headers=env.auth(Role.platform),
    )  # fmt: skip
    assert r.status_code == 201, r.text


def test_revocation_stops_publication_at_once(env: Env) -> None:
    sid, uscc = _company(env)
    rid = env.client.post("/api/v1/records", json=penalty(uscc), headers=env.auth(Role.department)).json()["record_id"]
    assert env.client.get(f"/api/v1/records/{rid}").status_code == 200
    r = env.client.post(f"/api/v1/records/{rid}/revoke", json={"reason": "复议撤销"}, headers=env.auth(Role.platform))
    assert r.status_code == 403
    r = env.client.post(f"/api/v1/records/{rid}/revoke", json={"reason": "复议撤销"}, headers=env.auth(Role.department))
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["version"] == 2
    assert env.client.get(f"/api/v1/records/{rid}").status_code == 404  # old version: not public any more
    public = env.client.get(f"/api/v1/subjects/{sid}/file").json()
    assert public["groups"] == []
    dept = env.client.get(f"/api/v1/subjects/{sid}/file", headers=env.auth(Role.department)).json()
    assert [x["status"] for g in dept["groups"] for x in g["records"]] == ["revoked"]
    again = env.client.post(f"/api/v1/records/{rid}/revoke", json={"reason": "x"}, headers=env.auth(Role.department))
    assert again.status_code == 409


def test_the_file_is_filtered_by_the_readers_rights(env: Env) -> None:
    dept = env.auth(Role.department)
    person = {"subject_id": env.person_id}
    bodies = [
        {"type": "unpaid_utility_fees", "source_record_id": "U-1", "subject": person, "decided_on": "2026-09-01",
         "payload": {"utility": "电费", "amount_yuan": 812}},
        {"type": "upheld_complaint", "source_record_id": "C-1", "subject": person, "decided_on": "2026-09-02",
         "payload": {"complaint_no": "TS-1", "finding": "属实"}},
        {"type": "volunteer_honour", "source_record_id": "V-1", "subject": person, "decided_on": "2026-09-03",
         "payload": {"title": "优秀志愿者", "awarded_by": "市文明办"}},
        {"type": "admin_penalty", "source_record_id": "OLD-1", "subject": person, "decided_on": "2021-01-05",
         "document_no": "罚-1",
         "payload": {"violation_facts": "x", "penalty_category": "罚款", "penalty_content": "罚款500元"}},
    ]  # fmt: skip
    for b in bodies:
        assert env.client.post("/api/v1/records", json=b, headers=dept).status_code == 201
    url = f"/api/v1/subjects/{env.person_id}/file"

    def types(resp: Any) -> set[str]:
        assert resp.status_code == 200, resp.text
        return {x["type"] for g in resp.json()["groups"] for x in g["records"]}

    assert types(env.client.get(url)) == {"volunteer_honour"}  # public, inside its period
    assert types(env.client.get(url, headers=dept)) == {"upheld_complaint", "volunteer_honour", "admin_penalty"}
    full = env.client.get(url, params={"purpose": "信贷审批"}, headers=dept)
    assert types(full) == {"unpaid_utility_fees", "upheld_complaint", "volunteer_honour", "admin_penalty"}
    own = env.client.get(url, headers=env.auth(Role.subject))
    assert own.json()["view"] == "self" and len(types(own)) == 4
    expired = [x for g in own.json()["groups"] for x in g["records"] if x["type"] == "admin_penalty"]
    assert expired[0]["status"] == "expired" and not expired[0]["public"]
    # The restricted read is in the audit log with its purpose.
    log = env.client.get("/api/v1/audit", params={"action": "record.read_file"}, headers=env.auth(Role.auditor))
    assert log.status_code == 200
    entries = log.json()["entries"] if isinstance(log.json(), dict) else log.json()
    assert any(e.get("purpose") == "信贷审批" for e in entries)
    # The page shows the same, in Chinese.
    page = env.client.get(f"/subjects/{env.person_id}")
    assert page.status_code == 200 and "优秀志愿者" in page.text and "电费" not in page.text


def test_catalog_edits_are_versions_made_by_the_credit_centre(env: Env) -> None:
    cat = env.client.get("/api/v1/catalog").json()
    assert cat["stored"] is False and cat["version"] == 1
    honour = env.client.get("/api/v1/catalog/types/commendation").json()
    honour.pop("code")
    honour["publicity_months"] = 24
    change = {"type": honour, "note": "表彰公示期调整为两年"}
    r = env.client.put("/api/v1/catalog/types/commendation", json=change, headers=env.auth(Role.department))
    assert r.status_code == 403
    r = env.client.put("/api/v1/catalog/types/commendation", json=change, headers=env.auth(Role.credit_centre))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    versions = env.client.get("/api/v1/catalog/versions").json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["note"] == "表彰公示期调整为两年"
    bad = dict(honour, polarity="negative")
    r = env.client.put("/api/v1/catalog/types/commendation", json={"type": bad}, headers=env.auth(Role.credit_centre))
    assert r.status_code == 422 and r.json()["code"] == "invalid_record_type"
    # A record made now uses version 2 (24 months).
    _, uscc = _company(env)
    body = {"type": "commendation", "source_record_id": "H-1", "subject": {"uscc": uscc}, "decided_on": "2026-01-10",
            "payload": {"title": "守合同重信用企业", "awarded_by": "省市场监管局"}}  # fmt: skip
    rid = env.client.post("/api/v1/records", json=body, headers=env.auth(Role.department)).json()["record_id"]
    rec = env.client.get(f"/api/v1/records/{rid}").json()
    assert (rec["catalog_version"], rec["publicity_until"]) == (2, "2028-01-10")
    assert env.client.get("/api/v1/catalog/types/nope").status_code == 404
