"""The check lane: the platforms' onboarding checks — ``POST /api/v1/checks`` with a bearer token, a few
subjects by identifier — answered beside FastAPI's routing, dependency injection and thread pool, which
cost ~4 ms of a ~5 ms check on the benchmark machine (hundreds of routes are matched in turn).

It is the route (``router.run_check``) on a shorter path, not another one: the same permission, service,
log and answer. What it needs from the database beyond the standing index's change feed — the caller's
token, the record types in force — it keeps in memory while the feed says they have not changed
(migration 0017 writes the API tokens' and the catalog's changes to the feed), so a check costs one
indexed read before its log; a token revoked by any process is refused by the next check.

Everything else goes to the app as it came, the body replayed: a check by name or of more than
``LANE_ITEMS`` subjects, a cookie session, a body that is not valid, a token that is not, a caller
without the permission, a refused check (unknown scenario, …) — the route answers, or refuses, those.
The lane runs on the event loop: it reads nothing that can take long (an index that must be built first:
the route builds it, in the thread pool). On PostgreSQL it reads the feed and writes the log there too,
asynchronously (``aio``); on SQLite, where a read costs microseconds, it reads in place and hands the log
to the log's writer thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.datastructures import Headers as StarletteHeaders
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from chengxin.domains.accounts.service import token_grant, unexpired
from chengxin.domains.catalog.rules import RecordType
from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.checks import log as checklog
from chengxin.domains.checks import service, standing
from chengxin.domains.checks.aio import AsyncPostgres
from chengxin.domains.checks.schemas import CheckIn
from chengxin.errors import DomainError
from chengxin.security.actor import Actor
from chengxin.security.http import AppState, as_requested
from chengxin.security.passwords import hash_secret
from chengxin.security.permissions import Permission

PATH = "/api/v1/checks"
LANE_ITEMS = 50  # more: the route (a large check is worked out in the thread pool, off the event loop)
MAX_BODY = 64 * 1024
MAX_TOKENS_HELD = 10_000
Scope = dict[str, Any]
ErrorResponse = Callable[[Request, DomainError], Response]


class _Known:
    """The tokens and record types in force as last read, each with the feed's version it was read at."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[int, Actor, Any]] = {}  # secret hash → (version, actor, expires_at)
        self.catalog: tuple[int, Mapping[str, RecordType]] | None = None

    def actor(self, session: Session, index: standing.StandingIndex, secret: str) -> Actor | None:
        version, key = index.versions[standing.TOKENS], hash_secret(secret)
        held = self.tokens.get(key)
        if held is None or held[0] != version:
            grant = token_grant(session, secret)
            if grant is None:
                self.tokens.pop(key, None)
                return None
            if len(self.tokens) > MAX_TOKENS_HELD:  # tokens are few; a flood of distinct ones is not kept
                self.tokens.clear()
            held = self.tokens[key] = (version, *grant)
        return unexpired(held[1], held[2])

    def types(self, session: Session, index: standing.StandingIndex) -> Mapping[str, RecordType]:
        version = index.versions[standing.CATALOG]
        if self.catalog is None or self.catalog[0] != version:
            self.catalog = (version, active_catalog(session).types)
        return self.catalog[1]


