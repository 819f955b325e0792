"""Credit commitments (信用承诺) over HTTP: signing online, paper commitments, breaches, listing,
and the self-service page. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.subjects.service import legal_today
from chengxin.events import OutboxEvent
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from chengxin.templating import templates
from tests.e2e.conftest import Env
from tests.factories import make_uscc

HTML = {"Accept": "text/html"}


def _db(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined, no-any-return]


def _company(env: Env, name: str, roles: list[str], seed: int) -> int:
    r = env.client.post(
        "/api/v1/subjects",
        json={"kind": "legal", "name": name, "uscc": make_uscc(random.Random(seed)), "roles": roles},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _subject_token(env: Env, subject_id: int) -> dict[str, str]:
    with unit_of_work(_db(env)) as s:
        _, secret = accounts.issue_token(
            s, actor=cli_actor("tests"), name=f"subject-{subject_id}", role=Role.subject, subject_id=subject_id
        )
    return {"Authorization": f"Bearer {secret}"}


def _paper(env: Env, subject_id: int, template: str = "seven_day_returns", **extra: Any) -> Any:
    body = {"template": template, "signatory": "李建国", "signed_on": "2025-05-01", **extra}
    return env.client.post(
        f"/api/v1/subjects/{subject_id}/commitments/paper", json=body, headers=env.auth(Role.department)
    )


def test_templates_are_listed_with_their_wording(env: Env) -> None:
    r = env.client.get("/api/v1/commitments/templates")
    assert r.status_code == 200
    by_code = {t["code"]: t for t in r.json()}
    assert len(by_code) == 10 and "credit_repair" in by_code
    assert by_code["seven_day_returns"]["title"] == "七日无理由退货承诺书"
    assert "{name}" in by_code["law_abiding"]["text"]
    # a natural person with no roles may sign the general commitments only
    mine = {t["code"] for t in env.client.get(f"/api/v1/commitments/templates?subject_id={env.person_id}").json()}
    assert {"law_abiding", "truthful_information", "credit_repair"} <= mine
    assert "price_integrity" not in mine and "platform_responsibility" not in mine


def test_signed_commitment_appears_in_public_listing_and_the_credit_file(env: Env) -> None:
    r = env.client.post(
        f"/api/v1/subjects/{env.person_id}/commitments",
        json={"template": "law_abiding"},
        headers=env.auth(Role.subject),
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["location"] == f"/api/v1/commitments/{made['id']}"
    assert made["channel"] == "online" and made["status"] == "active" and made["status_zh"] == "履约中"
    assert made["signed_on"] == legal_today().isoformat()
    assert "本承诺主体张小明" in made["text"] and made["signatory"] == "张小明"  # the subject sees itself in clear
    assert env.person_ric not in made["text"]  # the published text never holds the RIC in clear

    page = env.client.get(f"/subjects/{env.person_id}")  # the public page shows it, the name masked
    assert page.status_code == 200 and "守法经营信用承诺书" in page.text and "履约中" in page.text
    assert "张小明" not in page.text

    public = env.client.get(f"/api/v1/subjects/{env.person_id}/commitments")
    assert public.status_code == 200
    [listed] = public.json()
    assert listed["id"] == made["id"] and listed["title"] == "守法经营信用承诺书"
    assert "张小明" not in listed["text"] and "张**" in listed["text"]  # a person's name is masked (脱敏)
    assert listed["signatory"] == "张**" and listed["masked"] == ["text", "signatory"]
    assert listed["recorded_by"] is None
    assert env.client.get(f"/api/v1/commitments/{made['id']}").json()["id"] == made["id"]

    with unit_of_work(_db(env), readonly=True) as s:
        rec = s.get(CreditRecord, made["record_id"])
        assert rec is not None and rec.type_code == "commitment_signed" and rec.subject_id == env.person_id
        assert rec.payload["commitment_id"] == made["id"] and rec.payload["template"] == "law_abiding"
        source = s.get(Organisation, rec.source_org_id)
        assert source is not None and source.kind == "credit_centre"  # the platform records the signature
        actions = {a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.subject_id == env.person_id))}
        assert "commitment.sign" in actions
        signer = s.scalar(select(AuditEntry.actor).where(AuditEntry.action == "commitment.sign"))
        assert signer is not None and signer.startswith("token:")  # the real actor, not the credit centre


def test_double_signing_is_409(env: Env) -> None:
    url = f"/api/v1/subjects/{env.person_id}/commitments"
    first = env.client.post(url, json={"template": "truthful_information"}, headers=env.auth(Role.subject))
    assert first.status_code == 201
    again = env.client.post(url, json={"template": "truthful_information"}, headers=env.auth(Role.subject))
    assert again.status_code == 409 and again.json()["code"] == "already_committed"
    assert again.json()["errors"][0]["existing_id"] == first.json()["id"]
    # a credit-repair commitment stands alone for each application
    for _ in range(2):
        assert (
            env.client.post(url, json={"template": "credit_repair"}, headers=env.auth(Role.subject)).status_code == 201
        )


def test_a_subject_cannot_sign_for_another_subject(env: Env) -> None:
    other = _company(env, "南京华信科技有限公司", ["merchant"], 31)
    r = env.client.post(
        f"/api/v1/subjects/{other}/commitments", json={"template": "law_abiding"}, headers=env.auth(Role.subject)
    )
    assert r.status_code == 403 and r.json()["code"] == "not_the_subject"
    # the credit centre holds the permission but speaks for no subject
    cc = env.client.post(
        f"/api/v1/subjects/{other}/commitments", json={"template": "law_abiding"}, headers=env.auth(Role.credit_centre)
    )
    assert cc.status_code == 403 and cc.json()["code"] == "not_the_subject"
    dept = env.client.post(
        f"/api/v1/subjects/{other}/commitments", json={"template": "law_abiding"}, headers=env.auth(Role.department)
    )
    assert dept.status_code == 403 and dept.json()["code"] == "permission_denied"
    with unit_of_work(_db(env), readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Commitment)) == 0


def test_a_merchant_signs_its_own_and_a_template_must_fit(env: Env) -> None:
    shop = _company(env, "苏州好物商贸有限公司", ["merchant"], 32)
    headers = _subject_token(env, shop)
    ok = env.client.post(f"/api/v1/subjects/{shop}/commitments", json={"template": "price_integrity"}, headers=headers)
    assert ok.status_code == 201 and "苏州好物商贸有限公司" in ok.json()["text"]
    misfit = env.client.post(
        f"/api/v1/subjects/{shop}/commitments", json={"template": "platform_responsibility"}, headers=headers
    )
    assert misfit.status_code == 422 and misfit.json()["code"] == "template_not_applicable"
    unknown = env.client.post(f"/api/v1/subjects/{shop}/commitments", json={"template": "nope"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_template"
    extra = env.client.post(
        f"/api/v1/subjects/{shop}/commitments",
        json={"template": "law_abiding", "signed_on": "2020-01-01"},
        headers=headers,
    )
    assert extra.status_code == 422 and extra.json()["code"] == "invalid_request"


def test_paper_commitment_recorded_by_a_department(env: Env) -> None:
    shop = _company(env, "无锡信达网络科技有限公司", ["merchant"], 33)
    r = _paper(env, shop, scan_ref="承诺书扫描件 2025-017")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["channel"] == "paper" and made["channel_zh"] == "书面承诺" and made["signatory"] == "李建国"
    assert made["signed_on"] == "2025-05-01" and "承诺日期：2025年5月1日" in made["text"]
    assert made["recorded_by"] is not None  # the department sees who recorded it
    with unit_of_work(_db(env), readonly=True) as s:
        rec = s.get(CreditRecord, made["record_id"])
        dept = accounts.find_organisation(s, "测试市场监管局")
        assert rec is not None and dept is not None
        assert rec.source_org_id == dept.id and rec.decided_on.isoformat() == "2025-05-01"
        assert rec.payload["scan_ref"] == "承诺书扫描件 2025-017" and rec.payload["channel"] == "paper"
    assert [c["id"] for c in env.client.get(f"/api/v1/subjects/{shop}/commitments").json()] == [made["id"]]
    # the credit centre (no organisation of its own here) records as the credit centre
    cc = env.client.post(
        f"/api/v1/subjects/{shop}/commitments/paper",
        json={"template": "product_quality", "signatory": "李建国", "signed_on": "2025-06-01"},
        headers=env.auth(Role.credit_centre),
    )
    assert cc.status_code == 201, cc.text
    # platforms and subjects may not record paper commitments
    for role in (Role.platform, Role.subject):
        refused = env.client.post(
            f"/api/v1/subjects/{shop}/commitments/paper",
            json={"template": "law_abiding", "signatory": "x", "signed_on": "2025-05-01"},
            headers=env.auth(role),
        )
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_future_and_impossible_dates_are_422(env: Env) -> None:
    shop = _company(env, "常州优选电子商务有限公司", ["merchant"], 34)
    tomorrow = (legal_today() + timedelta(days=1)).isoformat()
    future = _paper(env, shop, signed_on=tomorrow)
    assert future.status_code == 422 and future.json()["code"] == "future_date"
    early = _paper(env, shop, signed_on="2001-01-01")
    assert early.status_code == 422 and early.json()["code"] == "date_too_early"
    made = _paper(env, shop).json()
    url = f"/api/v1/commitments/{made['id']}/breaches"
    dept = env.auth(Role.department)
    late = env.client.post(url, json={"finding": "未按承诺退货", "found_on": tomorrow}, headers=dept)
    assert late.status_code == 422 and late.json()["code"] == "future_date"
    before = env.client.post(url, json={"finding": "未按承诺退货", "found_on": "2025-04-30"}, headers=dept)
    assert before.status_code == 422 and before.json()["code"] == "date_order"
    with unit_of_work(_db(env), readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Commitment)) == 1
        assert s.scalar(select(func.count()).select_from(CommitmentBreach)) == 0


def test_breach_adds_a_negative_record_and_marks_the_commitment(env: Env) -> None:
    shop = _company(env, "扬州乐购商贸有限公司", ["merchant"], 35)
    made = _paper(env, shop).json()
    found_on = legal_today().isoformat()
    r = env.client.post(
        f"/api/v1/commitments/{made['id']}/breaches",
        json={
            "finding": "拒绝为消费者办理七日无理由退货",
            "found_on": found_on,
            "severity": "serious",
            "document_no": "扬市监认〔2026〕5号",
        },
        headers=env.auth(Role.department),
    )
    assert r.status_code == 201, r.text
    breach = r.json()
    assert breach["commitment_status"] == "breached" and breach["severity"] == "serious"
    with unit_of_work(_db(env), readonly=True) as s:
        rec = s.get(CreditRecord, breach["record_id"])
        assert rec is not None
        assert (rec.type_code, rec.polarity, rec.severity, rec.subject_id) == (
            "commitment_breached",
            "negative",
            "serious",
            shop,
        )
        assert rec.payload["commitment_id"] == made["id"] and rec.payload["finding"] == "拒绝为消费者办理七日无理由退货"
        assert rec.source_document_no == "扬市监认〔2026〕5号" and rec.decided_on.isoformat() == found_on
        row = s.get(CommitmentBreach, breach["id"])
        assert row is not None and row.record_id == rec.id
        c = s.get(Commitment, made["id"])
        assert c is not None and c.status == "breached"
        topics = [t for (t,) in s.execute(select(OutboxEvent.topic).where(OutboxEvent.subject_id == shop))]
        assert "commitment.breached" in topics
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "commitment.breach")) is not None
    [listed] = env.client.get(f"/api/v1/subjects/{shop}/commitments").json()
    assert listed["status"] == "breached" and listed["status_zh"] == "已违诺"
    assert [b["id"] for b in listed["breaches"]] == [breach["id"]]
    # a second breach of the same commitment is recorded too, with the catalog's default severity
    again = env.client.post(
        f"/api/v1/commitments/{made['id']}/breaches",
        json={"finding": "再次拒绝退货", "found_on": found_on},
        headers=env.auth(Role.department),
    )
    assert again.status_code == 201 and again.json()["severity"] == "general"
    assert again.json()["record_id"] != breach["record_id"]
    # The public page shows the commitment as breached and the breach among the negative records.
    page = env.client.get(f"/subjects/{shop}")
    assert page.status_code == 200
    assert "七日无理由退货承诺书" in page.text and "已违诺" in page.text
    assert "违背信用承诺" in page.text and "拒绝为消费者办理七日无理由退货" in page.text


def test_a_platform_cannot_record_a_breach(env: Env) -> None:
    shop = _company(env, "镇江百货网络有限公司", ["merchant"], 36)
    made = _paper(env, shop).json()
    body = {"finding": "虚假宣传", "found_on": legal_today().isoformat()}
    for role, status in ((Role.platform, 403), (Role.subject, 403), (Role.public, 401)):
        r = env.client.post(f"/api/v1/commitments/{made['id']}/breaches", json=body, headers=env.auth(role))
        assert r.status_code == status
    missing = env.client.post("/api/v1/commitments/999999/breaches", json=body, headers=env.auth(Role.department))
    assert missing.status_code == 404 and missing.json()["code"] == "commitment_not_found"


def test_withdrawn_commitments_are_hidden_and_cannot_be_breached(env: Env) -> None:
    shop = _company(env, "泰州云仓物流有限公司", ["merchant"], 37)
    made = _paper(env, shop).json()
    with unit_of_work(_db(env)) as s:
        s.execute(update(Commitment).where(Commitment.id == made["id"]).values(status="withdrawn"))
    assert env.client.get(f"/api/v1/subjects/{shop}/commitments").json() == []
    assert env.client.get(f"/api/v1/commitments/{made['id']}").status_code == 404
    seen = env.client.get(f"/api/v1/subjects/{shop}/commitments", headers=env.auth(Role.department)).json()
    assert [c["status"] for c in seen] == ["withdrawn"]
    r = env.client.post(
        f"/api/v1/commitments/{made['id']}/breaches",
        json={"finding": "x", "found_on": legal_today().isoformat()},
        headers=env.auth(Role.department),
    )
    assert r.status_code == 409 and r.json()["code"] == "commitment_withdrawn"


def test_self_service_page_signs_with_csrf(env: Env) -> None:
    with unit_of_work(_db(env)) as s:
        accounts.create_user(
            s,
            actor=cli_actor(),
            username="xiaoming",
            password="s3cret-pass",
            role=Role.subject,
            subject_id=env.person_id,
        )
    login = env.client.post("/login", data={"username": "xiaoming", "password": "s3cret-pass"}, follow_redirects=False)
    env.client.cookies.set("cx_session", login.cookies["cx_session"])
    page = env.client.get("/me/commitments", headers=HTML)
    assert page.status_code == 200 and "我的信用承诺" in page.text and "守法经营信用承诺书" in page.text
    assert "暂无信用承诺" in page.text and "本承诺主体张小明" in page.text
    assert "明码标价和价格诚信承诺书" not in page.text  # not for a person who sells nothing
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    forged = env.client.post("/me/commitments", data={"template": "law_abiding", "agree": "on"}, follow_redirects=False)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    unread = env.client.post(
        "/me/commitments", data={"template": "law_abiding", "csrf_token": csrf.group(1)}, headers=HTML
    )
    assert unread.status_code == 422 and "请先阅读并确认承诺内容" in unread.text
    ok = env.client.post(
        "/me/commitments",
        data={"template": "law_abiding", "agree": "on", "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/me/commitments?signed=")
    after = env.client.get(ok.headers["location"], headers=HTML)
    assert "承诺已签署并公示" in after.text and "履约中" in after.text and "已签署，履约中" in after.text
    again = env.client.post(
        "/me/commitments",
        data={"template": "law_abiding", "agree": "on", "csrf_token": csrf.group(1)},
        headers=HTML,
    )
    assert again.status_code == 409 and "already_committed" in again.text


def test_page_needs_a_subject_account(env: Env) -> None:
    assert env.client.get("/me/commitments").status_code == 401
    r = env.client.get("/me/commitments", headers=env.auth(Role.credit_centre))
    assert r.status_code == 403 and r.json()["code"] == "not_the_subject"
    assert env.client.get("/me/commitments", headers=env.auth(Role.department)).status_code == 403


def test_partial_renders_a_list_of_commitments(env: Env) -> None:
    shop = _company(env, "南通诚品商贸有限公司", ["merchant"], 38)
    made = _paper(env, shop).json()
    env.client.post(
        f"/api/v1/commitments/{made['id']}/breaches",
        json={"finding": "未履行退货承诺", "found_on": legal_today().isoformat()},
        headers=env.auth(Role.department),
    )
    listed = env.client.get(f"/api/v1/subjects/{shop}/commitments").json()
    from chengxin.domains.commitments.schemas import CommitmentOut

    html = templates.get_template("_commitments.html").render(
        commitments=[CommitmentOut.model_validate(c) for c in listed]
    )
    assert "七日无理由退货承诺书" in html and "2025-05-01" in html and "书面承诺" in html and "已违诺" in html
    assert "未履行退货承诺" in html
    assert "暂无信用承诺" in templates.get_template("_commitments.html").render(commitments=[])
