"""Helpers for page tests: accounts that log in with a password, a browser-like client per
account (its own cookie jar), and the CSRF token a page carries."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import Organisation
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env

HTML = {"Accept": "text/html"}
PASSWORD = "s3cret-pass"


def db_of(env: Env) -> Database:
    return env.client.app.state.chengxin.db  # type: ignore[attr-defined, no-any-return]


def department_id(env: Env, name: str = "测试市场监管局") -> int:
    """The organisation of the department token (created by the env fixture), or a new one."""
    with unit_of_work(db_of(env)) as s:
        org = s.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = accounts.create_organisation(s, actor=cli_actor("tests"), kind="department", name=name)
        return org.id


def browser(
    env: Env, username: str, role: Role, *, organisation_id: int | None = None, subject_id: int | None = None
) -> TestClient:
    """A new client logged in (cookie session) as a new user with this role."""
    with unit_of_work(db_of(env)) as s:
        accounts.create_user(
            s, actor=cli_actor("tests"), username=username, password=PASSWORD, role=role,
            organisation_id=organisation_id, subject_id=subject_id,
        )  # fmt: skip
    client = TestClient(env.client.app)
    login = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303, login.text
    client.cookies.set("cx_session", login.cookies["cx_session"])
    return client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)
