"""The Chinese web pages: search, public profile, login/logout with CSRF, error page."""

from __future__ import annotations

import random
import re

from chengxin.db import unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env
from tests.factories import make_uscc

HTML = {"Accept": "text/html"}


def _create_company(env: Env, name: str) -> int:
    code = make_uscc(random.Random(21))
    r = env.client.post(
        "/api/v1/subjects", json={"kind": "legal", "name": name, "uscc": code}, headers=env.auth(Role.department)
    )
    return int(r.json()["id"])


def test_home_and_search_pages(env: Env) -> None:
    sid = _create_company(env, "南京华信科技有限公司")
    home = env.client.get("/")
    assert home.status_code == 200 and "信用主体查询" in home.text and 'lang="zh-CN"' in home.text
    page = env.client.get("/search", params={"q": "華信"})
    assert f'href="/subjects/{sid}"' in page.text and "南京华信科技有限公司" in page.text
    partial = env.client.get("/search", params={"q": "华信"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "南京华信科技有限公司" in partial.text
    none = env.client.get("/search", params={"q": "不存在的公司"})
    assert "未找到" in none.text


def test_profile_page_masks_a_person_for_the_public(env: Env) -> None:
    page = env.client.get(f"/subjects/{env.person_id}")
    assert page.status_code == 200
    assert env.person_ric not in page.text and "已脱敏" in page.text and "张小明" not in page.text


def test_chinese_error_page_for_browsers_problem_json_for_api(env: Env) -> None:
    page = env.client.get("/subjects/999999", headers=HTML)
    assert page.status_code == 404 and "未找到该信用主体" in page.text and "subject_not_found" in page.text
    api = env.client.get("/api/v1/subjects/999999")
    assert api.status_code == 404 and api.json()["code"] == "subject_not_found"


def test_login_logout_with_csrf(env: Env, settings: object) -> None:
    db = env.client.app.state.chengxin.db  # type: ignore[attr-defined]
    with unit_of_work(db) as s:
        accounts.create_user(s, actor=cli_actor(), username="officer", password="s3cret-pass", role=Role.auditor)
    bad = env.client.post("/login", data={"username": "officer", "password": "nope"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    ok = env.client.post("/login", data={"username": "officer", "password": "s3cret-pass"}, follow_redirects=False)
    assert ok.status_code == 303 and "cx_session" in ok.cookies
    cookie = ok.cookies["cx_session"]
    env.client.cookies.set("cx_session", cookie)
    home = env.client.get("/")
    assert "officer" in home.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf is not None
    me = env.client.get("/api/v1/me").json()
    assert me["role"] == "auditor"
    forged = env.client.post("/logout", follow_redirects=False)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    out = env.client.post(
        "/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert env.client.get("/api/v1/me").json()["role"] == "public"


def test_health_and_metrics(env: Env) -> None:
    assert env.client.get("/healthz").json()["status"] == "ok"
    assert env.client.get("/metrics").status_code == 401
    m = env.client.get("/metrics", headers=env.auth(Role.auditor))
    assert m.status_code == 200 and "chengxin_http_requests_total" in m.text
