"""Pure security pieces: permissions, tokens' scopes, PII cipher, audit hashing, default deny."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from chengxin.security import audit
from chengxin.security.crypto import PiiCipher
from chengxin.security.passwords import hash_password, verify_password
from chengxin.security.permissions import MATRIX, Permission, Role, parse_scopes


def test_public_role_only_reads_public_data() -> None:
    assert MATRIX[Role.public] == frozenset({Permission.public_read})
    assert Permission.subjects_read_pii not in MATRIX[Role.platform]
    assert Permission.audit_verify not in MATRIX[Role.department]


def test_token_scopes_are_a_subset_of_the_role() -> None:
    assert parse_scopes(Role.platform, None) == MATRIX[Role.platform]
    assert parse_scopes(Role.platform, ["subjects:read"]) == {Permission.subjects_read}
    with pytest.raises(ValueError, match="cannot hold"):
        parse_scopes(Role.platform, ["subjects:read_pii"])


def test_cipher_round_trip_context_and_blind_index() -> None:
    c = PiiCipher.from_master(bytes(range(32)))
    blob = c.encrypt("11010519491231002X", context="ric")
    assert b"11010519491231002X" not in blob
    assert c.decrypt(blob, context="ric") == "11010519491231002X"
    assert c.encrypt("11010519491231002X", context="ric") != blob  # random nonce
    with pytest.raises(Exception):  # noqa: B017 - any failure: wrong associated data
        c.decrypt(blob, context="name")
    assert c.blind_index("x", context="ric") == c.blind_index("x", context="ric")
    other = PiiCipher.from_master(bytes(32))
    assert other.blind_index("x", context="ric") != c.blind_index("x", context="ric")
    many = c.blind_indexer(context="ric")  # the keyed state reused: the same indexes
    assert [many(v) for v in ("x", "11010519491231002X", "x")] == [
        c.blind_index(v, context="ric") for v in ("x", "11010519491231002X", "x")
    ]
    assert c.blind_indexer(context="name")("x") != many("x")


def test_passwords() -> None:
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$") and verify_password(h, "correct horse") and not verify_password(h, "wrong")


def test_audit_hash_depends_on_every_field() -> None:
    values = {k: None for k in audit._HASHED}
    values.update(
        seq=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor="a",
        actor_role="r",
        action="x",
        fields=[],
        detail={},
        prev_hash=audit.GENESIS,
    )
    base = audit.compute_hash(values)
    for key, new in [("actor", "b"), ("purpose", "p"), ("detail", {"a": 1}), ("seq", 2), ("prev_hash", "1" * 64)]:
        assert audit.compute_hash({**values, key: new}) != base, key


def test_a_route_without_permission_stops_the_app() -> None:
    from chengxin.app import _check_default_deny

    app = FastAPI()

    @app.get("/open")
    def open_route() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="declares no permission"):
        _check_default_deny(app)
