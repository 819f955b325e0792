"""Rate limit of public queries (公开查询限流): a sliding window of the last minute's requests per client (its
token, or its address when anonymous), kept in the process's memory — each server process counts its own
clients, which is what stops one client from walking the register."""

from __future__ import annotations

import math
import threading
from collections import deque

MAX_CLIENTS = 100_000  # beyond: the oldest windows are dropped (a flood of addresses cannot exhaust memory)


class SlidingWindow:
    """At most ``limit`` requests per ``period_s`` seconds for each key."""

    def __init__(self, limit: int, period_s: float = 60.0) -> None:
        self.limit, self.period_s = limit, period_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float) -> int | None:
        """None when the request is allowed (and counted); otherwise the seconds until one will be."""
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_CLIENTS:
                    for old in list(self._hits)[: MAX_CLIENTS // 10]:
                        del self._hits[old]
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.period_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.period_s - now))
            hits.append(now)
            return None
