"""Rectification under the 716 notice, with a moved clock: publication issues the notice (due in three
months), the subject signs its commitment letter and reports progress; once overdue the five escalation
steps open as tasks, once, and the platform hosting the merchant's shop receives a notice to restrict it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.app import create_app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.accounts import service as accounts
from chengxin.domains.assessments.models import PlatformNotice
from chengxin.domains.lists import rectification, rules, service
from chengxin.domains.lists.models import EscalationTask, Rectification
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.security.crypto import cipher
from chengxin.security.permissions import Role
from tests.factories import make_uscc, role_tokens
from tests.integration.lists.test_listing import CENTRE, TODAY, _penalty


def test_notice_commitment_ledger_and_escalation_when_overdue(db: Database, settings: Settings) -> None:
    import random

    with unit_of_work(db) as s:
        org = accounts.create_organisation(
            s, actor=CENTRE, kind="department", name="江苏省市场监督管理局", sector="market"
        )
        uscc = make_uscc(random.Random(9))
        platform = subjects.create_subject(
            s,
            actor=CENTRE,
            cipher=cipher(settings),
            data=LegalSubjectIn(kind="legal", name="青梧网络科技有限公司", uscc=uscc, roles=["platform_operator"]),
        )  # type: ignore[list-item]
        accounts.create_organisation(s, actor=CENTRE, kind="platform", name="青梧集市", code="P9", uscc=uscc)
        org_id, platform_id = org.id, platform.id
    sid, _ = _penalty(db, settings, org_id, "某某服饰有限公司", "吊销营业执照")
    with unit_of_work(db) as s:
        s.add(MarketAccount(account_id="SHOP-9", platform_id="P9", role="seller", created_at=utcnow(), subject_id=sid))
        [e] = service.propose(s, CENTRE, today=TODAY).candidates
        service.review(s, CENTRE, e.id, approve=True, note="同意")
        service.notify(s, CENTRE, e.id, today=TODAY)
        assert e.objection_until is not None
        published_on = e.objection_until + timedelta(days=1)
        service.run_due(s, CENTRE, today=published_on)
        r = s.scalar(select(Rectification).where(Rectification.subject_id == sid))
        assert r is not None and r.notice_no.startswith("ZG") and r.status == "open"
        assert r.due_on == rules.add_months(published_on, 3)  # due in three months
        rid, due = r.id, r.due_on
        tokens = role_tokens(s, subject_id=sid)
    me = {"Authorization": f"Bearer {tokens[Role.subject]}"}
    dept = {"Authorization": f"Bearer {tokens[Role.department]}"}
    with TestClient(create_app(settings)) as client:
        signed = client.post(f"/api/v1/rectifications/{rid}/sign", headers=me)
        assert signed.status_code == 200 and signed.json()["commitment_signed_at"] is not None, signed.text
        assert client.post(f"/api/v1/rectifications/{rid}/sign", headers=me).status_code == 409
        step = client.post(f"/api/v1/rectifications/{rid}/progress", json={"text": "已下架涉事商品"}, headers=me)
        assert [x["text"] for x in step.json()["ledger"]] == ["发出失信整改通知书", "签署信用承诺书", "已下架涉事商品"]
        notice = client.get(f"/rectifications/{rid}/notice", headers=me)
        assert notice.status_code == 200 and "失信整改通知书" in notice.text and str(due) in notice.text
        letter = client.get(f"/rectifications/{rid}/commitment", headers=me)
        assert "信用承诺书" in letter.text and "已于" in letter.text
        assert client.get(f"/rectifications/{rid}/notice").status_code == 404  # not the public's
        assert "整改通知书" in client.get("/me/lists", headers=me).text
    with unit_of_work(db) as s:  # the clock moves: the due day itself is not overdue, the next one is
        assert rectification.escalate_overdue(s, CENTRE, today=due) == 0
        assert rectification.escalate_overdue(s, CENTRE, today=due + timedelta(days=1)) == 1
        assert rectification.escalate_overdue(s, CENTRE, today=due + timedelta(days=2)) == 0  # once
        steps = list(s.scalars(select(EscalationTask.step).where(EscalationTask.rectification_id == rid)))
        assert steps == list(rules.load_rules().escalation)
        restrict = s.scalar(select(EscalationTask).where(EscalationTask.step == "platform_restrict"))
        assert restrict is not None and restrict.note == "已向 1 家平台发出限制通知"
        sent = s.scalar(select(PlatformNotice).where(PlatformNotice.subject_id == platform_id))
        assert sent is not None and sent.kind == "takedown" and "某某服饰有限公司" in sent.title
        assert s.get_one(Rectification, rid).status == "overdue"
    with TestClient(create_app(settings)) as client:
        tasks = client.get("/api/v1/escalation-tasks", headers=dept).json()
        assert len(tasks) == 5 and tasks[0]["step_zh"] == "约谈失信主体主要负责人"
        done = client.post(f"/api/v1/escalation-tasks/{tasks[0]['id']}/done", json={"text": "已约谈"}, headers=dept)
        assert done.status_code == 200 and done.json()["done_at"] is not None
        assert len(client.get("/api/v1/escalation-tasks", headers=dept).json()) == 4
        ledger = client.get("/admin/rectifications", headers=dept)
        assert ledger.status_code == 200 and "逾期未整改" in ledger.text and "某某服饰有限公司" in ledger.text
        ok = client.post(f"/api/v1/rectifications/{rid}/complete", json={"text": "整改材料审核通过"}, headers=dept)
        assert ok.status_code == 200 and ok.json()["status"] == "done"
        assert client.post(f"/api/v1/rectifications/{rid}/complete", json={"text": "x"}, headers=me).status_code == 403
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Rectification)) == 1
