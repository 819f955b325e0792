"""Credit reports over HTTP and from the command line: make one (public by anyone, the subject's own, an
authorised third party's), download it, verify it by upload and by number (a tampered file fails, naming what
does not match), the public key, the subject's self-service page; `chengxin reports make` and `verify`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env

API = "/api/v1/reports"
UNTIL = (date.today() + timedelta(days=365)).isoformat()


def test_make_download_and_verify_over_http(env: Env) -> None:
    c = env.client
    made = c.post(API, json={"code": env.person_ric, "kind": "public"})
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    assert made.headers["location"] == f"{API}/{number}.pdf"
    pdf = c.get(f"{API}/{number}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"%CX-SIGNATURE v1 " + number.encode() in pdf.content
    html = c.get(f"{API}/{number}.html").text
    assert number in html and "张小明" not in html and "（公示版）" in html  # the person's name masked
    ok = c.post(f"{API}/verify", files={"file": ("r.pdf", pdf.content, "application/pdf")}).json()
    assert ok["valid"] and ok["checks"] == {"signature": True, "registered": True, "hash": True, "in_validity": True}
    tampered = bytearray(pdf.content)
    tampered[len(tampered) // 3] ^= 0x01
    bad = c.post(f"{API}/verify", content=bytes(tampered), headers={"Content-Type": "application/pdf"}).json()
    assert not bad["valid"] and "signature_mismatch" in [p["code"] for p in bad["problems"]]
    assert c.post(f"{API}/verify", json={"number": number}).json()["valid"]
    key = c.get(f"{API}/public-key").json()
    assert key["algorithm"] == "Ed25519" and "BEGIN PUBLIC KEY" in key["pem"]
    page = c.get(f"/reports/verify/{number}")
    assert page.status_code == 200 and "该编号的报告由本平台出具" in page.text
    upload = c.post("/reports/verify", files={"file": ("r.pdf", bytes(tampered), "application/pdf")})
    assert "核验未通过" in upload.text and "数字签名不符" in upload.text


def test_own_and_third_party_reports_are_permissioned(env: Env) -> None:
    c = env.client
    own = c.post(API, json={"subject_id": env.person_id, "kind": "self"}, headers=env.auth(Role.subject))
    assert own.status_code == 201, own.text
    number = own.json()["number"]
    mine = c.get(f"{API}/{number}.html", headers=env.auth(Role.subject)).text
    assert "张小明" in mine and env.person_ric in mine  # the subject's own report: in clear
    for role in (Role.public, Role.platform, Role.department):  # nobody else's business
        assert c.get(f"{API}/{number}.pdf", headers=env.auth(role)).status_code == 404
    assert c.get(f"{API}/{number}.pdf", headers=env.auth(Role.credit_centre)).status_code == 200
    refused = c.post(API, json={"subject_id": env.person_id, "kind": "self"}, headers=env.auth(Role.department))
    assert refused.status_code == 403 and refused.json()["code"] == "report_not_own"
    no_consent = c.post(API, json={"subject_id": env.person_id, "kind": "third_party", "purpose": "hiring"},
                        headers=env.auth(Role.platform))  # fmt: skip
    assert no_consent.status_code == 403 and no_consent.json()["code"] == "authorisation_required"
    free_text = c.post(API, json={"subject_id": env.person_id, "kind": "third_party", "purpose": "招聘"},
                       headers=env.auth(Role.platform))  # fmt: skip
    assert free_text.status_code == 403 and free_text.json()["code"] == "purpose_unknown"
    # the person authorises the platform online (hiring: identity and records); the report relies on it
    plat_org = c.get("/api/v1/me", headers=env.auth(Role.platform)).json()["organisation_id"]
    grant = {"organisation_id": plat_org, "purpose": "hiring", "scope": ["identity", "records"], "valid_until": UNTIL}
    granted = c.post("/api/v1/me/authorisations", headers=env.auth(Role.subject), json=grant)
    assert granted.status_code == 201, granted.text
    auth_id = granted.json()["id"]
    body = {"subject_id": env.person_id, "kind": "third_party", "purpose": "hiring", "authorisation_id": auth_id}
    authorised = c.post(API, json=body, headers=env.auth(Role.platform))
    assert authorised.status_code == 201, authorised.text
    made = authorised.json()
    assert (made["purpose"], made["authorisation_id"], made["legal_basis"]) == ("hiring", auth_id, None)
    assert made["query_id"] and made["authorisation_ref"] is None  # granted online: no consent form number
    shown = c.get(f"{API}/{made['number']}.html", headers=env.auth(Role.platform)).text
    assert env.person_ric not in shown and f"第 {auth_id} 号授权" in shown and "招聘录用" in shown  # RIC masked
    # the person sees it under "who looked at my file", as a credit report
    seen = c.get("/api/v1/me/queries", headers=env.auth(Role.subject)).json()
    assert [(q["kind"], q["purpose"], q["authorisation_id"], q["id"]) for q in seen] == [
        ("report", "hiring", auth_id, made["query_id"])
    ]
    page = c.get("/me/queries", headers={**env.auth(Role.subject), "Accept": "text/html"}).text
    assert "信用报告" in page and "测试电商平台" in page
    # … withdraws it: the next report is refused with the reason
    assert c.post(f"/api/v1/me/authorisations/{auth_id}/withdraw", headers=env.auth(Role.subject)).status_code == 200
    again = c.post(API, json=body, headers=env.auth(Role.platform))
    assert again.status_code == 403 and again.json()["code"] == "authorisation_withdrawn"
    assert again.headers["content-type"].startswith("application/problem+json") and again.json()["message_zh"]
    page = c.get("/me/report", headers=env.auth(Role.subject))
    assert page.status_code == 200 and "下载我的信用报告" in page.text and number in page.text


def test_cli_make_and_verify(env: Env, cli_env: Settings, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    made = CliRunner().invoke(app, ["reports", "make", env.person_ric, "--kind", "self", "--out", str(out)])
    assert made.exit_code == 0, made.output
    good = CliRunner().invoke(app, ["reports", "verify", str(out)])
    assert good.exit_code == 0 and "VALID" in good.output
    data = bytearray(out.read_bytes())
    data[2000] ^= 0x04  # one byte inside the content
    (tmp_path / "bad.pdf").write_bytes(bytes(data))
    bad = CliRunner().invoke(app, ["reports", "verify", str(tmp_path / "bad.pdf")])
    assert bad.exit_code == 1 and "signature_mismatch" in bad.output
    third = CliRunner().invoke(app, ["reports", "make", env.person_ric, "--kind", "third_party", "--out", str(out)])
    assert third.exit_code != 0 and "purpose_required" in third.output
    no_basis = CliRunner().invoke(app, ["reports", "make", env.person_ric, "--kind", "third_party", "--purpose",
                                        "supervision", "--out", str(out)])  # fmt: skip
    assert no_basis.exit_code != 0 and "authorisation_required" in no_basis.output
    lawful = CliRunner().invoke(app, ["reports", "make", env.person_ric, "--kind", "third_party", "--purpose",
                                      "supervision", "--legal-basis", "《行政处罚法》第五十五条", "--out", str(out),
                                      "--json"])  # fmt: skip
    assert lawful.exit_code == 0, lawful.output
    made = json.loads(lawful.output)
    assert made["purpose"] == "supervision" and made["legal_basis"] == "《行政处罚法》第五十五条" and made["query_id"]


def test_public_reports_are_rate_limited_per_client(env: Env, settings: Settings) -> None:
    from chengxin.app import create_app

    with TestClient(create_app(settings.model_copy(update={"public_report_rate": 2}))) as c:
        body = {"code": env.person_ric, "kind": "public"}
        assert [c.post(API, json=body).status_code for _ in range(2)] == [201, 201]
        over = c.post(API, json=body)
        assert over.status_code == 429 and over.json()["code"] == "rate_limited", over.text
        assert 1 <= int(over.headers["Retry-After"]) <= 60 and "出具信用报告过于频繁" in over.json()["message_zh"]
        # callers with another role (a platform's token) are not limited by it
        assert [c.post(API, json=body, headers=env.auth(Role.platform)).status_code for _ in range(3)] == [201] * 3
        assert c.post(API, json=body).status_code == 429  # the anonymous client is still over
