"""SQLite's write-ahead log is checkpointed by a thread of the process, not by the commit that happens to
cross SQLite's 1,000-page mark (which then took 10-30 ms longer): writers do not checkpoint, the thread
does while the log has grown, and it stops with the database's engines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from chengxin import db as dbmod
from chengxin.db import forget_database, open_database


def test_the_thread_checkpoints_and_writers_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "CHECKPOINT_EVERY_S", 0.05)
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    db = open_database(url)
    try:
        with db.writer.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == dbmod.WAL_LIMIT
            conn.execute(text("CREATE TABLE t (i INTEGER, pad TEXT)"))
        for n in range(30):
            with db.writer.begin() as conn:
                conn.execute(
                    text("INSERT INTO t VALUES (:i, :p)"), [{"i": n * 100 + i, "p": "x" * 500} for i in range(100)]
                )
        checkpointer = dbmod._checkpointers[db.writer]
        deadline = time.monotonic() + 10
        while checkpointer.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert checkpointer.runs >= 1
        with db.reader.connect() as conn:  # what the checkpointer copied back is all there
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 3000
        with db.reader.connect() as conn:  # a reader does not checkpoint either (it never commits)
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        thread = dbmod._checkpointers[db.writer].thread
        forget_database(url)
    assert thread is not None
    thread.join(5)
    assert not thread.is_alive()  # stopped with the engines
