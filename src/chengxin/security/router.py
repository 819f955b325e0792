"""Audit API (thin): list entries, verify the chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.ids import MAX_ID
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("")
def list_entries(
    session: DB,
    actor: Actor = Depends(Require(P.audit_read)),
    subject_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z_.]+$")] = None,
    after: int = Query(0, ge=0, le=2**62),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Audit entries in order (``after`` = last seq seen), filterable by subject and action."""
    stmt = select(audit.AuditEntry).where(audit.AuditEntry.seq > after)
    if subject_id is not None:
        stmt = stmt.where(audit.AuditEntry.subject_id == subject_id)
    if action:
        stmt = stmt.where(audit.AuditEntry.action == action)
    rows = session.scalars(stmt.order_by(audit.AuditEntry.seq).limit(limit))
    return [{c: getattr(e, c) for c in (*audit._HASHED, "entry_hash")} for e in rows]


@router.get("/verify")
def verify(
    session: DB,
    actor: Actor = Depends(Require(P.audit_verify)),
    checkpoint: str | None = Query(None, pattern=r"^\d+:[0-9a-f]{64}$"),
) -> dict[str, Any]:
    """Walk the chain: ``ok`` is false when any entry was edited, deleted or reordered."""
    report = audit.verify_chain(session, checkpoint=checkpoint)
    return {
        "ok": report.ok,
        "checked": report.checked,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "problems": report.problems,
    }
