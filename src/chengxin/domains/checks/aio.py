"""The check lane on PostgreSQL without threads: the change feed read and the check log written on the
event loop, over two connections of its own (psycopg's asynchronous ones).

With the log written by a thread, every round trip of either thread handed Python's interpreter lock back
and forth: under 500 checks a second the writer waited for the loop and the loop for the writer, and the
p99 of a check was 90 ms where its work took 2. Here one thread does everything and waits only on sockets.
The statements are the thread writer's (``log.commit``): the chain's lock, its head and the checks in one
pipeline, the audit rows and the commit in a second; the checks waiting meanwhile are written together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from chengxin.db import Database, utcnow
from chengxin.domains.checks import log as checklog
from chengxin.domains.checks import standing
from chengxin.observability import log
from chengxin.security import audit


class AsyncPostgres:
    """One process's feed reader and check-log writer for the lane (created on the event loop's side)."""

    def __init__(self, db: Database) -> None:
        url = make_url(db.url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self.dialect = db.writer.dialect
        self.reader: psycopg.AsyncConnection[Any] | None = None
        self.writer: psycopg.AsyncConnection[Any] | None = None
        self.pending: list[tuple[checklog.Entry, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def feed(self, mark: int) -> Sequence[Any]:
        """The change feed's rows from ``mark`` (``standing.PG_CHANGES``), read now."""
        if self.reader is None or self.reader.closed:
            self.reader = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        try:
            cursor = await self.reader.execute(standing.PG_CHANGES, (mark,))
            return await cursor.fetchall()
        except psycopg.OperationalError:
            await self.reader.close()
            raise

    def submit(self, entry: checklog.Entry) -> asyncio.Future[None]:
        """Log ``entry`` with the others waiting; the future is done once it is written (or could not be:
        ``entry.error``)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self.pending.append((entry, done))
        if self.task is None:
            self.task = loop.create_task(self._write())
        return done

    async def _write(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[: checklog.MAX_BATCH], self.pending[checklog.MAX_BATCH :]
                entries = [e for e, _ in batch]
                try:
                    await self._commit(entries)
                except Exception as exc:  # every waiter gets the failure; the next batch a new connection
                    log.error("check_log_failed", checks=len(entries), error=repr(exc))
                    for e in entries:
                        e.error = exc
                    if self.writer is not None:
                        await self.writer.close()
                for e, done in batch:
                    e.done.set()
                    if not done.done():
                        done.set_result(None)
        finally:
            self.task = None

    async def _commit(self, batch: list[checklog.Entry]) -> None:
        if self.writer is None or self.writer.closed:
            self.writer = await psycopg.AsyncConnection.connect(self.conninfo)
        conn, now = self.writer, utcnow()
        try:
            async with conn.pipeline():
                await conn.execute(audit.PG_LOCK)
                head = await conn.execute(audit.HEAD)
                inserted = await conn.execute(*checklog.pg_insert_checks(self.dialect, batch, now))
            ids = checklog.checked_ids(batch, await inserted.fetchall())
            top = await head.fetchone()
            async with conn.pipeline():
                await conn.execute(*checklog.pg_insert_entries(self.dialect, batch, ids, top, now))
                await conn.commit()
        except BaseException:
            if not conn.closed:
                await conn.rollback()
            raise
