"""Checks on both databases: identifiers match exactly and get the measures of the scenario with reason
and basis, a listed enterprise's legal representative is found, names get candidates but never an
interception, malformed items get their own error, and feedback and statistics are kept."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.app import create_app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.checks.models import Check
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.subjects import fuzzy
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.names import normalise_name
from chengxin.domains.subjects.schemas import LegalSubjectIn, NaturalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from chengxin.security.permissions import Role
from tests.factories import make_ric, make_uscc, role_tokens, wrong_check

ACTOR = cli_actor("tests")
RNG = random.Random(3)
LISTED, CLEAN, UNKNOWN = make_uscc(RNG), make_uscc(RNG), make_uscc(RNG)
PERSON = make_ric(RNG)


@pytest.fixture
def world(db: Database, settings: Settings) -> dict[str, Any]:
    pii = cipher(settings)
    with unit_of_work(db) as s:
        listed = subjects.create_subject(
            s,
            actor=ACTOR,
            cipher=pii,
            data=LegalSubjectIn(
                kind="legal", name="南京星橙信息技术有限公司", uscc=LISTED, legal_representative="王某某"
            ),
        )
        clean = subjects.create_subject(
            s, actor=ACTOR, cipher=pii, data=LegalSubjectIn(kind="legal", name="苏州澜湾电子商务有限公司", uscc=CLEAN)
        )
        person = subjects.create_subject(
            s, actor=ACTOR, cipher=pii, data=NaturalSubjectIn(kind="natural", name="李四", ric=PERSON)
        )
        s.add(
            ListEntry(
                list_kind="black",
                subject_id=listed.id,
                status="published",
                basis=[{"criterion": "x"}],
                published_on=date(2026, 10, 1),
                ends_on=date(2029, 10, 1),
            )
        )
        s.add(
            Evaluation(
                subject_id=person.id,
                model_version="natural-v1",
                weighted_units=0,
                score=40.0,
                grade="D",
                as_of=date(2026, 11, 24),
                engine="rules",
            )
        )
        tokens = role_tokens(s, subject_id=person.id)
        return {"listed": listed.id, "clean": clean.id, "person": person.id, "tokens": tokens}


def _auth(world: dict[str, Any], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {world['tokens'][role]}"}


def test_a_check_answers_each_subject_in_order(world: dict[str, Any], settings: Settings, db: Database) -> None:
    body = {
        "scenario": "platform_onboarding",
        "subjects": [
            {"uscc": LISTED},
            {"uscc": CLEAN.lower()},
            {"uscc": wrong_check(CLEAN)},
            {"name": "南京星橙信息技术有限公司"},
            {"name": "完全不存在的公司名称"},
            {"ric": PERSON},
            {"uscc": UNKNOWN},
            {"uscc": CLEAN, "name": "两个标识"},
        ],
    }
    with TestClient(create_app(settings)) as client:
        r = client.post("/api/v1/checks", json=body, headers=_auth(world, Role.platform))
        assert r.status_code == 200, r.text
        assert float(r.headers["server-timing"].removeprefix("app;dur=")) > 0  # the server's own time
        out = r.json()
        res = out["results"]
        assert [x["index"] for x in res] == list(range(8))
        blocked = res[0]
        assert (blocked["match"], blocked["decision"], blocked["lists"]) == ("uscc", "block", ["black"])
        p01 = blocked["measures"][0]
        assert p01["code"] == "P01" and p01["action"] == "block" and "严重失信主体名单" in p01["reason"]
        assert "2370" in p01["basis"] and {m["code"] for m in blocked["measures"]} == {"P01", "P03"}
        assert blocked["related_persons"][0]["name"] == "王某某"
        assert [m["code"] for m in blocked["related_persons"][0]["measures"]] == ["P01"]  # reaches related persons
        assert (res[1]["match"], res[1]["decision"], res[1]["measures"]) == ("uscc", "pass", [])
        assert res[2]["decision"] == "error" and res[2]["error"]["code"] == "uscc_check_character"
        named = res[3]
        assert named["match"] == "name" and named["measures"] == [] and named["decision"] == "pass"  # never on a name
        assert named["candidates"][0]["id"] == world["listed"] and named["candidates"][0]["lists"] == ["black"]
        assert named["candidates"][0]["score"] == 100.0
        assert res[4]["candidates"] == [] and res[4]["error"] is None
        assert res[5]["match"] == "ric" and res[5]["subject"]["name"] == "李*" and res[5]["grade"] == "D"
        assert PERSON not in r.text  # the identity number is never echoed
        assert (res[6]["match"], res[6]["subject"]) == ("none", None)
        assert res[7]["error"]["code"] == "one_identifier"
        inspection = client.post(
            "/api/v1/checks",
            json={"scenario": "inspection", "subjects": [{"ric": PERSON}]},
            headers=_auth(world, Role.department),
        ).json()
        assert inspection["results"][0]["measures"][0]["code"] == "P04"  # grade D: more inspections
        assert "信用等级为D" in inspection["results"][0]["measures"][0]["reason"]

        bad = client.post(
            "/api/v1/checks",
            json={"scenario": "dating", "subjects": [{"uscc": CLEAN}]},
            headers=_auth(world, Role.platform),
        )
        assert bad.status_code == 422 and bad.json()["code"] == "scenario_unknown"
        assert "platform_onboarding" in bad.json()["valid_scenarios"]
        big = {"scenario": "platform_onboarding", "subjects": [{"uscc": CLEAN}] * 10_001}
        too_many = client.post("/api/v1/checks", json=big, headers=_auth(world, Role.platform))
        assert too_many.status_code == 413 and too_many.json()["code"] == "check_too_large"
        names = {"scenario": "platform_onboarding", "subjects": [{"name": "某某有限公司"}] * 1_001}
        too_many_names = client.post("/api/v1/checks", json=names, headers=_auth(world, Role.platform))
        assert too_many_names.status_code == 413 and too_many_names.json()["code"] == "check_too_many_names"
        assert client.post("/api/v1/checks", json=body).status_code == 401
        assert client.post("/api/v1/checks", json=body, headers=_auth(world, Role.subject)).status_code == 403

        # feedback: the platform says it refused the shop (P01 applied) and did not publish (P03, with why)
        cid = out["check_id"]
        fb = [
            {"index": 0, "measure": "P01", "applied": True},
            {"index": 0, "measure": "P03", "applied": False, "reason": "本平台无公示栏目"},
        ]
        ok = client.post(f"/api/v1/checks/{cid}/feedback", json={"entries": fb}, headers=_auth(world, Role.platform))
        assert ok.status_code == 200 and ok.json() == {"recorded": 2}, ok.text
        wrong = [{"index": 1, "measure": "P01", "applied": True}, {"index": 0, "measure": "P03", "applied": False}]
        refused = client.post(
            f"/api/v1/checks/{cid}/feedback", json={"entries": wrong}, headers=_auth(world, Role.platform)
        )
        assert refused.status_code == 422 and [e["code"] for e in refused.json()["errors"]] == [
            "measure_not_returned",
            "reason_required",
        ]
        other = client.post(
            f"/api/v1/checks/{cid}/feedback", json={"entries": fb}, headers=_auth(world, Role.department)
        )
        assert other.status_code == 404
        stats = client.get("/api/v1/checks/statistics", headers=_auth(world, Role.auditor)).json()
        platform_row = next(x for x in stats if x["checks"] == 1 and x["measures"] == 2)
        assert (platform_row["applied"], platform_row["not_applied"], platform_row["implementation_rate"]) == (
            1,
            1,
            0.5,
        )
        catalog = client.get("/api/v1/measures").json()
        assert {"P01", "R01"} <= {m["code"] for m in catalog["measures"]} and "tendering" in catalog["scenarios"]
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Check)) == 2  # every check that ran is logged
        assert s.scalar(select(func.count()).where(AuditEntry.action == "check.run")) == 2


def test_names_written_otherwise_find_their_subject(world: dict[str, Any], settings: Settings, db: Database) -> None:
    """Traditional script, the other bracket width, another company form, one character mistyped — the
    subject is among the candidates, never intercepted; equally close names are all shown."""
    pii = cipher(settings)
    with unit_of_work(db) as s:

        def legal(name: str) -> int:
            data = LegalSubjectIn(kind="legal", name=name, uscc=make_uscc(RNG))
            return subjects.create_subject(s, actor=ACTOR, cipher=pii, data=data).id

        branch = legal("南京星橙信息技术有限公司（玄武分公司）")
        twins = [legal(f"无锡{c}源环保科技有限公司") for c in "甲乙丙丁戊己庚辛壬癸子丑"]
    queries = {
        "南京星橙資訊技術有限公司": None,  # traditional: 資訊 is not 信息, so one word differs — still a candidate
        "南京星橙信息技術有限公司": world["listed"],
        "南京星橙信息技术有限公司(玄武分公司)": branch,
        "南京星橙信息技术股份公司": world["listed"],
        "南京星澄信息技术有限公司": world["listed"],
        "南京星橙信息技有限公司": world["listed"],
        "苏州澜湾电子商务有限责仁公司": world["clean"],
    }
    body = {
        "scenario": "platform_onboarding",
        "subjects": [{"name": q} for q in queries] + [{"name": "无锡源环保科技有限公司"}],
    }
    with TestClient(create_app(settings)) as client:
        res = client.post("/api/v1/checks", json=body, headers=_auth(world, Role.platform)).json()["results"]
    for r, (q, expected) in zip(res, queries.items(), strict=False):
        ids = [c["id"] for c in r["candidates"]]
        assert r["measures"] == [] and r["decision"] == "pass", q
        if expected is not None:
            assert expected in ids, (q, r["candidates"])
    listed = next(c for c in res[4]["candidates"] if c["id"] == world["listed"])
    assert listed["lists"] == ["black"] and 80 < listed["score"] < 100  # the candidate's lists, however found
    tied = [c["id"] for c in res[-1]["candidates"]]
    assert set(twins) <= set(tied) and len(tied) == 12  # twelve names one character away: all shown, not ten


def test_the_feedback_queue_page(world: dict[str, Any], settings: Settings) -> None:
    """The platform sees the measures its checks returned and records, per measure, applied or why not."""
    auth = _auth(world, Role.platform)
    body = {"scenario": "platform_onboarding", "subjects": [{"uscc": LISTED}, {"uscc": CLEAN}]}
    with TestClient(create_app(settings)) as client:
        cid = client.post("/api/v1/checks", json=body, headers=auth).json()["check_id"]
        page = client.get("/checks/feedback", headers=auth)
        assert page.status_code == 200 and f"#{cid}-0" in page.text and "P01" in page.text and "P03" in page.text
        assert "南京星橙信息技术有限公司" in page.text and f"#{cid}-1" not in page.text  # the clean one returned none
        no_reason = {"index": "0", "measure": "P03", "applied": "no"}
        refused = client.post(f"/checks/{cid}/feedback", data=no_reason, headers=auth, follow_redirects=False)
        assert refused.status_code == 422
        done = client.post(f"/checks/{cid}/feedback", data=no_reason | {"reason": "本平台无公示栏目"}, headers=auth,
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        applied = {"index": "0", "measure": "P01", "applied": "yes"}
        assert (
            client.post(f"/checks/{cid}/feedback", data=applied, headers=auth, follow_redirects=False).status_code
            == 303
        )
        after = client.get("/checks/feedback", headers=auth).text
        assert f"#{cid}-0" not in after and 'id="feedback-empty"' in after and "50.0%" in after
        assert client.get("/checks/feedback", headers=_auth(world, Role.subject)).status_code == 403
        other = client.get("/checks/feedback", headers=_auth(world, Role.department)).text
        assert f"#{cid}-0" not in other  # another organisation's checks are not its queue


def test_the_name_index_follows_new_subjects(
    world: dict[str, Any], settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fuzzy, "RECHECK_S", 0.0)
    pii = cipher(settings)

    def typo_finds(name: str) -> set[int]:
        with unit_of_work(db, readonly=True) as s:
            return {sid for sid, _ in fuzzy.index_for(s).lookup(normalise_name(name))}

    assert world["listed"] in typo_finds("南京星澄信息技术有限公司")  # built on first use
    with unit_of_work(db) as s:
        data = LegalSubjectIn(kind="legal", name="常州瑞禾新材料有限公司", uscc=make_uscc(RNG))
        later = subjects.create_subject(s, actor=ACTOR, cipher=pii, data=data).id
    assert later in typo_finds("常州瑞和新材料有限公司")  # registered since: added on the next use
    with unit_of_work(db, readonly=True) as s:
        assert fuzzy.index_for(s).ids.count(later) == 1
