"""The listing procedure on both databases: a serious penalty proposes a black-list candidate; the
procedure cannot be skipped (review one level up, notice, objection window); an objection is decided;
the listing is published by the daily run, shown publicly, and removed at once when its basis is
revoked — or at the end of its period."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.accounts import service as accounts
from chengxin.domains.lists import rules, service
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.notifications.models import Notification
from chengxin.domains.records import service as records
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.errors import InvalidInput
from chengxin.events import OutboxEvent
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role
from chengxin.workflows import withdrawal
from tests.factories import make_uscc

CENTRE = cli_actor("tests")
TODAY = date(2026, 11, 24)


def _dept(org_id: int) -> Actor:
    return Actor(
        role=Role.department, label=f"user:dept{org_id}", permissions=MATRIX[Role.department], organisation_id=org_id
    )


def _penalty(db: Database, settings: Settings, org: int, name: str, category: str, n: int = 1) -> tuple[int, list[int]]:
    rng = random.Random(name)
    with unit_of_work(db) as s:
        subject = subjects.create_subject(
            s,
            actor=CENTRE,
            data=LegalSubjectIn(kind="legal", name=name, uscc=make_uscc(rng), roles=["merchant"]),
            cipher=cipher(settings),
        )  # type: ignore[list-item]
        subs = [
            Submission(
                "admin_penalty",
                f"{name}-{i}",
                TODAY - timedelta(days=30 + i),
                Party(subject_id=subject.id),
                document_no=f"罚{name}{i}",
                payload={"violation_facts": "销售假冒商品", "penalty_category": category, "penalty_content": category},
            )
            for i in range(n)
        ]
        counts = records.submit(s, actor=CENTRE, source_org_id=org, submissions=subs, cipher=cipher(settings))
        assert counts.created == n
        ids = list(s.scalars(select(records.CreditRecord.id).where(records.CreditRecord.subject_id == subject.id)))
        return subject.id, ids


@pytest.fixture
def orgs(db: Database) -> dict[str, int]:
    with unit_of_work(db) as s:
        province = accounts.create_organisation(
            s, actor=CENTRE, kind="department", name="江苏省市场监督管理局", sector="market"
        )
        city = accounts.create_organisation(
            s, actor=CENTRE, kind="department", name="南京市市场监督管理局", sector="market", parent_id=province.id
        )
        other = accounts.create_organisation(s, actor=CENTRE, kind="department", name="江苏省商务厅", sector="commerce")
        return {"province": province.id, "city": city.id, "other": other.id}


def test_the_procedure_cannot_be_skipped_and_ends_when_the_basis_is_revoked(
    db: Database, settings: Settings, orgs: dict[str, int]
) -> None:
    sid, [record_id] = _penalty(db, settings, orgs["city"], "某某电子商务有限公司", "吊销营业执照")
    minor, _ = _penalty(db, settings, orgs["city"], "某某贸易有限公司", "警告")
    with unit_of_work(db) as s:
        found = service.propose(s, CENTRE, today=TODAY)
        assert [(e.subject_id, e.list_kind) for e in found.candidates] == [(sid, "black")]  # a warning lists nobody
        entry = found.candidates[0]
        assert entry.basis[0]["record_ids"] == [record_id] and entry.deciding_org_id == orgs["city"]
        assert service.propose(s, CENTRE, today=TODAY).candidates == []  # one open listing per list
        eid = entry.id
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as skipped:
        service.publish(s, CENTRE, eid, today=TODAY)
    assert skipped.value.code == "list_step_refused"
    for who in ("city", "other"):  # a city's listing is reviewed one level up: by the province
        with unit_of_work(db) as s, pytest.raises(InvalidInput) as wrong:
            service.review(s, _dept(orgs[who]), eid, approve=True, note="同意")
        assert wrong.value.code == "list_reviewer"
    with unit_of_work(db) as s:
        assert [e.id for e in service.queue(s, _dept(orgs["province"]))] == [eid]
        service.review(s, _dept(orgs["province"]), eid, approve=True, note="事实清楚，同意列入")
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as unnotified:
        service.publish(s, CENTRE, eid, today=TODAY)
    assert unnotified.value.code == "list_step_refused"
    with unit_of_work(db) as s:
        e = service.notify(s, _dept(orgs["province"]), eid, today=TODAY)
        until = e.objection_until
        assert until is not None and until >= TODAY + timedelta(days=5)  # five working days
        note = s.scalar(select(Notification).where(Notification.subject_id == sid, Notification.kind == "list.notice"))
        assert note is not None and "严重失信主体名单" in note.title_zh and str(until) in note.body_zh
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as early:
        service.publish(s, CENTRE, eid, today=TODAY)
    assert early.value.code == "objection_window_open"
    subject_actor = Actor(role=Role.subject, label="user:m", permissions=MATRIX[Role.subject], subject_id=sid)
    with unit_of_work(db) as s:
        service.object_to(s, subject_actor, eid, text="已整改完毕，请求不予列入", today=TODAY + timedelta(days=1))
        service.decide_objection(s, _dept(orgs["province"]), eid, upheld=False, answer="违法事实清楚，异议不成立")
    assert until is not None
    with unit_of_work(db) as s:
        due = service.run_due(s, CENTRE, today=until)  # the window's last day: not yet
        assert due.published == 0
        due = service.run_due(s, CENTRE, today=until + timedelta(days=1))
        assert due.published == 1
        published = s.get_one(ListEntry, eid)
        assert published.status == "published" and published.ends_on == date(2029, until.month, until.day + 1)
        assert s.scalar(select(OutboxEvent).where(OutboxEvent.topic == "list.published")) is not None
    from chengxin.app import create_app

    with unit_of_work(db) as s:  # the merchant has a shop on a platform
        s.add(MarketAccount(account_id="SHOP-1", platform_id="P1", role="seller", created_at=utcnow(), subject_id=sid))
    before = utcnow()
    with TestClient(create_app(settings)) as client:
        page = client.get("/api/v1/lists/black", params={"q": "电子商务"}).json()
        assert page["total"] == 1 and page["entries"][0]["subject_id"] == sid
        assert page["entries"][0]["reasons"] == ["严重违法行为受到较重行政处罚"]
        assert client.get("/api/v1/lists/black", params={"q": "贸易"}).json()["total"] == 0
        assert client.get("/api/v1/lists/grey").status_code == 422
        assert client.get("/api/v1/lists/red", params={"q": "\x00"}).status_code == 422  # PostgreSQL refuses NUL
        html = client.get("/lists/black", params={"q": "电子商务"})
        assert html.status_code == 200 and "某某电子商务有限公司" in html.text and 'id="list-entries"' in html.text
        exported = client.get("/lists/black/export.csv").content.decode("utf-8-sig")
        assert "某某电子商务有限公司" in exported and "严重违法行为受到较重行政处罚" in exported
        # the consumer warning: on the merchant's pages and for platforms
        [warning] = client.get("/api/v1/consumer-warnings").json()
        assert (
            warning["subject_id"] == sid and warning["shop_account_ids"] == ["SHOP-1"] and warning["lifted_at"] is None
        )
        assert "消费警示" in client.get(f"/subjects/{sid}").text
        assert "消费警示" in client.get("/merchants/SHOP-1").text
    with unit_of_work(db) as s:  # the penalty is revoked: the listing ends at once, and its warning
        withdrawal.revoke(s, actor=CENTRE, record_id=record_id, reason="行政复议撤销")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/consumer-warnings").json() == []
        [lifted] = client.get("/api/v1/consumer-warnings", params={"since": before.isoformat()}).json()
        assert lifted["lifted_at"] is not None and lifted["lift_reason"] == "处罚决定撤销移出"
        assert "消费警示" not in client.get(f"/subjects/{sid}").text
        assert "消费警示" not in client.get("/merchants/SHOP-1").text
    with unit_of_work(db, readonly=True) as s:
        gone = s.get_one(ListEntry, eid)
        assert (gone.status, gone.removal_reason) == ("removed", "revoked")
    assert minor


def test_a_listing_ends_with_its_period_and_a_repaired_basis_only_after_the_minimum(
    db: Database, settings: Settings, orgs: dict[str, int]
) -> None:
    sid, _ = _penalty(db, settings, orgs["province"], "某某网络科技有限公司", "责令关闭")
    with unit_of_work(db) as s:
        [e] = service.propose(s, CENTRE, today=TODAY).candidates
        service.review(s, _dept(orgs["province"]), e.id, approve=True, note="同意")  # no parent: its own review
        service.notify(s, CENTRE, e.id, today=TODAY)
        assert e.objection_until is not None
        service.run_due(s, CENTRE, today=e.objection_until + timedelta(days=1))
        assert e.status == "published" and e.ends_on is not None
        ends = e.ends_on
        assert service.run_due(s, CENTRE, today=ends - timedelta(days=1)).removed == {}
        assert service.run_due(s, CENTRE, today=ends).removed == {"expired": 1}
        assert e.status == "removed" and e.removed_on == ends
    kind = rules.load_rules().lists["black"]
    assert (
        rules.removal(
            kind,
            published_on=TODAY,
            ends_on=TODAY + timedelta(days=1000),
            still_qualifies=False,
            basis_revoked=False,
            today=TODAY + timedelta(days=100),
        )
        is None
    )
    assert sid


def test_department_warnings_pages_and_the_queue(db: Database, settings: Settings, orgs: dict[str, int]) -> None:
    from chengxin.app import create_app
    from tests.factories import role_tokens

    sid, _ = _penalty(db, settings, orgs["province"], "某某食品有限公司", "吊销许可证")
    with unit_of_work(db) as s:
        tokens = role_tokens(s, subject_id=sid)
        [e] = service.propose(s, CENTRE, today=TODAY).candidates
    dept = {"Authorization": f"Bearer {tokens[Role.department]}"}
    centre = {"Authorization": f"Bearer {tokens[Role.credit_centre]}"}
    me = {"Authorization": f"Bearer {tokens[Role.subject]}"}
    with TestClient(create_app(settings)) as client:
        queue = client.get("/admin/lists", headers=centre)
        assert queue.status_code == 200 and "某某食品有限公司" in queue.text
        r = client.post(
            f"/admin/lists/{e.id}", data={"action": "approve", "note": "同意"}, headers=centre, follow_redirects=False
        )
        assert r.status_code == 303
        r = client.post(f"/admin/lists/{e.id}", data={"action": "notify"}, headers=centre, follow_redirects=False)
        assert r.status_code == 303
        mine = client.get("/api/v1/me/lists", headers=me).json()
        assert [(x["id"], x["status"]) for x in mine] == [(e.id, "notified")]
        page = client.get("/me/lists", headers=me)
        assert "已告知（异议期）" in page.text and "严重失信主体名单" in page.text
        obj = client.post(f"/api/v1/list-entries/{e.id}/objection", json={"text": "事实有误"}, headers=me)
        assert obj.status_code == 200 and obj.json()["status"] == "objected"
        r = client.post(
            f"/admin/lists/{e.id}",
            data={"action": "uphold", "note": "异议成立"},
            headers=centre,
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert client.get("/api/v1/me/lists", headers=me).json()[0]["status"] == "withdrawn"
        # a department pushes a warning about a serious listing of its own, then lifts it
        pushed = client.post(
            "/api/v1/consumer-warnings",
            json={"subject_id": sid, "text": "该企业被列入严重违法失信名单", "basis": "苏市监罚〔2026〕1号"},
            headers=dept,
        )
        assert pushed.status_code == 201, pushed.text
        wid = pushed.json()["id"]
        assert "该企业被列入严重违法失信名单" in client.get(f"/subjects/{sid}").text
        assert (
            client.post(f"/api/v1/consumer-warnings/{wid}/lift", json={"reason": "已移出"}, headers=centre).status_code
            == 200
        )
        again = client.post(f"/api/v1/consumer-warnings/{wid}/lift", json={"reason": "x"}, headers=dept)
        assert again.status_code == 409 and again.json()["code"] == "warning_lifted"
        assert client.get("/api/v1/consumer-warnings").json() == []
        assert (
            client.post(
                "/api/v1/consumer-warnings",
                json={"subject_id": sid, "text": "x", "basis": "y"},
                headers={"Authorization": f"Bearer {tokens[Role.platform]}"},
            ).status_code
            == 403
        )
