"""The standing index: what a check answers about every subject — identifiers, name, grade, published
lists and record types in force — held in memory by each server process, so that a check of 10,000
subjects reads no subject from the database.

It is exact, not a cache with a lifetime: triggers on the four tables it reads write every subject they
touch to ``standing_changes`` (``models.StandingChange``), and each check first reads the changes
committed since its process last looked (one indexed query) and reads those subjects again. A check
therefore sees everything committed before it started, as when it read the tables itself.

- SQLite has one writer at a time: change ids are committed in order, so "since" is ``id >`` the last
  id read.
- PostgreSQL hands out ids in one order and commits in another; so "since" is by transaction: every
  transaction not yet visible at the last look has an id at or above that look's snapshot ``xmin``, and
  the next look reads the changes of transactions from there (a change seen twice is read twice;
  reading a subject again is idempotent).

The base is columnar (the identifiers' 64-bit hashes and keys as NumPy arrays, a Polars frame of the rest:
~105 bytes per subject; building it reads every subject once, ~6 s and ~0.9 GB at its peak per million
subjects); subjects changed since it was built live in an overlay of Python objects. The base is rebuilt
when the overlay grows past ``REBUILD_AT`` subjects (e.g. after ``chengxin evaluate`` graded everyone),
when the process last looked more than ``STALE_S`` ago (changes are pruned after ``KEEP_DAYS``), when the
change table was emptied or re-created, or when the record types the measures name change.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.checks.models import StandingChange
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.records.matching import among_many
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import LIVE as RECORD_LIVE
from chengxin.domains.subjects.models import Subject
from chengxin.observability import log
from chengxin.security.masking import show_name

LIVE = sorted(str(s) for s in RECORD_LIVE)  # the records' statuses in force
KEEP_DAYS = 7
STALE_S = 86_400.0  # a process that has not looked for a day builds again (changes are kept a week)
REBUILD_AT = 50_000  # changed subjects held in the overlay before the base is built again
_ROW_BY_ROW = 40
TOKENS, CATALOG = -1, -2  # the "subject" of a change to the API tokens / the information catalog (migration 0017)
_COLUMNS = ("id", "kind", "name", "uscc", "legal_representative", "grade")


@dataclass(frozen=True, slots=True)
class Found:
    """A subject as a check answers it."""

    id: int
    kind: str
    name: str
    uscc: str | None
    legal_representative: str | None
    grade: str | None
    lists: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()  # live record types among those the measures name

    @property
    def shown(self) -> str:
        """The name as a check shows it (a person's masked)."""
        return show_name(self.kind, self.name)


_NONE: frozenset[str] = frozenset()
_versions = itertools.count(1)


def _hash(keys: np.ndarray, width: int) -> np.ndarray:
    """A 64-bit polynomial hash of each fixed-width key (uint64 arithmetic wraps): searching a million
    integers is several times faster than searching a million byte strings."""
    as_bytes = keys.view(np.uint8).reshape(len(keys), width)
    h = np.zeros(len(keys), dtype=np.uint64)
    for j in range(width):
        h = h * np.uint64(1_000_003) + as_bytes[:, j]
    return h


_MASK = (1 << 64) - 1
_FEW = 8  # keys looked up one by one below this (NumPy's per-call cost is most of a small search)


def _hash_one(key: bytes, width: int) -> int:
    """``_hash`` of one key, in Python: for a handful of keys, a loop over bytes beats ``width`` array steps."""
    h = 0
    for b in key.ljust(width, b"\0"):
        h = (h * 1_000_003 + b) & _MASK
    return h


def _probe(wanted: Sequence[str], width: int) -> np.ndarray:
    """The wanted keys as ``width`` bytes each; b"" (found nowhere) for a key that is not ASCII or is longer.
    All at once by NumPy when every key is ASCII (a key one byte longer than ``width`` is one too long)."""
    try:
        wide = np.array(wanted, dtype=f"S{width + 1}")
    except UnicodeEncodeError:
        return np.array([w if w.isascii() and len(w) <= width else "" for w in wanted], dtype=f"S{width}")
    longer = np.char.str_len(wide) > width
    wide[longer] = b""
    return wide.astype(f"S{width}")


@dataclass(frozen=True)
class _Keys:
    """One identifier column's non-null keys, ordered by hash: (hashes, keys, the frame row of each)."""

    hashes: np.ndarray
    keys: np.ndarray
    rows: np.ndarray
    width: int

    @classmethod
    def of(cls, values: pl.Series, width: int) -> _Keys:
        rows = np.flatnonzero(values.is_not_null().to_numpy())
        keys = np.array(values.drop_nulls().to_list(), dtype=f"S{width}")
        hashes = _hash(keys, width)
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], keys[order], rows[order], width)

    def find(self, wanted: Sequence[str]) -> np.ndarray:
        """The frame row of each wanted key, -1 where none; vectorised (a shared hash: looked at in turn)."""
        if not len(wanted) or not len(self.keys):
            return np.full(len(wanted), -1, dtype=np.int64)
        if len(wanted) < _FEW:
            return np.array([self._one(w) for w in wanted], dtype=np.int64)
        probe = _probe(wanted, self.width)
        hashes = _hash(probe, self.width)
        # searched for in hash order: each search starts near where the last one ended, in the cache — three
        # times faster over a million keys than in the order asked (~1 ms, not 3, for 10,000 keys)
        order = np.argsort(hashes)
        at = np.empty(len(hashes), dtype=np.intp)
        at[order] = np.searchsorted(self.hashes, hashes[order])
        at = np.minimum(at, len(self.keys) - 1)
        hit = (self.keys[at] == probe) & (probe != b"")
        out = np.where(hit, self.rows[at], -1).astype(np.int64)
        for n in np.flatnonzero(~hit & (probe != b"") & (self.hashes[at] == hashes)).tolist():  # shared hash: next ones
            out[n] = self._scan(int(at[n]) + 1, int(hashes[n]), bytes(probe[n]))
        return out

    def _one(self, wanted: str) -> int:
        if not wanted or not wanted.isascii() or len(wanted) > self.width:
            return -1
        key = wanted.encode()
        h = _hash_one(key, self.width)
        return self._scan(int(np.searchsorted(self.hashes, np.uint64(h))), h, key)

    def _scan(self, k: int, h: int, key: bytes) -> int:
        """The frame row of ``key`` among the keys from position ``k`` on that share its hash ``h``; -1 if none."""
        while k < len(self.keys) and int(self.hashes[k]) == h:
            if self.keys[k] == key:
                return int(self.rows[k])
            k += 1
        return -1


