"""The query service over HTTP: authorised queries and their refusals, "who looked at my file" and the
withdrawal of an authorisation, the public query's rate limit, and a bulk-query pattern that raises an
alert on which the auditor suspends the token."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.queries import abuse
from chengxin.domains.queries.models import QueryRecord
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from chengxin.security.masking import Field, show
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc

UNTIL = (date.today() + timedelta(days=365)).isoformat()
Q = "/api/v1/queries"


def authorise(env: Env, role: Role = Role.department, purpose: str = "licensing", **kw: object) -> int:
    body = {"subject": env.person_ric, "purpose": purpose, "scope": ["identity", "records", "restricted"],
            "reference": "授权书 SQ-2026-001", "valid_until": UNTIL, **kw}  # fmt: skip
    r = env.client.post("/api/v1/authorisations", json=body, headers=env.auth(role))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "valid" and r.json()["granted_by"] == "organisation"
    return int(r.json()["id"])


def refused(r: object, code: str) -> None:
    from httpx import Response

    assert isinstance(r, Response)
    assert r.status_code == 403, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == code and body["detail"] and body["message_zh"], body


def test_authorised_query_seen_by_the_person_then_withdrawn_and_refused(env: Env, db: Database) -> None:
    auth_id = authorise(env)
    dept = env.auth(Role.department)
    r = env.client.post(Q, json={"subject": env.person_ric, "purpose": "licensing", "authorisation_id": auth_id},
                        headers=dept)  # fmt: skip
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["kind"] == "authorised" and answer["basis"] == "authorisation" and answer["view"] == "full"
    assert answer["subject"]["name"] == "张小明" and answer["subject"]["ric"] == env.person_ric  # a department
    assert answer["fields"] == ["identity", "records", "restricted"]
    # registered, with its audit entry (same transaction)
    with unit_of_work(db, readonly=True) as s:
        rec = s.get_one(QueryRecord, answer["query_id"])
        assert (rec.kind, rec.subject_id, rec.purpose, rec.authorisation_id) == (
            "authorised", env.person_id, "licensing", auth_id)  # fmt: skip
        # the address is kept as a keyed pseudonym, never in clear (personal data)
        assert rec.account.startswith("token:") and rec.client is not None and rec.client.startswith("#")
        assert "testclient" not in rec.client and len(rec.client) == 17
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "query.authorised"))
        assert entry is not None and entry.object_id == str(rec.id) and entry.purpose == "licensing"
    # the person sees who looked, and why
    me = env.auth(Role.subject)
    seen = env.client.get("/api/v1/me/queries", headers=me).json()
    assert [(q["organisation"], q["purpose"], q["authorisation_id"]) for q in seen] == [
        ("测试市场监管局", "licensing", auth_id)
    ]
    page = env.client.get("/me/queries", headers={**me, "Accept": "text/html"})
    assert page.status_code == 200 and "谁查询了我" in page.text and "测试市场监管局" in page.text
    assert "行政许可审查" in page.text and f"/me/authorisations/{auth_id}/withdraw" in page.text
    # … withdraws the authorisation through the page; the next query relying on it is refused
    w = env.client.post(f"/me/authorisations/{auth_id}/withdraw", headers=me, follow_redirects=False)
    assert w.status_code == 303
    mine = env.client.get("/api/v1/me/authorisations", headers=me).json()
    assert mine[0]["id"] == auth_id and mine[0]["status"] == "withdrawn" and mine[0]["withdrawn_at"]
    again = env.client.post(Q, json={"subject": env.person_ric, "purpose": "licensing", "authorisation_id": auth_id},
                            headers=dept)  # fmt: skip
    refused(again, "authorisation_withdrawn")
    assert env.client.post(f"/api/v1/me/authorisations/{auth_id}/withdraw", headers=me).status_code == 409
    assert len(env.client.get("/api/v1/me/queries", headers=me).json()) == 1  # a refusal returns nothing


def test_refusals(env: Env) -> None:
    auth_id = authorise(env)
    dept, plat = env.auth(Role.department), env.auth(Role.platform)
    ric = env.person_ric
    refused(env.client.post(Q, json={"subject": ric, "authorisation_id": auth_id}, headers=dept), "purpose_missing")
    refused(env.client.post(Q, json={"subject": ric, "purpose": "licensing"}, headers=dept), "authorisation_required")
    lic = {"subject": ric, "purpose": "licensing", "authorisation_id": auth_id}
    refused(env.client.post(Q, json=lic, headers=plat), "purpose_not_allowed")
    refused(env.client.post(Q, json={"subject": ric, "purpose": "hiring", "authorisation_id": auth_id}, headers=plat),
            "authorisation_other_organisation")  # fmt: skip
    refused(env.client.post(Q, json={"subject": ric, "purpose": "hiring", "authorisation_id": auth_id}, headers=dept),
            "authorisation_out_of_scope")  # fmt: skip
    refused(env.client.post(Q, json={"subject": ric, "purpose": "licensing", "authorisation_id": 99999}, headers=dept),
            "authorisation_not_found")  # fmt: skip
    refused(env.client.post(Q, json={"subject": ric, "purpose": "hiring", "legal_basis": "x"}, headers=plat),
            "legal_basis_not_allowed")  # fmt: skip
    # a department under a legal basis for supervision needs no authorisation
    ok = env.client.post(Q, json={"subject": ric, "purpose": "supervision", "legal_basis": "《行政处罚法》第五十五条"},
                         headers=dept)  # fmt: skip
    assert ok.status_code == 200 and ok.json()["basis"] == "legal_basis"
    # roles without queries:run
    assert env.client.post(Q, json={"subject": ric, "purpose": "hiring"}).status_code == 401
    assert (
        env.client.post(Q, json={"subject": ric, "purpose": "hiring"}, headers=env.auth(Role.auditor)).status_code
        == 403
    )


def test_a_platform_sees_a_person_masked(env: Env, db: Database) -> None:
    with unit_of_work(db, readonly=True) as s:
        plat_org = s.scalar(select(Organisation.id).where(Organisation.name == "测试电商平台"))
    me = env.auth(Role.subject)
    grant = {"organisation_id": plat_org, "purpose": "hiring", "scope": ["identity"], "valid_until": UNTIL}
    g = env.client.post("/api/v1/me/authorisations", headers=me, json=grant)
    assert g.status_code == 201 and g.json()["granted_by"] == "subject"
    body = {"subject": env.person_ric, "purpose": "hiring", "authorisation_id": g.json()["id"]}
    refused(env.client.post(Q, json=body, headers=env.auth(Role.platform)), "authorisation_out_of_scope")  # records
    r = env.client.post(Q, json={**body, "fields": ["identity"]}, headers=env.auth(Role.platform))
    assert r.status_code == 200, r.text
    subject = r.json()["subject"]
    # masked by the one masking policy, for the platform's role and purpose: the RIC is never shown whole to it
    name = show(Field.person_name, "张小明", role=Role.platform, purpose="hiring")
    assert subject["name"] == name and subject["ric"] == "320***********" + env.person_ric[-4:]
    assert subject["masked"] == (["ric"] if name == "张小明" else ["name", "ric"])
    assert r.json()["view"] == "public"


def test_public_query_is_registered_and_rate_limited(env: Env, settings: Settings, db: Database) -> None:
    from chengxin.app import create_app

    with TestClient(create_app(settings.model_copy(update={"public_query_rate": 3}))) as c:
        url = f"/api/v1/queries/public?code={env.person_ric}"
        first = c.get(url)
        assert first.status_code == 200, first.text
        assert first.json()["subject"]["name"] == "张**" and env.person_ric not in first.text
        assert first.json()["view"] == "public" and first.json()["kind"] == "public"
        assert [c.get(url).status_code for _ in range(2)] == [200, 200]
        over = c.get(url)
        assert over.status_code == 429 and over.json()["code"] == "rate_limited"
        assert 1 <= int(over.headers["Retry-After"]) <= 60
        # another client (a token) has its own allowance; no listing: a code is required
        assert c.get(url, headers=env.auth(Role.platform)).status_code == 200
        assert c.get("/api/v1/queries/public?code=%25").status_code == 422
    with unit_of_work(db, readonly=True) as s:
        accounts = list(s.scalars(select(QueryRecord.account).where(QueryRecord.kind == "public")))
    # the refused one is not registered; one anonymous client counted under one pseudonym, its address not kept
    assert sorted(a.split(":")[0] for a in accounts) == ["ip"] * 3 + ["token"] and accounts.count("token:2") == 1
    anonymous = {a for a in accounts if a.startswith("ip:")}
    assert len(anonymous) == 1 and "testclient" not in anonymous.pop()


@pytest.fixture
def low_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    from chengxin.domains.queries.rules import DEFAULTS

    text = DEFAULTS.read_text(encoding="utf-8").replace("many_subjects = 30", "many_subjects = 5")
    path = tmp_path / "queries.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CHENGXIN_QUERY_RULES", str(path))
    return 5


def test_bulk_queries_raise_an_alert_and_the_auditor_suspends_the_token(
    env: Env, settings: Settings, db: Database, low_thresholds: int
) -> None:
    rng = random.Random(9)
    with unit_of_work(db) as s:
        codes = [
            subject_service.create_subject(
                s, actor=cli_actor("tests"), cipher=cipher(settings),
                data=LegalSubjectIn(kind="legal", name=f"批量查询测试{i}有限公司", uscc=make_uscc(rng)),
            ).uscc
            for i in range(low_thresholds)
        ]  # fmt: skip
    plat, auditor = env.auth(Role.platform), env.auth(Role.auditor)
    for code in codes:
        r = env.client.post(Q, json={"subject": code, "purpose": "onboarding"}, headers=plat)
        assert r.status_code == 200, r.text
        assert r.json()["basis"] == "purpose"  # a legal person: no authorisation needed
    assert abuse.settle(db)  # the rules look at each query once it is committed, a moment later
    alerts = env.client.get("/api/v1/query-alerts", headers=auditor).json()
    bulk = [a for a in alerts if a["rule"] == "many_subjects"]
    assert len(bulk) == 1 and bulk[0]["count"] == low_thresholds and bulk[0]["account"].startswith("token:")
    assert len(bulk[0]["query_ids"]) == low_thresholds
    page = env.client.get("/admin/queries", headers={**auditor, "Accept": "text/html"})
    assert page.status_code == 200 and "日志审查" in page.text and "短时间内查询大量不同主体" in page.text
    s = env.client.post(f"/api/v1/query-alerts/{bulk[0]['id']}/suspend-token", json={"reason": "批量查询无关主体"},
                        headers=auditor)  # fmt: skip
    assert s.status_code == 200 and s.json()["status"] == "suspended"
    # the token is refused from its next request on, whatever it asks
    after = env.client.post(Q, json={"subject": codes[0], "purpose": "onboarding"}, headers=plat)
    assert after.status_code == 403 and after.json()["code"] == "token_suspended", after.text
    assert "批量查询无关主体" in after.json()["reason"] and "批量查询无关主体" in after.json()["message_zh"]
    assert after.headers["content-type"].startswith("application/problem+json")
    for other in (env.client.get("/api/v1/me", headers=plat),
                  env.client.get("/me/queries", headers={**plat, "Accept": "text/html"}),
                  env.client.post("/api/v1/checks", json={"scenario": "platform_onboarding",
                                                          "subjects": [{"uscc": codes[0]}]}, headers=plat),
                  env.client.post("/api/v1/reports", json={"code": codes[0]}, headers=plat)):  # fmt: skip
        assert other.status_code == 403 and "token_suspended" in other.text, other.text
    token_id = int(bulk[0]["account"].split(":")[1])
    held = env.client.get("/api/v1/token-suspensions", headers=auditor).json()
    assert [t["token_id"] for t in held] == [token_id] and "批量查询无关主体" in held[0]["suspension_reason"]
    assert env.client.get("/api/v1/query-alerts", headers=auditor).json() == []  # closed
    lift = env.client.post(f"/api/v1/token-suspensions/{token_id}/lift", json={"reason": "已约谈整改"}, headers=auditor)
    assert lift.status_code == 200 and lift.json()["suspended_at"] is None
    assert env.client.post(Q, json={"subject": codes[0], "purpose": "onboarding"}, headers=plat).status_code == 200
    with unit_of_work(db, readonly=True) as s2:
        actions = set(s2.scalars(select(AuditEntry.action).where(AuditEntry.action.like("token.%"))))
    assert {"token.suspend", "token.lift_suspension"} <= actions


def test_query_log_and_purposes(env: Env) -> None:
    purposes = env.client.get("/api/v1/query-purposes").json()
    assert {"hiring", "lending", "supervision"} <= {p["key"] for p in purposes}
    env.client.get(f"/api/v1/queries/public?code={env.person_ric}")
    log = env.client.get(f"/api/v1/query-log?subject_id={env.person_id}", headers=env.auth(Role.auditor)).json()
    assert len(log) == 1 and log[0]["kind"] == "public" and log[0]["account"].startswith("ip:#")
    assert "testclient" not in str(log)
    assert env.client.get("/api/v1/query-log", headers=env.auth(Role.platform)).status_code == 403
