"""Name search over subjects: one small provider per database engine (the yente habit).

- SQLite: an FTS5 table with the ``trigram`` tokenizer over legal persons' normalised names.
- PostgreSQL: a ``pg_trgm`` GIN index on the same column (the database needs a UTF-8 ctype).
Queries shorter than three characters use b-tree prefix ranges on the normalised name and on
the "core" name (region and company form stripped). Candidates are re-ranked with RapidFuzz.
Natural persons are never found by name by the public; authorised readers match them by
exact or prefix name only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.subjects.names import normalise_name
from chengxin.domains.subjects.views import SubjectView, views_in_order

CANDIDATES = 300
_PREFIX_END = "\U0010ffff"


def _prefix(column: InstrumentedAttribute[str], q: str) -> ColumnElement[bool]:
    return and_(column >= q, column < q + _PREFIX_END)


def _substring_ids(session: Session, q: str) -> list[int]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        phrase = '"' + q.replace('"', '""') + '"'
        rows = session.execute(
            text("SELECT rowid FROM subject_name_fts WHERE subject_name_fts MATCH :q LIMIT :n"),
            {"q": phrase, "n": CANDIDATES},
        )
    else:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = session.execute(
            text("SELECT id FROM subjects WHERE kind = 'legal' AND name_norm LIKE :q LIMIT :n"),
            {"q": like, "n": CANDIDATES},
        )
    return [int(r[0]) for r in rows]


def search_names(
    session: Session,
    *,
    query: str,
    include_natural: bool,
    kind: str | None = None,
    role: str | None = None,
    verification: str | None = None,
    limit: int = 20,
) -> list[SubjectView]:
    q = normalise_name(query)
    stmt = select(Subject.id, Subject.name_norm, Subject.name_core)
    if q:
        conds = [_prefix(Subject.name_norm, q), _prefix(Subject.name_core, q)]
        if len(q) >= 3:
            ids = _substring_ids(session, q)
            if ids:
                conds.append(Subject.id.in_(ids))
        stmt = stmt.where(or_(*conds))
    if not include_natural:
        stmt = stmt.where(Subject.kind == "legal")
    if kind:
        stmt = stmt.where(Subject.kind == kind)
    if verification:
        stmt = stmt.where(Subject.verification_status == verification)
    if role:
        stmt = stmt.where(Subject.id.in_(select(SubjectRole.subject_id).where(SubjectRole.role == role)))
    if not q:
        chosen = [row.id for row in session.execute(stmt.order_by(Subject.id).limit(limit))]
    else:
        candidates = [Candidate(*row) for row in session.execute(stmt.limit(CANDIDATES))]
        chosen = [c.id for c in rank(q, candidates)[:limit]]
    return views_in_order(session, chosen)  # whole rows only for the page shown, in ranked order


class Candidate(NamedTuple):
    id: int
    name_norm: str
    name_core: str


def rank(q: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Exact name first, then exact core name, then prefix, then fuzzy similarity, shorter first."""

    def key(c: Candidate) -> tuple[int, float, int, int]:
        tier = 0 if c.name_norm == q else 1 if c.name_core == q else 2 if c.name_norm.startswith(q) else 3
        return (tier, -fuzz.partial_ratio(q, c.name_norm), len(c.name_norm), c.id)

    return sorted(candidates, key=key)
