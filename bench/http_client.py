"""A minimal asyncio HTTP/1.1 client for the load generator: GET (or a JSON POST) over keep-alive
connections, with fixed extra headers (a bearer token).

httpx costs about 3 ms of CPU per request on the 2-core benchmark machine, which at 200
requests/s would take most of a core from the server being measured; this costs a fraction.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

HOST = "127.0.0.1"


@dataclass
class Reply:
    status: int
    body: bytes
    server_ms: float | None = None  # the server's own time (``Server-Timing: app;dur=``), when it says


class StaleConnection(Exception):
    """A kept-alive connection the server had already closed (nothing of a reply was read)."""


class Connection:
    """One keep-alive HTTP/1.1 connection: a request line out, a Content-Length (or chunked) reply in.

    A deliberately minimal client: httpx costs about 3 ms of CPU per request on this machine, which
    at 200 requests/s would take most of a core from the server it is measuring."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: bytes,
                 headers: bytes = b"") -> None:
        self.reader, self.writer, self.host, self.headers = reader, writer, host, headers
        self.usable = True
        self.used = 0
        self.last_used = time.perf_counter()

    @classmethod
    async def open(cls, port: int, headers: bytes = b"") -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer, f"{HOST}:{port}".encode(), headers)

    async def get(self, path: str, body: bytes | None = None) -> Reply:
        """GET ``path``, or POST ``body`` (JSON) to it."""
        self.used += 1
        head = (b"POST " if body is not None else b"GET ") + path.encode() + b" HTTP/1.1\r\nHost: " + self.host
        head += b"\r\nAccept: application/json\r\n" + self.headers
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.writer.write(head + b"\r\n" + (body or b""))
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            partial = getattr(exc, "partial", b"")
            if self.used > 1 and not partial:
                raise StaleConnection from exc
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.usable = False
        if headers.get("connection", "").lower() == "close":
            self.usable = False
        self.last_used = time.perf_counter()
        timing = headers.get("server-timing", "")
        server_ms = float(timing.split("dur=", 1)[1].split(",")[0]) if "dur=" in timing else None
        return Reply(status, body, server_ms)

    def close(self) -> None:
        self.usable = False
        self.writer.close()


class Pool:
    """At most ``size`` connections, most recently used first, opened on demand. Connections idle
    longer than uvicorn's keep-alive timeout (5 s) are dropped before use; a request that meets a
    connection the server closed anyway is retried once on a new one (as any HTTP client does)."""

    MAX_IDLE_S = 3.0

    def __init__(self, port: int, size: int, headers: bytes = b"") -> None:
        self.port, self.headers = port, headers
        self.slots = asyncio.Semaphore(size)
        self.idle: list[Connection] = []
        self.opened = 0

    async def _take(self) -> Connection:
        now = time.perf_counter()
        while self.idle:
            conn = self.idle.pop()
            if now - conn.last_used < self.MAX_IDLE_S:
                return conn
            conn.close()
        self.opened += 1
        return await Connection.open(self.port, self.headers)

    async def get(self, path: str, body: bytes | None = None) -> Reply:
        async with self.slots:
            conn = await self._take()
            try:
                try:
                    reply = await conn.get(path, body)
                except StaleConnection:
                    conn.close()
                    self.opened += 1
                    conn = await Connection.open(self.port, self.headers)
                    reply = await conn.get(path, body)
            except BaseException:
                conn.close()
                raise
            if conn.usable:
                self.idle.append(conn)
            else:
                conn.close()
            return reply

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()
