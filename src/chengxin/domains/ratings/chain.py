"""Each seller's ratings and replies as a hash chain (评价防篡改).

A link's hash is ``sha256(prev_hash || canonical content)``; the first link's ``prev_hash`` is 64
zeros. The content is the link's kind and place and every stored field that matters (who, what,
when, the version) as one JSON array in a fixed field order — times as UTC with microseconds — so
changing a score, a text or a time by hand breaks that link and every later one's ``prev_hash``
check. ``verify`` walks every chain (or one seller's) and names the first bad link.

The content of many links is made at once from a Polars frame (``canonical``), the same way for
links being appended and links read back to be verified.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from chengxin.db import table_of
from chengxin.domains.ratings.models import Rating, RatingChain, RatingReply
from chengxin.domains.records.matching import among_many

GENESIS = "0" * 64
# What a rating says (the columns a platform sends); a link also covers its identity and version.
CONTENT = (
    "order_id",
    "rater_account_id",
    "ratee_account_id",
    "direction",
    "kind",
    "score",
    "dsr_description",
    "dsr_service",
    "dsr_logistics",
    "text",
    "created_at",
)
RATING_FIELDS = ("rating_id", "version", "platform_id", "changed_at", "is_default", *CONTENT)
REPLY_FIELDS = ("rating_id", "author_account_id", "text", "created_at")
FIELDS = {"rating": RATING_FIELDS, "reply": REPLY_FIELDS}
UTC_TIME = pl.Datetime("us", "UTC")
SCHEMA: dict[str, Any] = {
    "rating_id": pl.String,
    "version": pl.Int64,
    "platform_id": pl.String,
    "changed_at": UTC_TIME,
    "is_default": pl.Boolean,
    "order_id": pl.String,
    "rater_account_id": pl.String,
    "ratee_account_id": pl.String,
    "direction": pl.String,
    "kind": pl.String,
    "score": pl.String,
    "dsr_description": pl.Int64,
    "dsr_service": pl.Int64,
    "dsr_logistics": pl.Int64,
    "text": pl.String,
    "created_at": UTC_TIME,
    "author_account_id": pl.String,
}


def frame_of(kind: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """New links of one kind as a frame: their hashed fields, typed, and ``seller_account_id``."""
    return pl.DataFrame(rows, schema={**{f: SCHEMA[f] for f in FIELDS[kind]}, "seller_account_id": pl.String})


def canonical(frame: pl.DataFrame, kind: str) -> list[tuple[Any, ...]]:
    """Each row's hashed values in ``FIELDS[kind]`` order: strings, integers, booleans, None, and
    times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    fields = FIELDS[kind]
    exprs = []
    for f in fields:
        col = pl.col(f).cast(SCHEMA[f])
        if SCHEMA[f] == UTC_TIME:
            col = col.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        exprs.append(col.alias(f))
    return list(frame.select(exprs).iter_rows())


def link_hash(prev_hash: str, kind: str, seq: int, values: Sequence[Any]) -> str:
    content = orjson.dumps([kind, seq, *values])
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


Heads = dict[str, tuple[int, str]]  # seller → (last seq, head hash)


def lock_heads(session: Session, sellers: set[str]) -> Heads:
    """The chain heads of ``sellers`` that exist, locked (``FOR UPDATE`` on PostgreSQL; SQLite
    writers are serialised already) till the transaction ends."""
    stmt = select(RatingChain).where(among_many(session, RatingChain.seller_account_id, sellers)).with_for_update()
    return {h.seller_account_id: (h.last_seq, h.head_hash) for h in session.scalars(stmt)}


def link(kind: str, frame: pl.DataFrame, heads: Heads) -> tuple[pl.DataFrame, Heads]:
    """The new links (ratings or replies, each with its ``seller_account_id``) with their place in
    their seller's chain — ``chain_seq``, ``prev_hash``, ``hash`` — in frame order, and the heads
    after them (pure)."""
    after = dict(heads)
    seqs, prevs, hashes = [], [], []
    for seller, values in zip(frame["seller_account_id"].to_list(), canonical(frame, kind), strict=True):
        seq, prev = after.get(seller, (0, GENESIS))
        seq += 1
        digest = link_hash(prev, kind, seq, values)
        seqs.append(seq)
        prevs.append(prev)
        hashes.append(digest)
        after[seller] = (seq, digest)
    linked = frame.with_columns(
        pl.Series("chain_seq", seqs, pl.Int64), pl.Series("prev_hash", prevs, pl.String),
        pl.Series("hash", hashes, pl.String),
    )  # fmt: skip
    return linked, after


