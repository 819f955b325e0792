"""Objections (异议) over HTTP, on SQLite and PostgreSQL: filed → marked → forwarded → corrected →
the subject sees the corrected version; revocation withdraws everywhere; the bad-input cases."""

from __future__ import annotations

import random
import threading
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.evaluation.models import EvaluationState, GradeChange
from chengxin.events import OutboxEvent
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc

PENALTY = {"violation_facts": "未按规定明码标价", "penalty_category": "罚款", "penalty_content": "罚款2000元"}


def _db(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined, no-any-return]


def _record(env: Env, source_id: str = "罚-1", decided: str = "2026-06-01") -> dict[str, Any]:
    body = {
        "type": "admin_penalty",
        "source_record_id": source_id,
        "decided_on": decided,
        "document_no": f"测市监罚〔2026〕{source_id}号",
        "subject": {"subject_id": env.person_id},
        "payload": PENALTY,
    }
    r = env.client.post("/api/v1/records", json=body, headers=env.auth(Role.department))
    assert r.status_code == 201, r.text
    got = env.client.get(f"/api/v1/records/{r.json()['record_id']}", headers=env.auth(Role.department))
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def _object(env: Env, record_id: int, kind: str = "content_error", role: Role = Role.subject) -> Any:
    return env.client.post(
        f"/api/v1/records/{record_id}/objections",
        json={"reason_kind": kind, "reasons": "罚款金额应为1000元", "requested": "罚款1000元"},
        headers=env.auth(role),
    )


def _file_statuses(env: Env) -> dict[int, str]:
    r = env.client.get(f"/api/v1/subjects/{env.person_id}/file", headers=env.auth(Role.subject))
    assert r.status_code == 200, r.text
    out: dict[int, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "status" in node and "id" in node and "type" in node:
                out[int(node["id"])] = str(node["status"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(r.json())
    return out


def test_object_forward_correct_and_the_subject_sees_the_corrected_version(env: Env) -> None:
    rec = _record(env)
    r = _object(env, rec["id"])
    assert r.status_code == 201, r.text
    obj = r.json()
    assert r.headers["location"] == f"/api/v1/objections/{obj['id']}"
    # the source's matter: forwarded to it at once, with due dates on the working-day calendar
    assert obj["handler"] == "source" and obj["status"] == "forwarded" and obj["decide_due"] > obj["filed_on"]
    assert _file_statuses(env)[rec["id"]] == "under_objection"  # marked at once, shown in the file
    # the department sees it in its queue; the subject sees its own
    queue = env.client.get("/api/v1/objections", headers=env.auth(Role.department)).json()
    assert [o["id"] for o in queue] == [obj["id"]]
    assert [o["id"] for o in env.client.get("/api/v1/objections", headers=env.auth(Role.subject)).json()] == [obj["id"]]
    # the source corrects the amount: a new version
    d = env.client.post(
        f"/api/v1/objections/{obj['id']}/decision",
        json={
            "outcome": "corrected",
            "reasons": "经核实，罚款金额为1000元",
            "correction": {"payload": {"penalty_content": "罚款1000元"}},
        },
        headers=env.auth(Role.department),
    )
    assert d.status_code == 200, d.text
    decided = d.json()
    assert decided["status"] == "decided" and decided["outcome"] == "corrected" and decided["result_record_id"]
    new = env.client.get(f"/api/v1/records/{decided['result_record_id']}", headers=env.auth(Role.department)).json()
    assert new["version"] == rec["version"] + 1 and new["payload"]["penalty_content"] == "罚款1000元"
    statuses = _file_statuses(env)
    assert statuses.get(new["id"]) == "active" and rec["id"] not in statuses  # the file shows the new version
    # told: an in-app notification with the result
    notes = env.client.get("/api/v1/me/notifications", headers=env.auth(Role.subject)).json()
    assert [n["kind"] for n in notes][:2] == ["objection.decided", "objection.filed"]
    assert "已更正" in notes[0]["title_zh"]
    # deciding twice: 409
    again = env.client.post(
        f"/api/v1/objections/{obj['id']}/decision",
        json={"outcome": "upheld", "reasons": "再次"},
        headers=env.auth(Role.department),
    )
    assert again.status_code == 409 and again.json()["code"] == "objection_decided"
    with unit_of_work(_db(env), readonly=True) as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.object_type == "objection"))]
    assert actions == ["objection.file", "objection.forward", "objection.decide"]


