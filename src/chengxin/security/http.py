"""HTTP side of security: who the caller is, and the permission every route must declare.

``Require(permission)`` is the only way a route gets an actor; ``app.py`` refuses to start
when a route lacks one (default deny). Tokens come as ``Authorization: Bearer cx_…``; web
pages use a session cookie, and unsafe requests made with the cookie need the CSRF token.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.errors import AuthenticationRequired, PermissionDenied
from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import Permission

SESSION_COOKIE = "cx_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AppState:
    settings: Settings
    db: Database
    cipher: PiiCipher
    verifier: Any  # IdentityVerifier


def state(request: Request) -> AppState:
    return request.app.state.chengxin  # type: ignore[no-any-return]


def _resolve(request: Request) -> Actor:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    st = state(request)
    actor: Actor | None = ANONYMOUS
    auth = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise AuthenticationRequired("use 'Authorization: Bearer <token>'", code="bad_authorization")
        with unit_of_work(st.db, readonly=True) as s:
            actor = accounts.actor_for_token(s, secret.strip())
        if actor is None:
            raise AuthenticationRequired("the token is unknown, expired or revoked", code="invalid_token")
    elif cookie:
        with unit_of_work(st.db, readonly=True) as s:
            actor = accounts.actor_for_session(s, cookie)
        if actor is None:
            actor = ANONYMOUS
    actor = as_requested(actor or ANONYMOUS, request.headers, request.query_params)
    request.state.actor = actor
    return actor


def as_requested(actor: Actor, headers: Mapping[str, str], query: Mapping[str, str]) -> Actor:
    """The actor with the request's stated purpose (``X-Purpose`` or ``?purpose=``) and id (``X-Request-Id``,
    else a new one), as the audit log records them."""
    purpose = clean_purpose(headers.get("x-purpose") or query.get("purpose"))
    return replace(actor, purpose=purpose, request_id=headers.get("x-request-id") or uuid.uuid4().hex[:16])


def clean_purpose(raw: str | None) -> str | None:
    """The stated purpose as recorded in the audit log: printable text, at most 200 characters."""
    if not raw:
        return None
    text = "".join(ch for ch in raw if ch.isprintable()).strip()
    return text[:200] or None


async def _resolve_async(request: Request) -> Actor:
    """``_resolve`` without blocking the event loop: token and session look-ups run in the
    thread pool; an anonymous caller needs no I/O."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if "authorization" in request.headers or SESSION_COOKIE in request.cookies:
        return await run_in_threadpool(_resolve, request)
    return _resolve(request)


class Require:
    """Dependency: the caller must hold ``permission``; returns the ``Actor``."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Actor:
        if (
            request.method not in SAFE_METHODS
            and SESSION_COOKIE in request.cookies
            and "x-csrf-token" not in request.headers
            and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            )
        ):
            form = await request.form()
            token = form.get("csrf_token")
            request.state.csrf_form = token if isinstance(token, str) else None
        actor = _resolve(request)
        if (
            actor.csrf_token is not None
            and request.method not in SAFE_METHODS
            and "authorization" not in request.headers
        ):
            # A cookie session: unsafe requests must echo the session's CSRF token.
            sent = request.headers.get("x-csrf-token") or getattr(request.state, "csrf_form", None)
            if sent != actor.csrf_token:
                raise PermissionDenied("missing or wrong CSRF token", code="csrf_failed")
        if not actor.can(self.permission):
            if actor is ANONYMOUS or actor.label == "anonymous":
                raise AuthenticationRequired(f"this needs the permission {self.permission}; log in or send a token")
            raise PermissionDenied(f"role {actor.role} does not hold the permission {self.permission}")
        request.state.permission = self.permission
        return actor

    def __repr__(self) -> str:
        return f"Require({self.permission})"


def own_subject_id(actor: Actor) -> int:
    """The subject a self-service account speaks for; the /me pages are for subject accounts only."""
    if actor.subject_id is None or str(actor.role) != "subject":
        raise PermissionDenied("these pages are for a subject's own account", code="not_the_subject",
                               message_zh="该页面仅供信用主体本人使用")  # fmt: skip
    return actor.subject_id


async def read_session_dep(request: Request) -> AsyncIterator[Session]:
    """A read-only unit of work for a request that writes through another path (the check log)."""
    await _resolve_async(request)
    with unit_of_work(state(request).db, readonly=True) as session:
        yield session


async def session_dep(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: read-only for anonymous callers, writing otherwise.

    Use with ``Depends(session_dep, scope="function")`` so the commit happens before the
    response is sent. Async on purpose: opening a session does no I/O, so the request avoids
    two thread-pool hops."""
    actor = await _resolve_async(request)
    readonly = actor.label == "anonymous" and request.method in SAFE_METHODS
    # The unit of work commits and releases on the event loop, never in the thread pool: if
    # releasing needed a worker thread, a burst that filled every thread with requests waiting
    # for a pooled connection could never give one back (a deadlock seen under load).
    with unit_of_work(state(request).db, readonly=readonly) as session:
        yield session