@dataclass
class _Base:
    frame: pl.DataFrame  # _COLUMNS and "standing", ordered by id
    uscc: _Keys
    ric: _Keys
    codes: list[tuple[frozenset[str], frozenset[str]]]  # "standing" → (lists, records); 0: neither

    def positions(self, way: str, keys: Sequence[str]) -> np.ndarray:
        """The frame row of each key (uscc, or the RIC's blind index), -1 where none."""
        return (self.uscc if way == "uscc" else self.ric).find(keys)

    def rows(self, positions: Iterable[int]) -> list[Found]:
        ps = list(positions)
        if len(ps) <= _ROW_BY_ROW:  # a gather costs ~0.2 ms whatever its size, a row ~5 µs
            picked = [self.frame.row(p) for p in ps]
        else:
            picked = self.frame.select(pl.all().gather(ps)).rows()
        return [
            Found(sid, kind, name, uscc, rep, grade, *self.codes[code])
            for sid, kind, name, uscc, rep, grade, code in picked
        ]

    def lists(self, sid: int) -> frozenset[str]:
        ids, standing = self._by_id
        at = int(np.searchsorted(ids, sid))
        return self.codes[int(standing[at])][0] if at < len(ids) and ids[at] == sid else _NONE

    @cached_property
    def _by_id(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids (ascending) and standings as NumPy arrays: one lookup costs microseconds (Polars' ~0.3 ms
        for a search over a million rows)."""
        return self.frame["id"].to_numpy(), self.frame["standing"].to_numpy()


@dataclass
class StandingIndex:
    types: frozenset[str]  # the record types the measures name
    base: _Base
    mark: int  # SQLite: the last change id read; PostgreSQL: the last look's snapshot xmin
    seen: set[int] = field(default_factory=set)  # PostgreSQL: change ids read at or above ``mark``
    # changed since the base was built: (the subject, its RIC blind index); (None, None) when deleted
    overlay: dict[int, tuple[Found | None, str | None]] = field(default_factory=dict)
    by_uscc: dict[str, int] = field(default_factory=dict)  # the overlay's identifiers
    by_ric: dict[str, int] = field(default_factory=dict)
    looked_at: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # per topic (TOKENS, CATALOG): a number that changes when a change of it is read, unique across builds —
    # what a process caches of the topic is good while the number is the one it was read at (``checks.lane``)
    versions: dict[int, int] = field(default_factory=lambda: {t: next(_versions) for t in (TOKENS, CATALOG)})

    def lookup(self, way: str, keys: Sequence[str]) -> list[Found | None]:
        """The subject with each identifier (``way``: uscc, or ric — the RIC's blind index), or None."""
        positions = self.base.positions(way, keys).tolist()
        wanted = sorted({p for p in positions if p >= 0})
        base = dict(zip(wanted, self.base.rows(wanted), strict=True))
        added = self.by_uscc if way == "uscc" else self.by_ric
        out: list[Found | None] = []
        for key, pos in zip(keys, positions, strict=True):
            found = base.get(pos)
            sid = found.id if found is not None else added.get(key)
            if sid is not None and sid in self.overlay:  # changed since the base: as it is now, if still its key
                found, ric = self.overlay[sid]
                if found is not None and (found.uscc if way == "uscc" else ric) != key:
                    found = None
            out.append(found)
        return out

    def lists_of(self, ids: Collection[int]) -> dict[int, frozenset[str]]:
        """The published lists of these subjects (name candidates get no more), by id."""
        out: dict[int, frozenset[str]] = {}
        for sid in ids:
            if sid in self.overlay:
                found = self.overlay[sid][0]
                out[sid] = found.lists if found is not None else _NONE
            else:
                out[sid] = self.base.lists(sid)
        return out

    def _apply(self, session: Session, ids: Collection[int]) -> None:
        """Read these subjects again into the overlay."""
        fresh = {found.id: (found, ric) for found, ric in _read(session, ids, self.types)}
        for sid in ids:
            found, ric = fresh.get(sid, (None, None))
            self.overlay[sid] = (found, ric)
            if found is not None and found.uscc:
                self.by_uscc[found.uscc] = sid
            if ric:
                self.by_ric[ric] = sid


_indexes: dict[str, StandingIndex] = {}
_names: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _database(engine: Engine) -> str:
    """Which database the engine reads (its engines share an index): the URL as text, kept per engine —
    hashing a ``URL`` renders it again each time (~40 µs, on every check)."""
    name = _names.get(engine)
    if name is None:
        name = _names[engine] = engine.url.render_as_string(hide_password=True)
    return name


_lock = threading.RLock()


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _mark(session: Session) -> int:
    """Where the next look starts: the highest change id (SQLite), the snapshot's xmin (PostgreSQL)."""
    if _is_pg(session):
        return int(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) or 0)
    return int(session.scalar(select(func.coalesce(func.max(StandingChange.id), 0))) or 0)


def _standing_rows(
    session: Session, ids: Collection[int] | None, types: frozenset[str]
) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """(published lists, live record types among ``types``) of these subjects (None: of everyone), when
    either is not empty."""
    lists: dict[int, set[str]] = defaultdict(set)
    records: dict[int, set[str]] = defaultdict(set)
    stmt = select(ListEntry.subject_id, ListEntry.list_kind).where(ListEntry.status == "published")
    if ids is not None:
        stmt = stmt.where(among_many(session, ListEntry.subject_id, ids))
    for sid, kind in session.execute(stmt):
        lists[sid].add(kind)
    if types:
        stmt2 = (
            select(CreditRecord.subject_id, CreditRecord.type_code)
            .where(
                CreditRecord.is_current.is_(True),
                CreditRecord.status.in_(LIVE),
                CreditRecord.type_code.in_(sorted(types)),
            )
            .distinct()
        )
        if ids is not None:
            stmt2 = stmt2.where(among_many(session, CreditRecord.subject_id, ids))
        for sid, t in session.execute(stmt2):
            records[sid].add(t)
    return {sid: (frozenset(lists.get(sid, ())), frozenset(records.get(sid, ()))) for sid in {*lists, *records}}


def _subjects_stmt() -> Any:
    return select(
        Subject.id,
        Subject.kind,
        Subject.name,
        Subject.uscc,
        Subject.legal_representative,
        Evaluation.grade,
        Subject.ric_index,
    ).outerjoin(Evaluation, Evaluation.subject_id == Subject.id)


def _read(session: Session, ids: Collection[int], types: frozenset[str]) -> list[tuple[Found, str | None]]:
    """These subjects as they are now, with their RIC blind index."""
    if not ids:
        return []
    standing = _standing_rows(session, ids, types)
    out = []
    for sid, kind, name, uscc, rep, grade, ric in session.execute(
        _subjects_stmt().where(among_many(session, Subject.id, ids))
    ):
        lists, records = standing.get(sid, (_NONE, _NONE))
        out.append((Found(sid, kind, name, uscc, rep, grade, lists, records), ric))
    return out


def build(session: Session, types: frozenset[str]) -> StandingIndex:
    """Every subject's standing, read now (the mark first: what commits meanwhile is read again)."""
    start = time.perf_counter()
    mark = _mark(session)
    stmt = _subjects_stmt().order_by(Subject.id)
    frame = pl.DataFrame(
        list(session.execute(stmt)),
        schema=[(c, pl.Int64 if c == "id" else pl.String) for c in (*_COLUMNS, "ric_index")],
        orient="row",
    )
    standing = _standing_rows(session, None, types)
    codes = [(_NONE, _NONE), *sorted(set(standing.values()), key=lambda v: (sorted(v[0]), sorted(v[1])))]
    code_of = {v: c for c, v in enumerate(codes)}
    by_id = pl.DataFrame(
        {"id": list(standing), "standing": [code_of[v] for v in standing.values()]},
        schema={"id": pl.Int64, "standing": pl.Int32},
    )
    frame = frame.join(by_id, on="id", how="left", maintain_order="left").with_columns(pl.col("standing").fill_null(0))
    base = _Base(
        frame=frame.select(*_COLUMNS, "standing"),
        uscc=_Keys.of(frame["uscc"], 18),
        ric=_Keys.of(frame["ric_index"], 64),
        codes=codes,
    )
    log.info("standing_index_built", subjects=frame.height, seconds=round(time.perf_counter() - start, 2))
    return StandingIndex(types=types, base=base, mark=mark)


PG_CHANGES = (
    "SELECT s.xmin, c.id, c.subject_id, c.txid FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    " AS xmin) AS s LEFT JOIN standing_changes AS c ON c.txid >= %s"
)
# one statement: the highest id (first row, no subject) and the subjects changed since the mark
_SQLITE_CHANGES = (
    "SELECT coalesce(max(id), 0), NULL FROM standing_changes UNION ALL "
    "SELECT id, subject_id FROM standing_changes WHERE id > ?"
)


