"""Evaluation state: marking subjects' evaluations stale (the recomputation comes later)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.evaluation.models import EvaluationState


def mark_stale(session: Session, subject_ids: Iterable[int], *, cause: str) -> int:
    """Mark the subjects' evaluations stale (already stale ones keep their first cause and time);
    returns how many were newly marked."""
    wanted = sorted(set(subject_ids))
    if not wanted:
        return 0
    now = utcnow()
    marked = 0
    for start in range(0, len(wanted), 1000):
        part = wanted[start : start + 1000]
        rows = session.scalars(select(EvaluationState).where(EvaluationState.subject_id.in_(part)))
        known = {s.subject_id: s for s in rows}
        for sid in part:
            state = known.get(sid)
            if state is None:
                session.add(EvaluationState(subject_id=sid, stale=True, stale_since=now, cause=cause, updated_at=now))
                marked += 1
            elif not state.stale:
                state.stale, state.stale_since, state.cause, state.updated_at = True, now, cause, now
                marked += 1
    session.flush()
    return marked


def is_stale(session: Session, subject_id: int) -> bool:
    state = session.get(EvaluationState, subject_id)
    return state is not None and state.stale
