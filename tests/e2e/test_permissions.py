"""Walk every route with every role: a role without the route's permission is refused
(401 anonymous, 403 otherwise); a role with it is never refused for lack of permission."""

from __future__ import annotations

import re

import pytest

from chengxin.security.permissions import MATRIX, Role
from tests.e2e.conftest import Env

SAMPLE = {"subject_id": "1", "code": "91320102MA1XXXXXXX", "token_id": "999", "period": "2026Q3"}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)


def test_every_route_declares_a_permission(env: Env) -> None:
    from chengxin.app import route_permissions

    routes = route_permissions(env.client.app)  # type: ignore[arg-type]
    assert len(routes) >= 15
    assert all(perm is not None for _, _, perm in routes)


@pytest.mark.parametrize("role", list(Role))
def test_route_role_matrix(env: Env, role: Role) -> None:
    from chengxin.app import route_permissions

    checked = 0
    for method, path, permission in route_permissions(env.client.app):  # type: ignore[arg-type]
        url = _concrete(path)
        r = env.client.request(
            method,
            url,
            headers=env.auth(role),
            json={} if method in ("POST", "PATCH") else None,
            follow_redirects=False,
        )
        body = r.json() if r.headers.get("content-type", "").startswith("application/") and r.content else {}
        refused = r.status_code in (401, 403) and body.get("code") in ("authentication_required", "permission_denied")
        if permission in MATRIX[role]:
            assert not refused, f"{role} refused on {method} {path}: {r.status_code} {body}"
        else:
            assert r.status_code == (401 if role is Role.public else 403), f"{role} allowed on {method} {path}"
            assert refused, f"{method} {path} refused {role} without a problem body: {body}"
        checked += 1
    assert checked >= 15