def _changes(session: Session, index: StandingIndex, rows: Sequence[Any] | None) -> tuple[set[int], int] | None:
    """The subjects changed since the index last looked, and the new mark; None when the changes cannot
    be followed (the table was emptied or re-created). ``rows``: the feed as read from the index's mark
    already (``checks.aio``); read here on the driver's connection otherwise — this runs before every check,
    and SQLAlchemy's statement machinery cost several times the query."""
    pg = _is_pg(session)
    if rows is None:
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(PG_CHANGES if pg else _SQLITE_CHANGES, (index.mark,))
            rows = cursor.fetchall()
        finally:
            cursor.close()
    if pg:
        new_mark = int(rows[0][0])
        if new_mark < index.mark:  # transaction ids went back: another database (a restore)
            return None
        fresh = {sid for _, cid, sid, _t in rows if cid is not None and cid not in index.seen}
        # what the next look reads again (transactions at or above the new mark): read now, not again
        index.seen = {cid for _, cid, _s, txid in rows if cid is not None and txid >= new_mark}
        return fresh, new_mark
    top = max(int(cid) for cid, _ in rows)
    if top < index.mark:
        return None
    return {int(sid) for _, sid in rows if sid is not None}, top


def index_for(session: Session, types: Collection[str]) -> StandingIndex:
    """This database's standing index, brought up to date: the changes committed since it last looked
    are read again (built first when there is none, or when it cannot be brought up to date)."""
    wanted = frozenset(types)
    index = refresh(session, wanted)
    if index is None:
        with _lock:  # one build at a time (re-entrant): one built meanwhile by another thread is used
            index = refresh(session, wanted) or build(session, wanted)
            _indexes[_database(session.get_bind().engine)] = index
    return index


