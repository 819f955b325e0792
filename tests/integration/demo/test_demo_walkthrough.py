"""The objection and repair flows by hand on the demo province, through the web pages as a browser
would (README walkthrough): object → marked → forwarded → corrected → the subject sees the corrected
version; eligibility shown → sign → apply → approve → gone from the public page and the public API."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.records.models import CreditRecord
from chengxin.events import OutboxEvent
from chengxin.security.audit import AuditEntry
from tests.e2e.pagekit import multipart

H = {"Accept": "text/html"}
PDF = b"%PDF-1.4\n%demo\n%%EOF\n"


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def login(c: TestClient, user: str, password: str) -> None:
    c.get("/login", headers=H)
    r = c.post("/login", data={"username": user, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text[:200]


def test_demo_walkthrough_through_the_pages(settings: Settings, db: Database) -> None:
    from chengxin.app import create_app

    province = generate_province(seed=5, enterprises=400, persons=200)
    load_province(db, settings, province, today=date(2026, 11, 24))
    app = create_app(settings)
    with unit_of_work(db, readonly=True) as s:
        recs = {
            r.source_record_id.split("-")[1]: (r.id, r.subject_id, r.source_document_no)
            for r in s.scalars(select(CreditRecord).where(CreditRecord.source_record_id.like("DEMO-%")))
        }
    o_id, sid, _ = recs["O"]
    r_id, _, r_doc = recs["R"]
    assert r_doc is not None
    with TestClient(app) as m, TestClient(app) as d, TestClient(app) as anon:
        login(m, "merchant-demo", "demo-merchant-2026")
        login(d, "dept-market", "demo-dept-market-2026")
        form = m.get(f"/me/objections/new?record_id={o_id}", headers=H)
        fields = {"record_id": str(o_id), "reason_kind": "content_error", "reasons": "罚款金额应为1000元",
                  "requested": "罚款1000元", "csrf_token": csrf(form.text)}  # fmt: skip
        body, hdr = multipart(fields, [("files", "缴款凭证.pdf", PDF)])
        r = m.post("/me/objections", content=body, headers=hdr, follow_redirects=False)
        assert r.status_code == 303, r.text
        oid = int(r.headers["location"].rsplit("/", 1)[1])
        assert "异议处理中" in m.get(f"/subjects/{sid}", headers=H).text
        assert f"objection-{oid}" in d.get("/admin/objections", headers=H).text
        page = d.get(f"/admin/objections/{oid}", headers=H)
        assert "已转来源单位处理" in page.text
        decision = {"outcome": "corrected", "reasons": "经核实更正", "penalty_content": "罚款1000元",
                    "csrf_token": csrf(page.text)}  # fmt: skip
        assert d.post(f"/admin/objections/{oid}/decision", data=decision, follow_redirects=False).status_code == 303
        own = m.get(f"/subjects/{sid}", headers=H).text
        assert "罚款1000元" in own and "已更正" in own
        assert r_doc in m.get("/me/repairs", headers=H).text  # eligibility shown before applying
        com = m.get("/me/commitments", headers=H).text
        sign = {"template": "credit_repair", "agree": "on", "csrf_token": csrf(com)}
        assert m.post("/me/commitments", data=sign, follow_redirects=False).status_code == 303
        form = m.get(f"/me/repairs/new?record_id={r_id}", headers=H)
        fields = {"record_id": str(r_id), "statement": "已缴纳罚款并整改", "evidence_kind": "obligations_fulfilled",
                  "evidence_description": "缴款书", "csrf_token": csrf(form.text)}  # fmt: skip
        body, hdr = multipart(fields, [("files", "", b"")])
        r = m.post("/me/repairs", content=body, headers=hdr, follow_redirects=False)
        assert r.status_code == 303, r.text
        aid = int(r.headers["location"].rsplit("/", 1)[1])
        assert r_doc in anon.get(f"/subjects/{sid}", headers=H).text
        page = d.get(f"/admin/repairs/{aid}", headers=H)
        approve = {"decision": "approve", "reasons": "同意修复", "csrf_token": csrf(page.text)}
        assert d.post(f"/admin/repairs/{aid}/decision", data=approve, follow_redirects=False).status_code == 303
        assert r_doc not in anon.get(f"/subjects/{sid}", headers=H).text
        assert r_doc not in anon.get(f"/api/v1/subjects/{sid}/file").text
    with unit_of_work(db, readonly=True) as s:
        withdrawn = [e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "sharing.withdrawal"))]
        assert any(r_id in p["object_ids"] for p in withdrawn)
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.subject_id == sid))]
    for step in ("objection.file", "objection.forward", "record.correct", "objection.decide", "commitment.sign",
                 "repair.apply", "repair.decide", "record.repair"):  # fmt: skip
        assert step in actions, step
