"""Credit repair (信用修复) over HTTP, on SQLite and PostgreSQL: eligibility shown before applying →
apply → approve → the record is gone from public pages and the public API, the outbox holds the
withdrawal, the audit chain has every step; and the bad-input cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.events import OutboxEvent
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env

PENALTY = {"violation_facts": "销售过期食品", "penalty_category": "罚款", "penalty_content": "罚款5000元"}


def _db(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined, no-any-return]


def _record(env: Env, source_id: str, decided: str) -> int:
    body = {
        "type": "admin_penalty",
        "source_record_id": source_id,
        "decided_on": decided,
        "document_no": f"测市监罚〔{decided[:4]}〕{source_id}号",
        "subject": {"subject_id": env.person_id},
        "payload": PENALTY,
    }
    r = env.client.post("/api/v1/records", json=body, headers=env.auth(Role.department))
    assert r.status_code == 201, r.text
    return int(r.json()["record_id"])


def _apply(env: Env, record_id: int, evidence: list[dict[str, str]] | None = None) -> Any:
    body = {
        "record_id": record_id,
        "statement": "已缴纳罚款并完成整改",
        "evidence": evidence
        if evidence is not None
        else [{"kind": "obligations_fulfilled", "description": "罚款缴款书 No.123"}],
    }
    return env.client.post("/api/v1/repairs", json=body, headers=env.auth(Role.subject))


def test_eligibility_apply_approve_and_the_record_is_withdrawn_everywhere(env: Env) -> None:
    old = _record(env, "R-1", "2025-06-01")  # Order 58: 3 months minimum, long past
    recent = _record(env, "R-2", "2026-10-01")  # Order 36, general: 3 months minimum, not yet
    shown = {
        e["record_id"]: e
        for e in env.client.get(
            f"/api/v1/subjects/{env.person_id}/repair/eligibility", headers=env.auth(Role.subject)
        ).json()
    }
    assert shown[old]["eligible"] is True and shown[old]["decider"] == "source"
    assert [e["kind"] for e in shown[old]["evidence_required"]] == ["obligations_fulfilled"]
    assert shown[recent]["eligible"] is False and shown[recent]["eligible_from"] == "2027-01-01"
    assert [r["code"] for r in shown[recent]["reasons"]] == ["minimum_period"]
    # applying for the record not yet eligible: 422 saying why and from when
    early = _apply(env, recent)
    assert early.status_code == 422 and early.json()["code"] == "not_eligible"
    assert early.json()["eligible_from"] == "2027-01-01" and early.json()["reasons"] == ["minimum_period"]
    # the repair commitment and the evidence are required
    no_commitment = _apply(env, old)
    assert no_commitment.status_code == 422 and no_commitment.json()["missing"] == ["commitment_missing"]
    signed = env.client.post(
        f"/api/v1/subjects/{env.person_id}/commitments",
        json={"template": "credit_repair"},
        headers=env.auth(Role.subject),
    )
    assert signed.status_code == 201, signed.text
    no_evidence = _apply(env, old, evidence=[])
    assert no_evidence.status_code == 422 and no_evidence.json()["missing"] == ["evidence_missing"]
    r = _apply(env, old)
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "submitted" and app["review_due"] > app["applied_on"] and app["commitment_id"]
    dup = _apply(env, old)
    assert dup.status_code == 409 and dup.json()["open_application_id"] == app["id"]
    # the source decides; the credit centre may not (the record's source is the decider)
    wrong = env.client.post(
        f"/api/v1/repairs/{app['id']}/decision",
        json={"approve": True, "reasons": "x"},
        headers=env.auth(Role.credit_centre),
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_the_deciding_organisation"
    assert [a["id"] for a in env.client.get("/api/v1/repairs", headers=env.auth(Role.department)).json()] == [app["id"]]
    public_before = env.client.get(f"/api/v1/subjects/{env.person_id}/file").text
    assert "R-1号" in public_before
    ok = env.client.post(
        f"/api/v1/repairs/{app['id']}/decision",
        json={"approve": True, "reasons": "已履行义务，同意修复"},
        headers=env.auth(Role.department),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "approved" and ok.json()["status_zh"] == "修复成功"
    # gone from the public API and the public page at once; the subject still sees it, as repaired
    assert "R-1号" not in env.client.get(f"/api/v1/subjects/{env.person_id}/file").text
    assert "R-1号" not in env.client.get(f"/subjects/{env.person_id}", headers={"Accept": "text/html"}).text
    own = env.client.get(f"/api/v1/records/{old}", headers=env.auth(Role.department)).json()
    assert own["status"] == "repaired"
    again = env.client.post(
        f"/api/v1/repairs/{app['id']}/decision",
        json={"approve": False, "reasons": "x"},
        headers=env.auth(Role.department),
    )
    assert again.status_code == 409 and again.json()["code"] == "repair_decided"
    with unit_of_work(_db(env), readonly=True) as s:
        withdrawal = [
            e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "sharing.withdrawal"))
        ]
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))]
    assert [p["object_ids"] for p in withdrawal] == [[old]] and withdrawal[0]["cause"] == "repaired"
    assert actions[-3:] == ["repair.apply", "repair.decide", "record.repair"]
    notes = [n["kind"] for n in env.client.get("/api/v1/me/notifications", headers=env.auth(Role.subject)).json()]
    assert notes[:2] == ["repair.decided", "repair.submitted"]
    # a second repair within a year is refused, saying from when
    third = _record(env, "R-3", "2025-05-01")
    later = [
        e
        for e in env.client.get(
            f"/api/v1/subjects/{env.person_id}/repair/eligibility", headers=env.auth(Role.subject)
        ).json()
        if e["record_id"] == third
    ]
    assert later[0]["eligible"] is False and {r["code"] for r in later[0]["reasons"]} >= {"repeat_too_soon"}


def test_no_standing_and_bad_input(env: Env) -> None:
    rec = _record(env, "R-9", "2025-06-01")
    for role in (Role.department, Role.platform, Role.public):
        r = env.client.post("/api/v1/repairs", json={"record_id": rec, "statement": "x"}, headers=env.auth(role))
        assert r.status_code in (401, 403), (role, r.text)
    r = _apply(env, rec, evidence=[{"kind": "bribe", "description": "x"}])
    assert r.status_code == 422 and r.json()["code"] == "invalid_evidence_kind"
    assert (
        env.client.get(
            f"/api/v1/subjects/{env.person_id}/repair/eligibility", headers=env.auth(Role.department)
        ).status_code
        == 403
    )
