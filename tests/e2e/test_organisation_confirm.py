"""Sources registered by imports await the credit centre's confirmation."""

from __future__ import annotations

from chengxin.db import unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role
from tests.e2e.conftest import Env


def test_a_pending_source_is_listed_and_confirmed(env: Env) -> None:
    db = env.client.app.state.chengxin.db  # type: ignore[attr-defined]
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=cli_actor("t"), kind="department", name="某县农业农村局",
                                           status="pending")  # fmt: skip
        org_id = org.id
    admin = env.auth(Role.credit_centre)
    pending = env.client.get("/api/v1/organisations", params={"status": "pending"}, headers=admin).json()
    assert [o["name"] for o in pending] == ["某县农业农村局"]
    assert (
        env.client.post(f"/api/v1/organisations/{org_id}/confirm", headers=env.auth(Role.department)).status_code == 403
    )
    r = env.client.post(f"/api/v1/organisations/{org_id}/confirm", json={"sector": "agriculture"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["sector"] == "agriculture"
    again = env.client.post(f"/api/v1/organisations/{org_id}/confirm", headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "organisation_not_pending")
    missing = env.client.post("/api/v1/organisations/99999/confirm", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "organisation_not_found")
    assert env.client.get("/api/v1/organisations", params={"status": "pending"}, headers=admin).json() == []
