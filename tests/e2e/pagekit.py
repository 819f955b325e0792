"""Helpers for page tests: accounts that log in with a password, a browser-like client per
account (its own cookie jar), the CSRF token a page carries, and files to attach."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import Organisation
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env

HTML = {"Accept": "text/html"}
PASSWORD = "s3cret-pass"
PDF = b"%PDF-1.4\n% demo\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_A_PDF = b"MZ\x90\x00 not a pdf"  # an executable's first bytes, to be sent named .pdf


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


def count(env: Env, model: Any) -> int:
    """How many rows of this table there are (e.g. to show a refused form filed nothing)."""
    with unit_of_work(db_of(env)) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def attachment_links(html: str) -> list[int]:
    """The attachment ids a page links to for download."""
    return [int(i) for i in re.findall(r'href="/api/v1/attachments/(\d+)"', html)]


def multipart(data: dict[str, Any], files: list[tuple[str, str, bytes]]) -> tuple[bytes, dict[str, str]]:
    """A form body as a browser sends it (``files``: field, file name, bytes): unlike httpx, a browser
    sends a file input left empty as a part with ``filename=""``. Returns the body and its headers."""
    boundary = "cx-test-boundary-7MA4YWxkTrZu0gW"
    parts = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    for name, filename, content in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")  # fmt: skip
        parts.append(head.encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
