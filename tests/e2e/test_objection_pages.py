"""Objection pages (异议), on SQLite and PostgreSQL, with real form posts: the subject objects from
its own credit file → the record shows 异议处理中 → the department decides 更正 on the admin page →
the subject sees the corrected version and the result; materials attached on the form reach the
deciding department; CSRF, other organisations, anonymous."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from chengxin.db import unit_of_work
from chengxin.domains.attachments.models import Attachment
from chengxin.domains.objections.models import Objection
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.e2e.pagekit import HTML, NOT_A_PDF, PDF, attachment_links, browser, count, csrf, db_of, department_id

PENALTY = {"violation_facts": "未按规定明码标价", "penalty_category": "罚款", "penalty_content": "罚款2000元"}


def _record(env: Env, source_id: str) -> int:
    body = {
        "type": "admin_penalty",
        "source_record_id": source_id,
        "decided_on": "2026-06-01",
        "document_no": f"测市监罚〔2026〕{source_id}号",
        "subject": {"subject_id": env.person_id},
        "payload": PENALTY,
    }
    r = env.client.post("/api/v1/records", json=body, headers=env.auth(Role.department))
    assert r.status_code == 201, r.text
    return int(r.json()["record_id"])


def _object(subject: TestClient, record_id: int, files: list[Any] | None = None, **form: Any) -> Any:
    """Send the form (as multipart/form-data when ``files`` are attached, as the page's form does)."""
    page = subject.get(f"/me/objections/new?record_id={record_id}", headers=HTML)
    assert page.status_code == 200, page.text
    data = {"record_id": record_id, "reason_kind": "content_error", "reasons": "罚款金额应为1000元",
            "requested": "罚款1000元", "csrf_token": csrf(page.text), **form}  # fmt: skip
    return subject.post("/me/objections", data=data, files=files, headers=HTML, follow_redirects=False)


def test_object_on_the_page_department_corrects_subject_sees_the_result(env: Env) -> None:
    rec = _record(env, "页-1")
    subject = browser(env, "xiaoming", Role.subject, subject_id=env.person_id)
    own = subject.get(f"/subjects/{env.person_id}", headers=HTML)
    assert f'href="/me/objections/new?record_id={rec}"' in own.text and "提出异议" in own.text
    form = subject.get(f"/me/objections/new?record_id={rec}", headers=HTML)
    assert "记录内容有误" in form.text and "罚款2000元" in form.text and 'name="reason_kind"' in form.text
    # without the CSRF token: refused
    forged = subject.post(
        "/me/objections",
        data={"record_id": rec, "reason_kind": "content_error", "reasons": "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    # the service's refusal is shown on the form, in Chinese
    empty = _object(subject, rec, reasons="  ")
    assert empty.status_code == 422 and "请填写异议理由" in empty.text and 'name="reasons"' in empty.text
    made = _object(subject, rec)
    assert made.status_code == 303 and made.headers["location"].startswith("/me/objections/")
    oid = int(made.headers["location"].rsplit("/", 1)[1])
    detail = subject.get(made.headers["location"], headers=HTML)
    assert "已转来源单位处理" in detail.text and "办理期限" in detail.text
    # the record is marked under objection on the subject's own file, with a link to the objection
    own = subject.get(f"/subjects/{env.person_id}", headers=HTML)
    assert f'<a href="/me/objections/{oid}">异议处理中</a>' in own.text
    assert f"/me/objections/new?record_id={rec}" not in own.text
    mine = subject.get("/me/objections", headers=HTML)
    assert f'href="/me/objections/{oid}"' in mine.text and "已转来源单位处理" in mine.text
    dup = _object(subject, rec)
    assert dup.status_code == 409 and "该记录已有未办结的异议" in dup.text

    # the source department decides on its admin page
    dept = browser(env, "officer", Role.department, organisation_id=department_id(env))
    queue = dept.get("/admin/objections", headers=HTML)
    assert queue.status_code == 200 and f'href="/admin/objections/{oid}"' in queue.text
    page = dept.get(f"/admin/objections/{oid}", headers=HTML)
    assert "作出决定" in page.text and "罚款2000元" in page.text and "转办</button>" not in page.text
    decision = {"outcome": "corrected", "reasons": "经核实，罚款金额为1000元", "penalty_content": "罚款1000元",
                "payload_key": ["fine_wan", ""], "payload_value": ["0.1", ""]}  # fmt: skip
    assert dept.post(f"/admin/objections/{oid}/decision", data=decision).status_code == 403  # no CSRF token
    nothing = dept.post(
        f"/admin/objections/{oid}/decision",
        data={"outcome": "corrected", "reasons": "x", "csrf_token": csrf(page.text)},
        headers=HTML,
    )
    assert nothing.status_code == 422 and "请填写更正内容" in nothing.text
    done = dept.post(
        f"/admin/objections/{oid}/decision", data={**decision, "csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/admin/objections/{oid}?done=decided"
    after = dept.get(done.headers["location"], headers=HTML)
    assert "已作出处理决定" in after.text and "已更正" in after.text and "作出决定</h2>" not in after.text

    # the subject sees the result and the corrected version
    result = subject.get(f"/me/objections/{oid}", headers=HTML)
    assert "已更正" in result.text and "更正后的记录" in result.text and "罚款1000元" in result.text
    assert "经核实，罚款金额为1000元" in result.text
    own = subject.get(f"/subjects/{env.person_id}", headers=HTML)
    assert "罚款1000元" in own.text and "异议结果：已更正" in own.text and "异议处理中</a>" not in own.text
    notes = subject.get("/me/notifications", headers=HTML)
    assert "异议处理结果：已更正" in notes.text and "异议已受理" in notes.text and ">新</span>" in notes.text
    assert 'id="unread-count"' not in notes.text  # read now
    assert ">新</span>" not in subject.get("/me/notifications", headers=HTML).text


def test_the_centre_forwards_and_sees_due_dates(env: Env) -> None:
    rec = _record(env, "页-2")
    subject = browser(env, "xiaoming2", Role.subject, subject_id=env.person_id)
    made = _object(subject, rec, reason_kind="other")
    oid = int(made.headers["location"].rsplit("/", 1)[1])
    with unit_of_work(db_of(env)) as s:  # an old objection, its due date in a year with no calendar loaded
        s.execute(
            update(Objection).where(Objection.id == oid).values(decide_due=date(2026, 1, 5), provisional_due=True)
        )
    centre = browser(env, "centre", Role.credit_centre)
    queue = centre.get("/admin/objections", headers=HTML)
    row = queue.text.split(f'id="objection-{oid}"', 1)[1].split("</tr>", 1)[0]
    assert "已逾期" in row and "（日历未发布，暂按周末计算）" in row and "信用中心处理中" in row
    page = centre.get(f"/admin/objections/{oid}", headers=HTML)
    assert "转办</button>" in page.text and "作出决定" in page.text
    # the record's source does not see what the centre still holds, until it is forwarded
    dept = browser(env, "officer2", Role.department, organisation_id=department_id(env))
    held = dept.get(f"/admin/objections/{oid}", headers=HTML)
    assert held.status_code == 404
    assert f'id="objection-{oid}"' not in dept.get("/admin/objections", headers=HTML).text
    fwd = centre.post(f"/admin/objections/{oid}/forward", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert fwd.status_code == 303
    after = centre.get(fwd.headers["location"], headers=HTML)
    assert "已转来源单位办理" in after.text and "转办</button>" not in after.text
    assert "该异议目前不由贵单位办理" in after.text
    assert "已转来源单位处理" in dept.get(f"/admin/objections/{oid}", headers=HTML).text
    all_ = centre.get("/admin/objections?status=all", headers=HTML)
    assert f'id="objection-{oid}"' in all_.text


def test_another_organisation_anonymous_and_the_wrong_role_are_refused(env: Env) -> None:
    rec = _record(env, "页-3")
    subject = browser(env, "xiaoming3", Role.subject, subject_id=env.person_id)
    oid = int(_object(subject, rec).headers["location"].rsplit("/", 1)[1])
    other = browser(env, "other", Role.department, organisation_id=department_id(env, "别的监管局"))
    assert other.get(f"/admin/objections/{oid}", headers=HTML).status_code == 404
    assert f"objection-{oid}" not in other.get("/admin/objections", headers=HTML).text
    page = other.get("/admin/objections", headers=HTML)
    refused = other.post(
        f"/admin/objections/{oid}/decision", data={"outcome": "upheld", "reasons": "x", "csrf_token": csrf(page.text)}
    )
    assert refused.status_code == 404
    anonymous = TestClient(env.client.app)
    for path in ("/me/objections", f"/me/objections/{oid}", f"/me/objections/new?record_id={rec}", "/admin/objections"):
        assert anonymous.get(path, headers=HTML).status_code == 401, path
    assert subject.get("/admin/objections", headers=HTML).status_code == 403
    centre = env.client.get("/me/objections", headers=env.auth(Role.credit_centre))
    assert centre.status_code == 403 and centre.json()["code"] == "not_the_subject"


def test_materials_attached_on_the_form_reach_the_deciding_department(env: Env) -> None:
    rec = _record(env, "页-4")
    subject = browser(env, "xiaoming4", Role.subject, subject_id=env.person_id)
    form = subject.get(f"/me/objections/new?record_id={rec}", headers=HTML)
    assert 'enctype="multipart/form-data"' in form.text and 'type="file" name="files" multiple' in form.text
    assert "证明材料（PDF、JPG、PNG，每个不超过10MB）" in form.text
    # a multipart post is CSRF-checked like any form post
    forged = subject.post(
        "/me/objections",
        data={"record_id": rec, "reason_kind": "content_error", "reasons": "x"},
        files=[("files", ("缴款凭证.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    # not a PDF by its content, though named and declared one: the form again, and nothing is filed
    fake = _object(subject, rec, files=[("files", ("缴款凭证.pdf", PDF, "application/pdf")),
                                        ("files", ("发票.pdf", NOT_A_PDF, "application/pdf"))])  # fmt: skip
    assert fake.status_code == 415 and "仅接受PDF、JPEG、PNG格式的文件" in fake.text
    assert 'name="reasons"' in fake.text and "罚款金额应为1000元" in fake.text  # what was typed is kept
    assert count(env, Objection) == 0 and count(env, Attachment) == 0

    made = _object(subject, rec, files=[("files", ("缴款凭证.pdf", PDF, "application/pdf"))])
    assert made.status_code == 303, made.text
    oid = int(made.headers["location"].rsplit("/", 1)[1])
    detail = subject.get(made.headers["location"], headers=HTML)
    [att_id] = attachment_links(detail.text)
    assert "证明材料附件" in detail.text and "缴款凭证.pdf" in detail.text and "（PDF，" in detail.text
    mine = subject.get(f"/api/v1/attachments/{att_id}")  # the link works with the page's session cookie
    assert mine.status_code == 200 and mine.content == PDF

    # content_error: forwarded to the record's source at once; its officer downloads from the page link
    dept = browser(env, "officer4", Role.department, organisation_id=department_id(env))
    page = dept.get(f"/admin/objections/{oid}", headers=HTML)
    assert page.status_code == 200 and attachment_links(page.text) == [att_id] and "缴款凭证.pdf" in page.text
    got = dept.get(f"/api/v1/attachments/{att_id}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert "attachment;" in got.headers["content-disposition"]
    # another organisation does not
    other = browser(env, "other4", Role.department, organisation_id=department_id(env, "别的监管局"))
    assert other.get(f"/api/v1/attachments/{att_id}").status_code == 404
