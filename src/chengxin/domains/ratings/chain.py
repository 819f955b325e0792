"""Each seller's ratings and replies as a hash chain (评价防篡改).

A link's hash is ``sha256(prev_hash || canonical content)``; the first link's ``prev_hash`` is 64
zeros. The content is every stored field that matters (who, what, when, the version), in canonical
JSON, so changing a score, a text or a time by hand breaks that link and every later one's
``prev_hash`` check. ``verify`` walks every chain (or one seller's) and names the first bad link.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
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


def _canon(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def link_hash(prev_hash: str, kind: str, seq: int, values: Mapping[str, Any], fields: Iterable[str]) -> str:
    content = {"link": kind, "seq": seq, **{f: _canon(values.get(f)) for f in fields}}
    return hashlib.sha256(prev_hash.encode() + orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def append(session: Session, links: list[tuple[str, dict[str, Any]]]) -> None:
    """Give each new row (``("rating"|"reply", row)``, rows with ``seller_account_id``) its place in
    its seller's chain — ``chain_seq``, ``prev_hash``, ``hash`` — in list order, and move the heads.
    Locks the heads (``FOR UPDATE`` on PostgreSQL; SQLite writers are serialised already)."""
    sellers = {row["seller_account_id"] for _, row in links}
    if not sellers:
        return
    heads: dict[str, tuple[int, str]] = {}
    stmt = select(RatingChain).where(among_many(session, RatingChain.seller_account_id, sellers)).with_for_update()
    for head in session.scalars(stmt):
        heads[head.seller_account_id] = (head.last_seq, head.head_hash)
    fresh = sellers - heads.keys()
    for kind, row in links:
        seller = row["seller_account_id"]
        seq, prev = heads.get(seller, (0, GENESIS))
        seq += 1
        row["chain_seq"], row["prev_hash"] = seq, prev
        row["hash"] = link_hash(prev, kind, seq, row, RATING_FIELDS if kind == "rating" else REPLY_FIELDS)
        heads[seller] = (seq, row["hash"])
    table = table_of(RatingChain)
    if fresh:
        session.execute(
            table.insert(), [{"seller_account_id": s, "last_seq": heads[s][0], "head_hash": heads[s][1]} for s in fresh]
        )
    stale = [{"s": s, "q": heads[s][0], "h": heads[s][1]} for s in sellers - fresh]
    if stale:
        from sqlalchemy import bindparam, update

        session.execute(
            update(table)
            .where(table.c.seller_account_id == bindparam("s"))
            .values(last_seq=bindparam("q"), head_hash=bindparam("h")),
            stale,
        )


@dataclass(frozen=True)
class ChainProblem:
    seller_account_id: str
    seq: int
    link: str  # rating id (or reply id) at that place
    problem: str


def _links(session: Session, seller: str | None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(seller, kind, row) ordered by seller and chain position, streamed."""
    rt, rp = table_of(Rating), table_of(RatingReply)
    cols = [rt.c[f] for f in RATING_FIELDS] + [rt.c.seller_account_id, rt.c.chain_seq, rt.c.prev_hash, rt.c.hash]
    q1 = select(*cols).order_by(rt.c.seller_account_id, rt.c.chain_seq)
    rcols = [rp.c[f] for f in REPLY_FIELDS] + [
        rp.c.id,
        rp.c.seller_account_id,
        rp.c.chain_seq,
        rp.c.prev_hash,
        rp.c.hash,
    ]
    q2 = select(*rcols).order_by(rp.c.seller_account_id, rp.c.chain_seq)
    if seller is not None:
        q1, q2 = q1.where(rt.c.seller_account_id == seller), q2.where(rp.c.seller_account_id == seller)
    replies = (("reply", dict(r._mapping)) for r in session.execute(q2).yield_per(5000))
    ratings = (("rating", dict(r._mapping)) for r in session.execute(q1).yield_per(5000))
    def key(item: tuple[str, dict[str, Any]]) -> tuple[str, int]:
        return (item[1]["seller_account_id"], item[1]["chain_seq"])

    for kind, row in heapq.merge(ratings, replies, key=key):
        yield row["seller_account_id"], kind, row


def verify(session: Session, *, seller: str | None = None, heads: bool = True) -> tuple[int, list[ChainProblem]]:
    """Walk the chains; returns (links checked, problems — the first per seller)."""
    checked, problems = 0, []
    current, prev, expected_seq, broken = None, GENESIS, 1, False
    last: dict[str, tuple[int, str]] = {}
    for s, kind, row in _links(session, seller):
        if s != current:
            current, prev, expected_seq, broken = s, GENESIS, 1, False
        checked += 1
        if broken:
            continue
        fields = RATING_FIELDS if kind == "rating" else REPLY_FIELDS
        label = str(row["rating_id"]) if kind == "rating" else f"reply {row['id']}"
        problem = None
        if row["chain_seq"] != expected_seq:
            problem = f"link {expected_seq} is missing (found {row['chain_seq']})"
        elif row["prev_hash"] != prev:
            problem = "prev_hash does not match the previous link"
        elif link_hash(prev, kind, row["chain_seq"], row, fields) != row["hash"]:
            problem = "content does not match its hash (edited after it was recorded)"
        if problem:
            problems.append(ChainProblem(s, row["chain_seq"], label, problem))
            broken = True
            continue
        prev, expected_seq = row["hash"], expected_seq + 1
        last[s] = (row["chain_seq"], row["hash"])
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
