"""Typo-tolerant name candidates: a deletion index (SymSpell) over legal persons' normalised names.

A name and a query one edit apart — a character replaced, dropped or added — share a key: the name
itself or the name with one character deleted. Every legal person's normalised name is indexed under
those keys, and under its core name (region and company form stripped, see ``names.core_name``), so
that "福昊物流有限责任公司" written "泰州福昊物流股份公司" or with one character mistyped is found
where the database's substring and prefix search (``search``) finds nothing.

The index lives in memory in each server process (about 150 bytes per legal person: the keys as one
sorted NumPy array, and the names), built on first use; a use adds the subjects registered since (one
look at the highest subject id, at most once a second) and starts again when the table was emptied. A
renamed subject keeps its old keys until the next full build, which is harmless: candidates are re-scored
against the names as they are now.
Keys are 64-bit polynomial hashes of the strings, computed for a whole chunk of names at once with NumPy
(a million names in a few seconds) and one string at a time for a query — the same numbers both ways.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import Levenshtein
from sqlalchemy import URL, func, select, text
from sqlalchemy.orm import Session

from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.names import COMPANY_FORMS, core_name, normalise_name

RECHECK_S = 1.0  # new subjects become findable by a typo within this
OVERLAP = 1_000
MAX_PER_KEY = 200  # a key shared by more names than this says nothing (e.g. a one-character core)
CHUNK = 100_000
_BASE = 1_000_003
_MASK = (1 << 64) - 1
_CORE_SALT = 0x9E3779B97F4A7C15  # core-name keys live beside the full-name keys


def _poly(text: str) -> int:
    h = 0
    for ch in text:
        h = (h * _BASE + ord(ch)) & _MASK
    return h


def keys_of(name: str, core: str) -> set[int]:
    """The keys of a normalised name: itself, each one-character deletion (names of three characters or
    more), and its core name. ``_chunk_keys`` computes the same for many names at once."""
    out = {_poly(name), _poly(core) ^ _CORE_SALT}
    if len(name) > 2:
        out.update(_poly(name[:i] + name[i + 1 :]) for i in range(len(name)))
    return out


def _hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prefix hashes [n, width + 1], lengths, full hashes) of many strings; uint64 arithmetic wraps."""
    width = max(1, max(map(len, texts), default=1))
    arr = np.array(texts, dtype=f"<U{width}")
    codes = arr.view(np.uint32).reshape(len(texts), width).astype(np.uint64)
    lengths = np.char.str_len(arr).astype(np.int64)
    prefix = np.zeros((len(texts), width + 1), np.uint64)
    base = np.uint64(_BASE)
    for j in range(width):
        prefix[:, j + 1] = prefix[:, j] * base + codes[:, j]
    return prefix, lengths, prefix[np.arange(len(texts)), lengths]


