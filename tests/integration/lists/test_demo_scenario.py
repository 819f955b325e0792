"""The lists' walk on the demo province, through the API (issue 7's "done when"): a serious penalty →
a black-list candidate → review → notice → published (the clock moved past the objection window) → a
platform's onboarding check is blocked with reason and basis → feedback recorded → the listing expires
(the clock moved to its end) → removed → the same check passes; the consumer warning appears on the
merchant's shop page and disappears."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.app import create_app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.marketplace import load_market
from chengxin.demo.province import generate_province
from chengxin.domains.lists import service
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.subjects.models import Subject
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.factories import role_tokens

TODAY = date(2026, 11, 24)


def test_penalty_to_listing_to_interception_to_removal(settings: Settings, db: Database) -> None:
    province = generate_province(seed=5, enterprises=400, persons=100)
    load_province(db, settings, province, today=TODAY)
    load_market(db, settings, province, today=TODAY, orders=3000)
    with unit_of_work(db) as s:
        serious = select(CreditRecord.subject_id).where(CreditRecord.severity == "serious")
        shop, sid, uscc = s.execute(
            select(MarketAccount.account_id, Subject.id, Subject.uscc)
            .join(Subject, Subject.id == MarketAccount.subject_id)
            .where(Subject.kind == "legal", ~Subject.id.in_(serious))
            .order_by(Subject.id)
            .limit(1)
        ).one()
        tokens = role_tokens(s, subject_id=sid)
    dept, platform = ({"Authorization": f"Bearer {tokens[r]}"} for r in (Role.department, Role.platform))
    check = {"scenario": "platform_onboarding", "subjects": [{"uscc": uscc}]}
    with TestClient(create_app(settings)) as c:
        penalty = {
            "type": "admin_penalty",
            "source_record_id": "SCENARIO-1",
            "subject": {"uscc": uscc},
            "decided_on": str(TODAY),
            "document_no": "苏市监罚〔2026〕88号",
            "payload": {
                "violation_facts": "销售假冒注册商标商品，情节严重",
                "penalty_category": "吊销营业执照",
                "penalty_content": "吊销营业执照",
            },
        }
        assert c.post("/api/v1/records", json=penalty, headers=dept).status_code == 201
        [cand] = c.post("/api/v1/list-entries/propose", json={"subject_ids": [sid]}, headers=dept).json()
        assert (cand["list_kind"], cand["status"]) == ("black", "candidate")
        assert c.post(f"/api/v1/list-entries/{cand['id']}/publish", headers=dept).json()["code"] == "list_step_refused"
        r = c.post(
            f"/api/v1/list-entries/{cand['id']}/review", json={"approve": True, "note": "同意列入"}, headers=dept
        )
        assert r.status_code == 200, r.text
        notified = c.post(f"/api/v1/list-entries/{cand['id']}/notify", headers=dept).json()
        assert notified["status"] == "notified" and notified["objection_until"] > str(TODAY)
        assert c.post("/api/v1/checks", json=check, headers=platform).json()["results"][0]["decision"] == "pass"
    with unit_of_work(db) as s:  # the clock moves past the objection window: the daily run publishes
        entry = s.get_one(ListEntry, cand["id"])
        assert entry.objection_until is not None
        service.run_due(s, cli_actor("tests"), today=date.fromordinal(entry.objection_until.toordinal() + 1))
        assert entry.status == "published" and entry.ends_on is not None
        ends = entry.ends_on
    with TestClient(create_app(settings)) as c:
        out = c.post("/api/v1/checks", json=check, headers=platform).json()
        res = out["results"][0]
        assert res["decision"] == "block" and res["lists"] == ["black"]
        p01 = res["measures"][0]
        assert p01["code"] == "P01" and "严重失信主体名单" in p01["reason"] and "2370" in p01["basis"]
        assert "消费警示" in c.get(f"/merchants/{shop}").text
        fb = c.post(
            f"/api/v1/checks/{out['check_id']}/feedback",
            headers=platform,
            json={"entries": [{"index": 0, "measure": "P01", "applied": True}]},
        )
        assert fb.json() == {"recorded": 1}
    with unit_of_work(db) as s:  # the clock moves to the end of the period
        assert service.run_due(s, cli_actor("tests"), today=ends).removed == {"expired": 1}
    with TestClient(create_app(settings)) as c:
        assert c.post("/api/v1/checks", json=check, headers=platform).json()["results"][0]["decision"] == "pass"
        assert "消费警示" not in c.get(f"/merchants/{shop}").text
