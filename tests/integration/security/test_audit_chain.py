"""The audit chain detects a hand-edited or deleted row, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from chengxin.db import Database, unit_of_work
from chengxin.security import audit
from chengxin.security.actor import cli_actor


def _fill(db: Database, n: int = 5) -> None:
    with unit_of_work(db) as s:
        for i in range(n):
            audit.record(s, cli_actor("test"), audit.Event("test.event", object_id=i, detail={"i": i, "名": "值"}))


def _hand_edit(db: Database, sql: str) -> None:
    """What an intruder with database rights does: switch the append-only trigger off, edit."""
    with db.writer.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_append_only"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_no_update"))
            conn.execute(text("DROP TRIGGER audit_no_delete"))
            conn.execute(text(sql))


def _verify(db: Database, **kw: str) -> audit.ChainReport:
    with unit_of_work(db, readonly=True) as s:
        return audit.verify_chain(s, **kw)  # type: ignore[arg-type]


def test_intact_chain_verifies(db: Database) -> None:
    _fill(db)
    report = _verify(db)
    assert report.ok and report.checked == 5 and report.head_seq == 5


def test_edited_entry_is_detected(db: Database) -> None:
    _fill(db)
    _hand_edit(db, "UPDATE audit_entries SET purpose = 'nothing to see' WHERE seq = 3")
    report = _verify(db)
    assert not report.ok
    assert any("entry 3" in p and "edited" in p for p in report.problems)


def test_deleted_entry_is_detected(db: Database) -> None:
    _fill(db)
    _hand_edit(db, "DELETE FROM audit_entries WHERE seq = 2")
    report = _verify(db)
    assert not report.ok and any("missing" in p for p in report.problems)


def test_rehashed_edit_still_breaks_the_link(db: Database) -> None:
    _fill(db)
    with unit_of_work(db, readonly=True) as s:
        row = s.get(audit.AuditEntry, 2)
        assert row is not None
        values = {c: getattr(row, c) for c in audit._HASHED}
    values["purpose"] = "forged"
    forged = audit.compute_hash(values)
    _hand_edit(db, f"UPDATE audit_entries SET purpose = 'forged', entry_hash = '{forged}' WHERE seq = 2")
    report = _verify(db)
    assert any("entry 3: does not link" in p for p in report.problems)


def test_truncated_tail_detected_with_recorded_checkpoint(db: Database) -> None:
    _fill(db)
    report = _verify(db)
    checkpoint = f"{report.head_seq}:{report.head_hash}"
    _fill(db, 2)  # the log goes on after the checkpoint was recorded: still fine
    assert _verify(db, checkpoint=checkpoint).ok
    _hand_edit(db, "DELETE FROM audit_entries WHERE seq >= 5")
    assert _verify(db).ok  # a chain cannot see its own missing tail …
    bad = _verify(db, checkpoint=checkpoint)  # … the recorded checkpoint can
    assert not bad.ok and "checkpoint entry 5 is gone" in bad.problems[0]


def test_audit_table_is_append_only(db: Database) -> None:
    _fill(db, 1)
    with pytest.raises(DBAPIError), db.writer.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET purpose = 'x'"))
    with pytest.raises(DBAPIError), db.writer.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))


def test_read_only_unit_of_work_cannot_audit(db: Database) -> None:
    with pytest.raises(RuntimeError), unit_of_work(db, readonly=True) as s:
        audit.record(s, cli_actor(), audit.Event("x"))
