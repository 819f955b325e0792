"""SQLite writers of one process queue on a lock instead of sleeping in SQLite's busy handler: concurrent
write transactions all land, none waits for a busy-handler sleep, and a connection that runs two
transactions before going back to the pool does not block itself."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from chengxin.db import forget_database, open_database


def test_concurrent_writers_take_turns_without_sleeping(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    db = open_database(url)
    with db.writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (i INTEGER, thread INTEGER)"))
    waits: list[float] = []

    def write(n: int) -> None:
        for i in range(40):
            start = time.perf_counter()
            with db.writer.begin() as conn:
                waits.append(time.perf_counter() - start)
                conn.execute(text("INSERT INTO t VALUES (:i, :n)"), {"i": i, "n": n})
                time.sleep(0.002)  # a transaction that takes a while, as a request's does

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with db.writer.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 8 * 40
    waits.sort()
    # Eight writers of ~2 ms each: a turn comes within ~8 transactions; the busy handler's sleeps
    # (up to 100 ms each, growing) made the slowest waits hundreds of milliseconds.
    assert waits[int(len(waits) * 0.99)] < 0.1, waits[-5:]
    forget_database(url)


def test_two_transactions_on_one_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate2.db'}"
    db = open_database(url)
    with db.writer.connect() as conn:
        with conn.begin():
            conn.execute(text("CREATE TABLE u (i INTEGER)"))
        with conn.begin():  # the connection still holds the gate: no wait for itself
            conn.execute(text("INSERT INTO u VALUES (1)"))
    with db.writer.begin() as conn:  # and it was given back with the connection
        assert conn.execute(text("SELECT count(*) FROM u")).scalar() == 1
    forget_database(url)
