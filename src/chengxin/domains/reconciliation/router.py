"""Unmatched queue JSON API (待匹配), for the credit centre. Thin: parse, call the service, render."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from chengxin.domains.reconciliation import service
from chengxin.domains.reconciliation.schemas import DismissIn, ResolveIn, UnmatchedOut, UnmatchedPage, present
from chengxin.ids import Id, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.text import CleanText

router = APIRouter(prefix="/api/v1/records/unmatched", tags=["reconciliation"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
Reconciler = Annotated[Actor, Depends(Require(P.records_reconcile))]


def _one(session: Session, unmatched_id: int) -> UnmatchedOut:
    u = service.get_unmatched(session, unmatched_id)
    return present(u, source=service.source_names(session, {u.source_org_id}).get(u.source_org_id), full=True)


@router.get("", response_model=UnmatchedPage)
def list_unmatched(
    session: DB,
    actor: Reconciler,
    status: Literal["open", "resolved", "dismissed", "all"] = "open",
    source_org_id: Id | None = None,
    type: CleanText | None = Query(None, max_length=40, description="record type code"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> UnmatchedPage:
    """The queue, oldest first; natural persons' identity numbers masked."""
    page = service.list_unmatched(
        session,
        status=None if status == "all" else status,
        source_org_id=source_org_id,
        type_code=type,
        limit=limit,
        offset=offset,
    )
    items = [present(u, source=page.sources.get(u.source_org_id)) for u in page.items]
    return UnmatchedPage(total=page.total, limit=limit, offset=offset, items=items)


@router.get("/{unmatched_id}", response_model=UnmatchedOut)
def get_unmatched(unmatched_id: PathId, session: DB, actor: Reconciler) -> UnmatchedOut:
    return _one(session, unmatched_id)


@router.post("/{unmatched_id}/resolve", response_model=UnmatchedOut)
def resolve(unmatched_id: PathId, body: ResolveIn, request: Request, session: DB, actor: Reconciler) -> UnmatchedOut:
    """Link to an existing subject: the record is created (or found) and the row marked resolved."""
    service.resolve(
        session, actor=actor, unmatched_id=unmatched_id, subject_id=body.subject_id, cipher=state(request).cipher
    )
    return _one(session, unmatched_id)


@router.post("/{unmatched_id}/register", response_model=UnmatchedOut)
def register(unmatched_id: PathId, request: Request, session: DB, actor: Reconciler) -> UnmatchedOut:
    """Register the party as a subject from its USCC, then link the record to it."""
    service.register_and_resolve(session, actor=actor, unmatched_id=unmatched_id, cipher=state(request).cipher)
    return _one(session, unmatched_id)


@router.post("/{unmatched_id}/dismiss", response_model=UnmatchedOut)
def dismiss(unmatched_id: PathId, body: DismissIn, session: DB, actor: Reconciler) -> UnmatchedOut:
    """Set the submission aside without a record, with the reason."""
    service.dismiss(session, actor=actor, unmatched_id=unmatched_id, reason=body.reason)
    return _one(session, unmatched_id)
