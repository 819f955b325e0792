"""Property-based API test (schemathesis strategies + hypothesis): whatever a client sends,
the API answers with a decision or a problem JSON — never a server error. Runs as the
administrator so that every operation is reached, on SQLite and PostgreSQL."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from chengxin.security.permissions import Role
from tests.e2e.conftest import Env


def test_no_server_errors(env: Env) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    headers = env.auth(Role.credit_centre)

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400 and response.content:
                body = response.json()
                assert body.get("code") and body.get("detail"), (case.method, case.path, body)

        run()