def _chunk_keys(names: list[str], cores: list[str], first_row: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, rows) of ``keys_of`` for every name of a chunk, vectorised."""
    prefix, lengths, full = _hashes(names)
    _, _, core = _hashes(cores)
    rows = np.arange(first_row, first_row + len(names), dtype=np.int32)
    powers = np.array([pow(_BASE, k, 1 << 64) for k in range(prefix.shape[1])], np.uint64)
    keys, owners = [full, core ^ np.uint64(_CORE_SALT)], [rows, rows]
    for i in range(prefix.shape[1] - 1):  # delete character i of every name longer than i (and than 2)
        at = np.nonzero((lengths > i) & (lengths > 2))[0]
        if not len(at):
            break
        power = powers[lengths[at] - 1 - i]
        suffix = full[at] - prefix[at, i + 1] * power
        keys.append(prefix[at, i] * power + suffix)
        owners.append(rows[at])
    return np.concatenate(keys), np.concatenate(owners)


def query_keys(query: str) -> set[int]:
    """The keys to look a normalised query up by: its own, and those of the query with a mistyped company
    form at its end put right ("…有限责仁公司" → "…有限公司")."""
    out = keys_of(query, core_name(query))
    for size in range(3, 8):
        head, tail = query[:-size], query[-size:]
        if len(head) >= 2 and "公司" not in tail[:-2] and tail not in COMPANY_FORMS:
            form = next((f for f in COMPANY_FORMS if len(f) - 1 <= size <= len(f) + 1 and _one_edit(tail, f)), None)
            if form is not None:
                repaired = normalise_name(head + form)
                out |= keys_of(repaired, core_name(repaired))
    return out


def _one_edit(a: str, b: str) -> bool:
    return Levenshtein.distance(a, b, score_cutoff=1) <= 1


@dataclass
class NameIndex:
    keys: np.ndarray  # sorted uint64 keys
    rows: np.ndarray  # int32: the row in ``ids``/``names`` each key belongs to
    ids: list[int]
    names: list[str]
    max_id: int
    extra: dict[int, list[int]] = field(default_factory=dict)  # keys of names added since the build → rows
    added: set[int] = field(default_factory=set)  # ids added since the build
    checked_at: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, str, str]]) -> NameIndex:
        ids: list[int] = []
        names: list[str] = []
        keys: list[np.ndarray] = [np.zeros(0, np.uint64)]
        owners: list[np.ndarray] = [np.zeros(0, np.int32)]
        cores: list[str] = []
        for sid, name, core in rows:
            ids.append(sid)
            names.append(name)
            cores.append(core)
            if len(cores) == CHUNK:
                k, o = _chunk_keys(names[-CHUNK:], cores, len(names) - CHUNK)
                keys.append(k)
                owners.append(o)
                cores.clear()
        if cores:
            k, o = _chunk_keys(names[-len(cores) :], cores, len(names) - len(cores))
            keys.append(k)
            owners.append(o)
        all_keys, all_rows = np.concatenate(keys), np.concatenate(owners)
        order = np.argsort(all_keys)
        return cls(all_keys[order], all_rows[order], ids, names, max(ids, default=0))

    def add(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Names registered since the build; ids already in the index are skipped."""
        built = len(self.ids) - len(self.added)
        for sid, name, core in rows:
            at = bisect_left(self.ids, sid, 0, built)
            if sid in self.added or (at < built and self.ids[at] == sid):
                continue
            row = len(self.ids)
            self.ids.append(sid)
            self.names.append(name)
            self.added.add(sid)
            for key in keys_of(name, core):
                self.extra.setdefault(key, []).append(row)

    def lookup(self, query: str, limit: int = 100) -> list[tuple[int, str]]:
        """(id, normalised name) of the names sharing a key with ``query`` (normalised), at most ``limit``."""
        qkeys = np.fromiter(query_keys(query), dtype=np.uint64)
        left = np.searchsorted(self.keys, qkeys, side="left")
        right = np.searchsorted(self.keys, qkeys, side="right")
        rows: set[int] = set()
        for lo, hi, key in zip(left.tolist(), right.tolist(), qkeys.tolist(), strict=True):
            extra = self.extra.get(key, [])
            if 0 < hi - lo + len(extra) <= MAX_PER_KEY:
                rows.update(self.rows[lo:hi].tolist())
                rows.update(extra)
        return [(self.ids[r], self.names[r]) for r in sorted(rows)[:limit]]


_indexes: dict[URL, NameIndex] = {}
_lock = threading.Lock()


_LEGAL_NAMES = text(
    "SELECT id, name_norm, name_core FROM subjects WHERE kind = 'legal' AND id > :after ORDER BY id"
)  # plain SQL: a million rows come three times faster than through the ORM's select


def _legal_names(session: Session, after: int = 0) -> Iterable[tuple[int, str, str]]:
    result = session.connection().execute(_LEGAL_NAMES, {"after": after})
    while batch := result.fetchmany(50_000):
        for sid, name, core in batch:
            yield int(sid), str(name), str(core or name)


def index_for(session: Session) -> NameIndex:
    """This process's index of the session's database, with the subjects registered since it was built
    (looked for at most once every ``RECHECK_S``; the last ``OVERLAP`` ids are read again, so that a
    subject whose transaction committed after a later one's is not skipped)."""
    url = session.get_bind().engine.url
    with _lock:
        index = _indexes.get(url)
    if index is not None and time.monotonic() - index.checked_at < RECHECK_S:
        return index
    newest = int(session.scalar(select(func.max(Subject.id))) or 0)
    with _lock:
        index = _indexes.get(url)
        if index is None or newest < index.max_id:  # first use, or the table was emptied since
            index = _indexes[url] = NameIndex.build(_legal_names(session))
            index.max_id = max(index.max_id, newest)
            return index
    with index.lock:
        if newest > index.max_id:
            index.add(_legal_names(session, after=max(0, index.max_id - OVERLAP)))
            index.max_id = newest
        index.checked_at = time.monotonic()
    return index


def forget() -> None:
    """Drop this process's indexes: the next use builds them again."""
    with _lock:
        _indexes.clear()
