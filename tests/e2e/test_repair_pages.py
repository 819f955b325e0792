"""Credit repair pages (信用修复), on SQLite and PostgreSQL, with real form posts: the eligibility
list shows dates → the subject signs the repair commitment → applies → the department approves on
the admin page → the public subject page no longer shows the record; materials attached on the form
reach the approving department; CSRF, other organisations, anonymous."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chengxin.domains.attachments.models import Attachment
from chengxin.domains.repair.models import RepairApplication
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.e2e.pagekit import (
    HTML,
    NOT_A_PDF,
    PDF,
    attachment_links,
    browser,
    count,
    csrf,
    department_id,
    multipart,
)

PENALTY = {"violation_facts": "销售过期食品", "penalty_category": "罚款", "penalty_content": "罚款5000元"}


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


def _apply(subject: TestClient, record_id: int, files: list[Any] | None = None, **form: Any) -> Any:
    """Send the form (as multipart/form-data when ``files`` are attached, as the page's form does)."""
    page = subject.get(f"/me/repairs/new?record_id={record_id}", headers=HTML)
    assert page.status_code == 200, page.text
    data = {
        "record_id": record_id,
        "statement": "已缴纳罚款并完成整改",
        "evidence_kind": ["obligations_fulfilled", "harm_removed"],
        "evidence_description": ["罚款缴款书 No.123", ""],
        "csrf_token": csrf(page.text),
        **form,
    }
    return subject.post("/me/repairs", data=data, files=files, headers=HTML, follow_redirects=False)


def test_eligibility_commitment_apply_approve_and_the_public_page_no_longer_shows_it(env: Env) -> None:
    old = _record(env, "修-1", "2025-06-01")  # minimum period long past
    recent = _record(env, "修-2", "2026-10-01")  # 3 months minimum: from 2027-01-01
    subject = browser(env, "xiaoming", Role.subject, subject_id=env.person_id)
    page = subject.get("/me/repairs", headers=HTML)
    assert page.status_code == 200 and "失信记录与修复条件" in page.text
    row_old = page.text.split(f'id="eligibility-{old}"', 1)[1].split("</tr>", 1)[0]
    row_recent = page.text.split(f'id="eligibility-{recent}"', 1)[1].split("</tr>", 1)[0]
    assert "可申请" in row_old and f"/me/repairs/new?record_id={old}" in row_old
    assert "履行法定义务" in row_old and "信用修复承诺书（未签署）" in row_old
    assert "2027-01-01 起" in row_recent and "最短公示期未满" in row_recent and "申请修复" not in row_recent
    assert "未签署" in page.text and 'href="/me/commitments#template-credit_repair"' in page.text
    # applying without the commitment: the form again, saying what is missing
    missing = _apply(subject, old)
    assert missing.status_code == 422 and "申请材料不全" in missing.text and "请先签署信用修复承诺书" in missing.text
    early = _apply(subject, recent)
    assert early.status_code == 422 and "该记录暂不符合信用修复条件" in early.text and "2027-01-01" in early.text
    # sign the repair commitment on the commitments page
    commitments = subject.get("/me/commitments", headers=HTML)
    assert 'id="template-credit_repair"' in commitments.text
    signed = subject.post(
        "/me/commitments",
        data={"template": "credit_repair", "agree": "on", "csrf_token": csrf(commitments.text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert "已签署" in subject.get("/me/repairs", headers=HTML).text
    forged = subject.post("/me/repairs", data={"record_id": old, "statement": "x"}, follow_redirects=False)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    made = _apply(subject, old)
    assert made.status_code == 303 and made.headers["location"].startswith("/me/repairs/")
    app_id = int(made.headers["location"].rsplit("/", 1)[1])
    detail = subject.get(made.headers["location"], headers=HTML)
    assert "审核中" in detail.text and "罚款缴款书 No.123" in detail.text and "审核期限" in detail.text
    listed = subject.get("/me/repairs", headers=HTML).text
    assert f'href="/me/repairs/{app_id}">审核中</a>' in listed and f'id="repair-{app_id}"' in listed

    # the source department approves on its admin page
    dept = browser(env, "officer", Role.department, organisation_id=department_id(env))
    queue = dept.get("/admin/repairs", headers=HTML)
    assert f'href="/admin/repairs/{app_id}"' in queue.text
    review = dept.get(f"/admin/repairs/{app_id}", headers=HTML)
    assert "审核决定" in review.text and "罚款缴款书 No.123" in review.text and "罚款5000元" in review.text
    decision = {"decision": "approve", "reasons": "已履行义务，同意修复"}
    assert dept.post(f"/admin/repairs/{app_id}/decision", data=decision).status_code == 403  # no CSRF token
    no_reasons = dept.post(
        f"/admin/repairs/{app_id}/decision", data={"decision": "approve", "csrf_token": csrf(review.text)}, headers=HTML
    )
    assert no_reasons.status_code == 422 and "请填写审核意见" in no_reasons.text
    assert "修-1号" in env.client.get(f"/subjects/{env.person_id}", headers=HTML).text
    ok = dept.post(
        f"/admin/repairs/{app_id}/decision", data={**decision, "csrf_token": csrf(review.text)}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/admin/repairs/{app_id}?done=approved"
    assert "已同意修复" in dept.get(ok.headers["location"], headers=HTML).text
    # gone from the public page; the subject sees the result
    public = TestClient(env.client.app).get(f"/subjects/{env.person_id}", headers=HTML)
    assert public.status_code == 200 and "修-1号" not in public.text and "修-2号" in public.text
    result = subject.get(f"/me/repairs/{app_id}", headers=HTML)
    assert "修复成功" in result.text and "已履行义务，同意修复" in result.text
    assert "信用修复审核结果：修复成功" in subject.get("/me/notifications", headers=HTML).text


def test_another_organisation_anonymous_and_the_wrong_role_are_refused(env: Env) -> None:
    rec = _record(env, "修-9", "2025-06-01")
    subject = browser(env, "xiaoming2", Role.subject, subject_id=env.person_id)
    page = subject.get("/me/commitments", headers=HTML)
    subject.post("/me/commitments", data={"template": "credit_repair", "agree": "on", "csrf_token": csrf(page.text)})
    made = _apply(subject, rec)
    assert made.status_code == 303, made.text
    app_id = int(made.headers["location"].rsplit("/", 1)[1])
    other = browser(env, "other", Role.department, organisation_id=department_id(env, "别的监管局"))
    assert other.get(f"/admin/repairs/{app_id}", headers=HTML).status_code == 404
    assert f"repair-{app_id}" not in other.get("/admin/repairs", headers=HTML).text
    token = csrf(other.get("/admin/repairs", headers=HTML).text)
    refused = other.post(f"/admin/repairs/{app_id}/decision", data={"decision": "reject", "reasons": "x",
                                                                    "csrf_token": token})  # fmt: skip
    assert refused.status_code == 404
    # the credit centre reads it but the record's source decides
    centre = browser(env, "centre", Role.credit_centre)
    held = centre.get(f"/admin/repairs/{app_id}", headers=HTML)
    assert held.status_code == 200 and "该申请不由贵单位审核" in held.text and "审核决定" not in held.text
    anonymous = TestClient(env.client.app)
    for path in ("/me/repairs", f"/me/repairs/{app_id}", f"/me/repairs/new?record_id={rec}", "/admin/repairs",
                 "/me/notifications"):  # fmt: skip
        assert anonymous.get(path, headers=HTML).status_code == 401, path
    assert subject.get("/admin/repairs", headers=HTML).status_code == 403
    assert env.client.get("/me/repairs", headers=env.auth(Role.credit_centre)).json()["code"] == "not_the_subject"


def test_materials_attached_on_the_form_reach_the_approving_department(env: Env) -> None:
    rec = _record(env, "修-5", "2025-06-01")
    subject = browser(env, "xiaoming5", Role.subject, subject_id=env.person_id)
    page = subject.get("/me/commitments", headers=HTML)
    subject.post("/me/commitments", data={"template": "credit_repair", "agree": "on", "csrf_token": csrf(page.text)})
    form = subject.get(f"/me/repairs/new?record_id={rec}", headers=HTML)
    assert 'enctype="multipart/form-data"' in form.text and 'type="file" name="files" multiple' in form.text
    forged = subject.post(
        "/me/repairs",
        data={"record_id": rec, "statement": "x"},
        files=[("files", ("缴款书.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    # not a PDF by its content: the form again, and nothing is filed
    fake = _apply(subject, rec, files=[("files", ("缴款书.pdf", NOT_A_PDF, "application/pdf"))])
    assert fake.status_code == 415 and "仅接受PDF、JPEG、PNG格式的文件" in fake.text
    assert "已缴纳罚款并完成整改" in fake.text and "罚款缴款书 No.123" in fake.text  # what was typed is kept
    assert count(env, RepairApplication) == 0 and count(env, Attachment) == 0
    # as a browser sends it: the chosen file, and an empty part for a file input left empty (ignored)
    again = subject.get(f"/me/repairs/new?record_id={rec}", headers=HTML)
    body, headers = multipart(
        {"record_id": rec, "statement": "已缴纳罚款并完成整改", "evidence_kind": ["obligations_fulfilled"],
         "evidence_description": ["罚款缴款书 No.123"], "csrf_token": csrf(again.text)},
        [("files", "缴款书.pdf", PDF), ("files", "", b"")],
    )  # fmt: skip
    made = subject.post("/me/repairs", content=body, headers={**HTML, **headers}, follow_redirects=False)
    assert made.status_code == 303, made.text
    app_id = int(made.headers["location"].rsplit("/", 1)[1])
    detail = subject.get(made.headers["location"], headers=HTML)
    [att_id] = attachment_links(detail.text)
    assert "证明材料附件" in detail.text and "缴款书.pdf" in detail.text
    assert subject.get(f"/api/v1/attachments/{att_id}").content == PDF

    # the record's source approves: its officer downloads the material from the page link
    dept = browser(env, "officer5", Role.department, organisation_id=department_id(env))
    review = dept.get(f"/admin/repairs/{app_id}", headers=HTML)
    assert "审核决定" in review.text and attachment_links(review.text) == [att_id] and "缴款书.pdf" in review.text
    got = dept.get(f"/api/v1/attachments/{att_id}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    other = browser(env, "other5", Role.department, organisation_id=department_id(env, "别的监管局"))
    assert other.get(f"/api/v1/attachments/{att_id}").status_code == 404