def test_the_centre_decides_its_own_and_a_revocation_is_withdrawn_everywhere(env: Env) -> None:
    rec = _record(env, "罚-2")
    obj = _object(env, rec["id"], kind="wrong_subject").json()
    assert obj["handler"] == "centre" and obj["status"] == "filed" and obj["forward_due"] is None
    # not the department's to decide while the centre holds it
    wrong = env.client.post(
        f"/api/v1/objections/{obj['id']}/decision",
        json={"outcome": "upheld", "reasons": "x"},
        headers=env.auth(Role.department),
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_the_deciding_organisation"
    d = env.client.post(
        f"/api/v1/objections/{obj['id']}/decision",
        json={"outcome": "revoked", "reasons": "记录主体匹配错误"},
        headers=env.auth(Role.credit_centre),
    )
    assert d.status_code == 200, d.text
    assert _file_statuses(env).get(d.json()["result_record_id"]) == "revoked"
    public = env.client.get(f"/api/v1/subjects/{env.person_id}/file").json()
    assert "罚-2" not in str(public)  # gone from the public API
    with unit_of_work(_db(env), readonly=True) as s:
        topics = {t for (t,) in s.execute(select(OutboxEvent.topic))}
        state = s.get(EvaluationState, env.person_id)
        assert state is not None and not state.stale and state.cause == "record.revoked"  # refreshed at once
        causes = s.scalars(select(GradeChange.cause).where(GradeChange.subject_id == env.person_id)).all()
        assert causes[-1] == "record.revoked"  # re-evaluated without the revoked record
    assert {"record.revoked", "sharing.withdrawal", "lists.recheck"} <= topics


def test_upheld_restores_the_record(env: Env) -> None:
    rec = _record(env, "罚-3")
    obj = _object(env, rec["id"], kind="other").json()
    d = env.client.post(
        f"/api/v1/objections/{obj['id']}/decision",
        json={"outcome": "upheld", "reasons": "记录无误"},
        headers=env.auth(Role.credit_centre),
    )
    assert d.status_code == 200 and d.json()["outcome_zh"] == "维持原记录"
    assert _file_statuses(env)[rec["id"]] == "active"


def test_bad_input(env: Env) -> None:
    rec = _record(env, "罚-4")
    # no standing: a department, a platform, or another subject
    for role in (Role.department, Role.platform):
        r = _object(env, rec["id"], role=role)
        assert r.status_code == 403, (role, r.text)
    made = env.client.post(
        "/api/v1/subjects",
        json={"kind": "legal", "name": "别家商贸有限公司", "uscc": make_uscc(random.Random(5))},
        headers=env.auth(Role.department),
    )
    assert made.status_code == 201, made.text
    with unit_of_work(_db(env)) as s:
        _, other = accounts.issue_token(
            s, actor=cli_actor("tests"), name="other", role=Role.subject, subject_id=made.json()["id"]
        )
    r = env.client.post(
        f"/api/v1/records/{rec['id']}/objections",
        json={"reason_kind": "other", "reasons": "x"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert r.status_code == 403 and r.json()["code"] == "no_standing"
    assert _object(env, rec["id"], kind="nonsense").json()["code"] == "invalid_reason_kind"
    first = _object(env, rec["id"]).json()
    dup = _object(env, rec["id"])
    assert dup.status_code == 409 and dup.json()["code"] == "objection_open"
    assert dup.json()["open_objection_id"] == first["id"]
    # a correction that changes nothing, or with a field that cannot change
    for correction, code in (
        ({"payload": {}}, "correction_changes_nothing"),
        ({"fingerprint": "x"}, "invalid_correction"),
    ):
        r = env.client.post(
            f"/api/v1/objections/{first['id']}/decision",
            json={"outcome": "corrected", "reasons": "x", "correction": correction},
            headers=env.auth(Role.department),
        )
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert env.client.get(f"/api/v1/objections/{first['id']}").status_code == 401


def test_two_reviewers_deciding_at_once_exactly_one_wins(env: Env) -> None:
    """On PostgreSQL the second UPDATE waits for the first's row lock, then finds the objection
    decided; on SQLite the second writer waits for the database lock, then finds the same."""
    rec = _record(env, "罚-5")
    obj = _object(env, rec["id"]).json()
    barrier = threading.Barrier(2)
    results: list[int] = []
    app = env.client.app

    def decide(outcome: str) -> None:
        with TestClient(app) as c:
            barrier.wait()
            r = c.post(
                f"/api/v1/objections/{obj['id']}/decision",
                json={"outcome": outcome, "reasons": outcome},
                headers=env.auth(Role.department),
            )
            results.append(r.status_code)

    threads = [threading.Thread(target=decide, args=(o,)) for o in ("upheld", "revoked")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]


def test_deadlines_follow_the_working_day_calendar(env: Env) -> None:
    from chengxin.domains.objections import rules

    policy = rules.default_policy()
    with unit_of_work(_db(env), readonly=True) as s:
        from chengxin.domains.calendar import service as calendar

        add = lambda d, n: (calendar.add_working_days(s, d, n).due, False)  # noqa: E731
        # filed on 2026-09-30 (Wednesday) for the source: forward by 2 working days after the National
        # Day holiday (10-01..10-07 off; 10-10, a Saturday, is a make-up working day)
        due = rules.deadlines_at_filing(policy, rules.Handler.source, date(2026, 9, 30), add)
    assert due.forward_due == date(2026, 10, 9)
    assert due.decide_due == date(2026, 10, 15)  # 10-10 (Sat, working), 10-12, 13, 14, 15
