"""The check lane (``checks.lane``) on both databases: it answers a bearer check by identifiers exactly as the
route does, logged the same way; it passes everything else on to the route; what it keeps in memory (the
caller's token, the record types in force) is read again as soon as the change feed says it changed —
whoever changed it — and a check it cannot log is not answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from chengxin.app import create_app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.catalog import rules as catalog_rules
from chengxin.domains.catalog import service as catalog
from chengxin.domains.checks import aio
from chengxin.domains.checks import lane as lane_module
from chengxin.domains.checks import log as checklog
from chengxin.domains.checks.lane import CheckLane
from chengxin.domains.checks.models import Check
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from tests.factories import wrong_check
from tests.integration.checks.test_checks import CLEAN, LISTED, PERSON, UNKNOWN, world  # noqa: F401

BODY = {
    "scenario": "platform_onboarding",
    "subjects": [{"uscc": LISTED}, {"uscc": CLEAN.lower()}, {"uscc": wrong_check(CLEAN)}, {"ric": PERSON},
                 {"uscc": UNKNOWN}, {"uscc": LISTED}],
}  # fmt: skip


def _lane(app: FastAPI) -> CheckLane:
    layer: Any = app.middleware_stack
    while not isinstance(layer, CheckLane):
        layer = layer.app
    return layer


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def _auth(world: dict[str, Any], role: Role = Role.platform, **extra: str) -> dict[str, str]:  # noqa: F811
    return {"Authorization": f"Bearer {world['tokens'][role]}", **extra}


def test_the_lane_answers_as_the_route(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = _auth(world, **{"X-Purpose": "onboarding review", "X-Request-Id": "lane-1"})
    fast = client.post("/api/v1/checks", json=BODY, headers=headers)
    lane = _lane(client.app)  # type: ignore[arg-type]
    assert fast.status_code == 200, fast.text
    assert (lane.answered, lane.passed) == (1, 0)
    assert float(fast.headers["server-timing"].removeprefix("app;dur=")) > 0
    assert fast.headers["content-type"] == "application/json"
    res = fast.json()["results"]
    assert [r["decision"] for r in res] == ["block", "pass", "error", "pass", "pass", "block"]
    assert res[3]["subject"]["name"] == "李*" and PERSON not in fast.text

    monkeypatch.setattr(lane_module, "LANE_ITEMS", 0)  # the same check, by the route
    slow = client.post("/api/v1/checks", json=BODY, headers=_auth(world, **{"X-Request-Id": "route-1"}))
    assert slow.status_code == 200 and (lane.answered, lane.passed) == (1, 1)
    assert slow.json()["results"] == res and slow.json()["check_id"] == fast.json()["check_id"] + 1

    monkeypatch.setattr(lane_module, "LANE_ITEMS", 50)
    by_query = client.post("/api/v1/checks?purpose=%E5%BC%80%E5%BA%97", json=BODY, headers=_auth(world))
    assert by_query.status_code == 200 and lane.answered == 2

    with unit_of_work(db, readonly=True) as s:
        a, b, _ = s.scalars(select(Check).order_by(Check.id)).all()
        assert a.outcome == b.outcome and (a.actor, a.organisation_id, a.hits) == (b.actor, b.organisation_id, b.hits)
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "check.run").order_by(AuditEntry.seq)).all()
        assert [(e.object_id, e.request_id) for e in entries[:2]] == [(str(a.id), "lane-1"), (str(b.id), "route-1")]
        assert [e.purpose for e in entries] == ["onboarding review", None, "开店"]
        assert len(entries[2].request_id or "") == 16  # made up when not given
        assert entries[0].detail == entries[1].detail


def test_what_the_lane_does_not_answer_goes_to_the_route(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
) -> None:
    one = {"scenario": "platform_onboarding", "subjects": [{"uscc": CLEAN}]}
    assert client.post("/api/v1/checks", json=one, headers=_auth(world)).status_code == 200
    lane = _lane(client.app)  # type: ignore[arg-type]
    unknown = client.post("/api/v1/checks", json={**one, "scenario": "dating"}, headers=_auth(world))
    assert unknown.status_code == 422 and "platform_onboarding" in unknown.json()["valid_scenarios"]
    assert client.post("/api/v1/checks", json=one, headers=_auth(world, Role.subject)).status_code == 403
    bad = client.post("/api/v1/checks", content=b'{"scenario": ', headers=_auth(world))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    wrong = client.post("/api/v1/checks", json=one, headers={"Authorization": "Bearer cx_nothing"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_token"
    named = client.post("/api/v1/checks", json={**one, "subjects": [{"name": "苏州澜湾电子商务有限公司"}]},
                        headers=_auth(world))  # fmt: skip
    assert named.status_code == 200 and named.json()["results"][0]["candidates"][0]["id"] == world["clean"]
    empty = client.post("/api/v1/checks", json={**one, "subjects": []}, headers=_auth(world))
    assert empty.status_code == 422 and empty.json()["code"] == "check_empty"
    assert (lane.answered, lane.passed) == (1, 6)


def test_a_token_changed_by_anyone_is_read_again(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grants: list[str] = []
    real = lane_module.token_grant
    monkeypatch.setattr(lane_module, "token_grant", lambda s, secret: grants.append(secret) or real(s, secret))
    one = {"scenario": "platform_onboarding", "subjects": [{"uscc": LISTED}]}
    for _ in range(3):
        assert client.post("/api/v1/checks", json=one, headers=_auth(world)).status_code == 200
    assert len(grants) == 1  # read once, then kept
    secret = world["tokens"][Role.platform]
    with unit_of_work(db) as s:  # behind the service's back, as another process or a DBA would
        s.execute(text("UPDATE api_tokens SET expires_at = :t WHERE name = 'test-platform'"),
                  {"t": utcnow() - timedelta(seconds=1)})  # fmt: skip
    expired = client.post("/api/v1/checks", json=one, headers=_auth(world))
    assert expired.status_code == 401 and expired.json()["code"] == "invalid_token" and len(grants) == 2
    with unit_of_work(db) as s:
        s.execute(text("UPDATE api_tokens SET expires_at = NULL WHERE name = 'test-platform'"))
    assert client.post("/api/v1/checks", json=one, headers=_auth(world)).status_code == 200
    with unit_of_work(db) as s:  # suspended by an auditor: refused with the reason, by the route
        s.execute(text("UPDATE api_tokens SET suspended_at = :t, suspension_reason = '批量查询' "
                       "WHERE name = 'test-platform'"), {"t": utcnow()})  # fmt: skip
    suspended = client.post("/api/v1/checks", json=one, headers=_auth(world))
    assert suspended.status_code == 403 and suspended.json()["code"] == "token_suspended"
    assert suspended.json()["reason"] == "批量查询"
    with unit_of_work(db) as s:
        s.execute(
            text("UPDATE api_tokens SET suspended_at = NULL, suspension_reason = NULL WHERE name = 'test-platform'")
        )
    assert client.post("/api/v1/checks", json=one, headers=_auth(world)).status_code == 200
    with unit_of_work(db) as s:
        s.execute(text("UPDATE api_tokens SET revoked_at = :t WHERE name = 'test-platform'"), {"t": utcnow()})
    revoked = client.post("/api/v1/checks", json=one, headers=_auth(world))
    assert revoked.status_code == 401 and revoked.json()["code"] == "invalid_token"
    assert grants.count(secret) == 6 and _lane(client.app).answered == 5  # type: ignore[arg-type]


def test_a_new_catalog_version_is_read_again(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[int] = []
    real = lane_module.active_catalog
    monkeypatch.setattr(lane_module, "active_catalog", lambda s: reads.append(1) or real(s))
    one = {"scenario": "platform_onboarding", "subjects": [{"uscc": LISTED}]}
    first = client.post("/api/v1/checks", json=one, headers=_auth(world)).json()["results"]
    assert client.post("/api/v1/checks", json=one, headers=_auth(world)).json()["results"] == first
    assert len(reads) == 1
    with unit_of_work(db) as s:
        current = catalog.active_catalog(s)
        catalog.replace_catalog(s, cli_actor("tests"), catalog_rules.as_config(current), note="同一目录 same again")
    assert client.post("/api/v1/checks", json=one, headers=_auth(world)).json()["results"] == first
    assert len(reads) == 2 and _lane(client.app).answered == 3  # type: ignore[arg-type]


def test_a_check_that_cannot_be_logged_is_not_answered(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_db: Database, _batch: list[checklog.Entry]) -> None:
        raise RuntimeError("disk full")

    async def broken_on_the_loop(_self: Any, _batch: list[checklog.Entry]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(checklog, "commit", broken)  # SQLite: the log's thread
    monkeypatch.setattr(aio.AsyncPostgres, "_commit", broken_on_the_loop)  # PostgreSQL: the event loop
    r = client.post("/api/v1/checks", json=BODY, headers=_auth(world))
    assert r.status_code == 503 and r.json()["code"] == "check_not_logged"
    assert r.headers["content-type"] == "application/problem+json" and LISTED not in r.text
    assert _lane(client.app).answered == 1  # type: ignore[arg-type]
    with unit_of_work(db, readonly=True) as s:
        assert s.scalars(select(Check)).all() == []


def test_an_index_to_build_first_is_left_to_the_route(
    world: dict[str, Any],  # noqa: F811
    client: TestClient,
) -> None:
    from chengxin.domains.checks import standing

    one = {"scenario": "platform_onboarding", "subjects": [{"uscc": LISTED}]}
    standing.forget()  # as after a restore: built again, off the event loop, by the route
    first = client.post("/api/v1/checks", json=one, headers=_auth(world))
    assert first.status_code == 200 and first.json()["results"][0]["decision"] == "block"
    second = client.post("/api/v1/checks", json=one, headers=_auth(world))
    assert second.json()["results"] == first.json()["results"]
    lane = _lane(client.app)  # type: ignore[arg-type]
    assert (lane.passed, lane.answered) == (1, 1)
