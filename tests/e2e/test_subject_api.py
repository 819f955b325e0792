"""The subject API over HTTP, as the issue's "Done when" describes it."""

from __future__ import annotations

import random

from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc, wrong_check


def test_bad_check_character_is_422_naming_the_problem(env: Env) -> None:
    code = wrong_check(make_uscc(random.Random(5)))
    r = env.client.post(
        "/api/v1/subjects",
        json={"kind": "legal", "name": "南京华信科技有限公司", "uscc": code},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "uscc_check_character"
    assert "position 18" in body["detail"]


def test_good_subject_201_then_lookup_and_409(env: Env) -> None:
    code = make_uscc(random.Random(6))
    payload = {"kind": "legal", "name": "南京華信科技有限公司", "uscc": code, "roles": ["merchant"]}
    r = env.client.post("/api/v1/subjects", json=payload, headers=env.auth(Role.department))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["uscc"] == code and created["roles"] == ["merchant"]
    assert r.headers["location"] == f"/api/v1/subjects/{created['id']}"
    got = env.client.get(f"/api/v1/subjects/by-code/{code.lower()}")
    assert got.status_code == 200 and got.json()["id"] == created["id"]
    dup = env.client.post("/api/v1/subjects", json=payload, headers=env.auth(Role.department))
    assert dup.status_code == 409 and dup.json()["code"] == "subject_exists"
    found = env.client.get("/api/v1/subjects", params={"q": "华信科技"}).json()
    assert [s["id"] for s in found["results"]] == [created["id"]]


def test_unknown_fields_rejected(env: Env) -> None:
    r = env.client.post(
        "/api/v1/subjects",
        json={"kind": "legal", "name": "x", "uscc": make_uscc(), "colour": 1},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_bad_ric_birth_date_named(env: Env) -> None:
    from chengxin.domains.subjects.identifiers import ric_check_char

    body = "32010219850230" + "123"
    r = env.client.post(
        "/api/v1/subjects",
        json={"kind": "natural", "name": "李四", "ric": body + ric_check_char(body)},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 422 and r.json()["code"] == "ric_birth_date"


def test_anonymous_sees_ric_masked_and_nothing_is_logged(env: Env) -> None:
    r = env.client.get(f"/api/v1/subjects/by-code/{env.person_ric}")
    assert r.status_code == 200
    body = r.json()
    assert body["ric"] != env.person_ric and "*" in body["ric"]
    assert body["name"] == "张**" and set(body["masked"]) == {"name", "ric"}
    audit = env.client.get(
        "/api/v1/audit", params={"action": "subject.read_personal"}, headers=env.auth(Role.auditor)
    ).json()
    assert audit == []


def test_authorised_read_is_clear_and_logged_with_purpose(env: Env) -> None:
    r = env.client.get(
        f"/api/v1/subjects/by-code/{env.person_ric}",
        params={"reveal": "true", "purpose": "行政处罚案件核查"},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 200
    assert r.json()["ric"] == env.person_ric and r.json()["masked"] == []
    entries = env.client.get(
        "/api/v1/audit", params={"action": "subject.read_personal"}, headers=env.auth(Role.auditor)
    ).json()
    assert len(entries) == 1
    e = entries[0]
    assert e["subject_id"] == env.person_id and e["purpose"] == "行政处罚案件核查"
    assert e["actor_role"] == "department" and e["fields"] == ["name", "ric"]


def test_reveal_without_purpose_stays_masked(env: Env) -> None:
    r = env.client.get(
        f"/api/v1/subjects/by-code/{env.person_ric}", params={"reveal": "true"}, headers=env.auth(Role.department)
    )
    assert r.json()["ric"] != env.person_ric and "ric" in r.json()["masked"]


def test_subject_reads_own_file_in_clear(env: Env) -> None:
    r = env.client.get(f"/api/v1/subjects/{env.person_id}", headers=env.auth(Role.subject))
    assert r.json()["ric"] == env.person_ric and r.json()["name"] == "张小明"


def test_public_name_search_never_lists_persons(env: Env) -> None:
    assert env.client.get("/api/v1/subjects", params={"q": "张小明"}).json()["results"] == []
    found = env.client.get("/api/v1/subjects", params={"q": "张小明"}, headers=env.auth(Role.department)).json()
    assert [r["id"] for r in found["results"]] == [env.person_id]


def test_update_and_audit_chain_endpoint(env: Env) -> None:
    code = make_uscc(random.Random(8))
    sid = env.client.post(
        "/api/v1/subjects",
        json={"kind": "legal", "name": "苏州甲乙贸易有限公司", "uscc": code},
        headers=env.auth(Role.department),
    ).json()["id"]
    r = env.client.patch(
        f"/api/v1/subjects/{sid}",
        json={"name": "苏州甲乙商贸有限公司", "roles": ["merchant"]},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 200 and r.json()["name"] == "苏州甲乙商贸有限公司"
    bad = env.client.patch(f"/api/v1/subjects/{sid}", json={"roles": ["courier"]}, headers=env.auth(Role.department))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_role"
    v = env.client.get("/api/v1/audit/verify", headers=env.auth(Role.auditor)).json()
    assert v["ok"] is True and v["checked"] >= 3
