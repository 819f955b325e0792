"""The demo's query service (issue 9, "Done when"): the market regulator queries the demo person with a
purpose and an authorisation → the person sees it under "who looked at my file" → withdraws the
authorisation → the next query is refused. Checked in the data and through the person's own pages."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.demo.queries import load_queries
from chengxin.domains.queries.models import QueryAuthorisation, QueryRecord
from chengxin.security.audit import AuditEntry

TODAY = date(2026, 11, 24)
H = {"Accept": "text/html"}


def login(c: TestClient, user: str, password: str) -> None:
    c.get("/login", headers=H)
    r = c.post("/login", data={"username": user, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text[:200]


def test_demo_query_seen_withdrawn_refused(settings: Settings, db: Database) -> None:
    from chengxin.app import create_app

    load_province(db, settings, generate_province(seed=5, enterprises=200, persons=50), today=TODAY)
    out = load_queries(db, settings, today=TODAY)
    assert out.authorisation_id is not None and out.query_id is not None
    assert out.seen_by_person is not None and "江苏省市场监督管理局" in out.seen_by_person
    assert out.refused == "authorisation_withdrawn"
    with unit_of_work(db, readonly=True) as s:
        auth = s.get_one(QueryAuthorisation, out.authorisation_id)
        assert auth.withdrawn_at is not None and auth.purpose == "licensing"
        rec = s.get_one(QueryRecord, out.query_id)
        assert rec.authorisation_id == auth.id and rec.subject_id == auth.subject_id and rec.purpose == "licensing"
        assert s.scalar(select(func.count()).where(AuditEntry.action == "authorisation.withdraw")) == 1
        queries = s.scalar(select(func.count()).select_from(QueryRecord))
    # loading again adds nothing, and the query is still refused
    again = load_queries(db, settings, today=TODAY)
    assert again.authorisation_id == out.authorisation_id and again.refused == "authorisation_withdrawn"
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(QueryRecord)) == queries
    # the person's page: who looked, why, and the withdrawn authorisation; the platform's one can be withdrawn
    with TestClient(create_app(settings)) as c:
        login(c, "person-demo", "demo-person-2026")
        page = c.get("/me/queries", headers=H)
        assert page.status_code == 200
        assert "江苏省市场监督管理局" in page.text and "行政许可审查" in page.text and "已撤回" in page.text
        assert f"/me/authorisations/{out.authorisation_id}/withdraw" not in page.text
        assert f"/me/authorisations/{out.platform_authorisation_id}/withdraw" in page.text
        seen = c.get("/api/v1/me/queries").json()
        assert {q["purpose"] for q in seen} == {"licensing", "hiring"}
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        w = c.post(f"/me/authorisations/{out.platform_authorisation_id}/withdraw",
                   data={"csrf_token": token.group(1)}, follow_redirects=False)  # fmt: skip
        assert w.status_code == 303
        assert all(a["status"] == "withdrawn" for a in c.get("/api/v1/me/authorisations").json())