class CheckLane:
    """ASGI middleware: answers the checks it can (see the module), passes on every other request."""

    def __init__(self, app: Any, state: AppState, route: Any, on_error: ErrorResponse) -> None:
        self.app, self.state, self.route, self.on_error = app, state, route, on_error
        self.known = _Known()
        # one reading connection of its own, used on the event loop only: in autocommit (the reader engine's
        # mode on both databases), every statement sees what is committed; a session per check costs ~0.2 ms
        # less than one from the pool
        self._reader: Connection | None = None
        # PostgreSQL: the feed read and the log written on the event loop (``aio``), not by a thread
        self.pg = AsyncPostgres(state.db) if state.db.dialect == "postgresql" else None
        self.answered = self.passed = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if (
            headers.get(b"authorization", b"")[:7].lower() != b"bearer "
            or not length.isdigit()
            or int(length) > MAX_BODY
        ):
            await self.app(scope, receive, send)
            return
        body, messages = await _body(receive)
        if body is not None and await self._answer(scope, headers, body, receive, send):
            self.answered += 1
            return
        self.passed += 1
        await self.app(scope, _replay(messages, receive), send)

    async def _answer(self, scope: Scope, headers: dict[bytes, bytes], body: bytes, receive: Any, send: Any) -> bool:
        """Answer the check; False (nothing sent, nothing logged) when the route is to."""
        try:
            data = CheckIn.model_validate_json(body)
        except ValidationError:
            return False
        items = data.subjects
        if not items or len(items) > LANE_ITEMS or any("name" in item for item in items):
            return False
        feed = None
        if self.pg is not None:  # the feed read without blocking the loop (applied by ``_prepare``)
            index = standing.existing(self.state.db.reader)
            if index is None:
                return False
            try:
                feed = (index.mark, await self.pg.feed(index.mark))
            except psycopg.Error:
                feed = None  # read again by ``_prepare``, on its own connection
        try:
            prepared = self._prepare(scope, headers, data, feed)
        except DomainError:  # refused: the route refuses it the same way
            return False
        if prepared is None:
            return False
        entry, results = prepared
        if self.pg is not None:
            committed = self.pg.submit(entry)
        else:
            loop = asyncio.get_running_loop()
            committed = loop.create_future()
            entry.notify = lambda: loop.call_soon_threadsafe(_settle, committed)
            checklog.submit(self.state.db, entry)
        payload = results()  # while the log commits
        try:
            async with asyncio.timeout(checklog.WAIT_S):
                await committed
        except TimeoutError:
            pass
        try:
            check_id = entry.result()
        except DomainError as err:  # not logged: not answered (503)
            await self.on_error(Request(scope, receive), err)(scope, receive, send)
            return True
        answer = service.envelope(check_id, data.scenario, payload)
        scope["route"] = self.route  # (metrics by route template)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]})  # fmt: skip
        await send({"type": "http.response.body", "body": answer})
        return True

    def _prepare(
        self, scope: Scope, headers: dict[bytes, bytes], data: CheckIn, feed: tuple[int, Sequence[Any]] | None
    ) -> tuple[checklog.Entry, Callable[[], bytes]] | None:
        """The check answered and its log entry, or None when the route is to answer it."""
        st = self.state
        try:
            if self._reader is None or self._reader.invalidated:
                self._reader = st.db.reader.connect()
            with Session(bind=self._reader) as session:
                session.info["readonly"] = True
                return self._answer_in(session, scope, headers, data, feed)
        except DBAPIError:  # the connection is gone (a database restart): the route, on a pooled one
            self._reader, broken = None, self._reader
            if broken is not None:
                broken.invalidate()
            return None

    def _answer_in(
        self,
        session: Session,
        scope: Scope,
        headers: dict[bytes, bytes],
        data: CheckIn,
        feed: tuple[int, Sequence[Any]] | None,
    ) -> tuple[checklog.Entry, Callable[[], bytes]] | None:
        st = self.state
        index = standing.refresh(session, read=feed)  # first: what follows is read as of now
        if index is None:
            return None
        actor = self.known.actor(session, index, headers[b"authorization"][7:].decode("latin-1").strip())
        if actor is None or not actor.can(Permission.checks_run):
            return None
        record_types = self.known.types(session, index)
        catalog = service.current_catalog(session, record_types)  # the measures file: by its mtime
        if index.types != catalog.record_types:
            return None
        actor = as_requested(actor, StarletteHeaders(scope=scope), QueryParams(scope["query_string"]))
        known = (record_types, catalog, index)
        return service.answer(
            session, actor, scenario=data.scenario, items=data.subjects, cipher=st.cipher, known=known
        )


async def _body(receive: Any) -> tuple[bytes | None, list[dict[str, Any]]]:
    """The request's body (None: the client left first, or sent more than it announced) and the messages
    it came in, to replay."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replay(messages: list[dict[str, Any]], receive: Any) -> Any:
    pending = list(messages)

    async def again() -> dict[str, Any]:
        return pending.pop(0) if pending else await receive()

    return again


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
