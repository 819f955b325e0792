"""Credit reports over HTTP and from the command line: make one (public by anyone, the subject's own, an
authorised third party's), download it, verify it by upload and by number (a tampered file fails, naming what
does not match), the public key, the subject's self-service page; `chengxin reports make` and `verify`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env

API = "/api/v1/reports"


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
    no_consent = c.post(API, json={"subject_id": env.person_id, "kind": "third_party", "purpose": "招聘"},
                        headers=env.auth(Role.platform))  # fmt: skip
    assert no_consent.status_code == 403 and no_consent.json()["code"] == "authorisation_required"
    authorised = c.post(API, json={"subject_id": env.person_id, "kind": "third_party", "purpose": "招聘",
                                   "authorisation_ref": "AUTH-2026-001"}, headers=env.auth(Role.platform))  # fmt: skip
    assert authorised.status_code == 201 and authorised.json()["authorisation_ref"] == "AUTH-2026-001"
    shown = c.get(f"{API}/{authorised.json()['number']}.html", headers=env.auth(Role.platform)).text
    assert env.person_ric not in shown and "AUTH-2026-001" in shown  # a platform: the RIC masked (masking policy)
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