def save_heads(session: Session, before: Heads, after: Heads) -> None:
    table = table_of(RatingChain)
    fresh = [{"seller_account_id": s, "last_seq": q, "head_hash": h} for s, (q, h) in after.items() if s not in before]
    if fresh:
        session.execute(table.insert(), fresh)
    moved = [{"s": s, "q": q, "h": h} for s, (q, h) in after.items() if s in before and before[s] != (q, h)]
    if moved:
        session.execute(
            update(table)
            .where(table.c.seller_account_id == bindparam("s"))
            .values(last_seq=bindparam("q"), head_hash=bindparam("h")),
            moved,
        )


def append(session: Session, kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``link`` the new rows into their sellers' chains and move the heads."""
    before = lock_heads(session, set(frame["seller_account_id"].to_list()))
    linked, after = link(kind, frame, before)
    save_heads(session, before, after)
    return linked


@dataclass(frozen=True)
class ChainProblem:
    seller_account_id: str
    seq: int
    link: str  # rating id (or reply id) at that place
    problem: str


@dataclass(frozen=True)
class _Link:
    seller: str
    seq: int
    kind: str
    label: str
    prev_hash: str
    hash: str
    values: tuple[Any, ...]


def _stream(session: Session, kind: str, seller: str | None) -> Iterator[_Link]:
    table = table_of(Rating if kind == "rating" else RatingReply)
    fields = FIELDS[kind]
    extra = ("seller_account_id", "chain_seq", "prev_hash", "hash", "id")
    stmt = select(*[table.c[f] for f in (*fields, *extra)]).order_by(table.c.seller_account_id, table.c.chain_seq)
    if seller is not None:
        stmt = stmt.where(table.c.seller_account_id == seller)
    schema = {f: SCHEMA[f] for f in fields}
    for part in session.execute(stmt).yield_per(5000).partitions():
        rows = [tuple(r) for r in part]
        frame = pl.DataFrame([r[: len(fields)] for r in rows], schema=schema, orient="row")
        for r, values in zip(rows, canonical(frame, kind), strict=True):
            s, seq, prev, digest, id_ = r[len(fields) :]
            label = str(r[0]) if kind == "rating" else f"reply {id_}"
            yield _Link(s, seq, kind, label, prev, digest, values)


def verify(session: Session, *, seller: str | None = None, heads: bool = True) -> tuple[int, list[ChainProblem]]:
    """Walk the chains; returns (links checked, problems — the first per seller)."""
    checked, problems = 0, []
    current, prev, expected_seq, broken = None, GENESIS, 1, False
    last: dict[str, tuple[int, str]] = {}
    links = heapq.merge(
        _stream(session, "rating", seller), _stream(session, "reply", seller), key=lambda k: (k.seller, k.seq)
    )
    for link in links:
        s = link.seller
        if s != current:
            current, prev, expected_seq, broken = s, GENESIS, 1, False
        checked += 1
        if broken:
            continue
        problem = None
        if link.seq != expected_seq:
            problem = f"link {expected_seq} is missing (found {link.seq})"
        elif link.prev_hash != prev:
            problem = "prev_hash does not match the previous link"
        elif link_hash(prev, link.kind, link.seq, link.values) != link.hash:
            problem = "content does not match its hash (edited after it was recorded)"
        if problem:
            problems.append(ChainProblem(s, link.seq, link.label, problem))
            broken = True
            continue
        prev, expected_seq = link.hash, expected_seq + 1
        last[s] = (link.seq, link.hash)
    if heads:
        stmt = select(RatingChain)
        if seller is not None:
            stmt = stmt.where(RatingChain.seller_account_id == seller)
        bad = {p.seller_account_id for p in problems}
        for head in session.scalars(stmt):
            if head.seller_account_id in bad:
                continue
            if last.get(head.seller_account_id) != (head.last_seq, head.head_hash):
                problems.append(
                    ChainProblem(head.seller_account_id, head.last_seq, "head", "chain ends before its recorded head")
                )
    return checked, problems
