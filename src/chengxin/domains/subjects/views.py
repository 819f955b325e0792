"""Read models of subjects for the hot read paths (lookup by code, profiles, search pages).

Exact lookup is what platforms call at every merchant onboarding, so it reads plain rows
(one indexed query) instead of building ORM objects. Presentation works on ``SubjectView``;
``view_of`` turns an ORM ``Subject`` (just created or changed) into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from chengxin.domains.subjects.models import Subject, SubjectRole


@dataclass(frozen=True, slots=True)
class SubjectView:
    id: int
    kind: str
    name: str
    legal_form: str | None
    uscc: str | None
    ric_cipher: bytes | None
    ric_masked: str | None
    division: str
    legal_representative: str | None
    identity_warnings: list[str]
    verification_status: str
    verification_method: str | None
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    role_names: list[str]


def view_of(subject: Subject) -> SubjectView:
    return SubjectView(**{f.name: getattr(subject, f.name) for f in fields(SubjectView)})


_SUBJECTS = Subject.__table__.c
_ROLES = SubjectRole.__table__.c
_COLUMNS = [_SUBJECTS[f.name] for f in fields(SubjectView) if f.name != "role_names"]
# One statement (subject LEFT JOIN roles), built once: one round trip per lookup, and the
# compiled-statement cache hits the same object every time, so result columns need no
# per-call adaptation (measured: a third of the lookup's cost).
Key = Literal["id", "uscc", "ric_index"]
_JOINED = select(*_COLUMNS, _ROLES["role"]).select_from(
    Subject.__table__.outerjoin(SubjectRole.__table__, _ROLES["subject_id"] == _SUBJECTS["id"])
)
_BY_KEY = {key: _JOINED.where(_SUBJECTS[key] == bindparam("value")) for key in ("id", "uscc", "ric_index")}
_BY_IDS = _JOINED.where(_SUBJECTS["id"].in_(bindparam("ids", expanding=True)))


def _views(rows: Sequence[Row[*tuple[Any, ...]]]) -> list[SubjectView]:
    """Fold joined rows (one per role) into views, in first-seen order, roles sorted."""
    folded: dict[int, tuple[Row[*tuple[Any, ...]], list[str]]] = {}
    for row in rows:
        entry = folded.setdefault(row[0], (row, []))
        if row.role is not None:
            entry[1].append(row.role)
    out = []
    for row, roles in folded.values():
        values = dict(row._mapping)
        del values["role"]
        out.append(SubjectView(**values, role_names=sorted(roles)))
    return out


def view_by(session: Session, key: Key, value: object) -> SubjectView | None:
    """The subject whose ``key`` column equals ``value`` (all three are unique)."""
    found = _views(session.connection().execute(_BY_KEY[key], {"value": value}).all())
    return found[0] if found else None


def views_in_order(session: Session, ids: Sequence[int]) -> list[SubjectView]:
    """Views of ``ids`` in the order given (a ranked result page)."""
    if not ids:
        return []
    found = {v.id: v for v in _views(session.connection().execute(_BY_IDS, {"ids": list(ids)}).all())}
    return [found[i] for i in ids if i in found]