def existing(engine: Engine) -> StandingIndex | None:
    """The database's standing index as it is (not brought up to date): its ``mark``, to read the feed from."""
    with _lock:
        return _indexes.get(_database(engine))


def refresh(
    session: Session, types: frozenset[str] | None = None, *, read: tuple[int, Sequence[Any]] | None = None
) -> StandingIndex | None:
    """This database's standing index brought up to date (for these record ``types``; None: whichever it
    has), or None when it must be built first: there is none, it is for other types, it has not looked
    for ``STALE_S``, the changes cannot be followed or are more than ``REBUILD_AT``. ``read``: (mark, rows)
    of the feed read already, used when the index is still at that mark (read again otherwise)."""
    with _lock:
        index = _indexes.get(_database(session.get_bind().engine))
    if index is None or (types is not None and index.types != types):
        return None
    with index.lock:
        if time.monotonic() - index.looked_at > STALE_S:
            return None
        changed = _changes(session, index, read[1] if read is not None and read[0] == index.mark else None)
        if changed is None or len(index.overlay) + len(changed[0]) > REBUILD_AT:
            return None
        ids, index.mark = changed
        topics = {sid for sid in ids if sid < 0}
        for topic in topics:
            index.versions[topic] = next(_versions)
        index._apply(session, ids - topics)
        index.looked_at = time.monotonic()
    return index


def forget() -> None:
    """Drop every index of this process (tests, after emptying a database)."""
    with _lock:
        _indexes.clear()


def prune(session: Session, *, keep_days: int = KEEP_DAYS) -> int:
    """Delete the changes older than ``keep_days`` (a daily job)."""
    cutoff = utcnow() - timedelta(days=keep_days)
    result = session.execute(delete(StandingChange).where(StandingChange.changed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
