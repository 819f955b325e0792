"""Taking in ratings (评价入库): each row checked against its order and what is stored, in file order.

A new rating is accepted when ``rules.check_rating`` finds nothing wrong; the same rating sent again
is unchanged; the same rating with another score is the one allowed change (修改评价) of a
neutral/bad rating, stored as a new version; any other difference is refused — a rating is never
edited or deleted. Accepted rows join their seller's hash chain and their pairs' points are
recomputed in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from chengxin.db import allocate_ids, bulk_insert, table_of
from chengxin.domains.market.models import Order
from chengxin.domains.ratings import chain, rules
from chengxin.domains.ratings.models import Rating
from chengxin.domains.ratings.points import Pair, refresh_pairs
from chengxin.domains.records.matching import among_many

CONTENT = chain.CONTENT


@dataclass
class Refused:
    row: int
    key: str
    code: str
    detail: str


@dataclass
class IntakeResult:
    inserted: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: list[Refused] = field(default_factory=list)


def order_facts(session: Session, order_ids: Iterable[str]) -> tuple[dict[str, rules.OrderFacts], dict[str, str]]:
    """The stored orders among ``order_ids`` as the rules see them, and each one's platform."""
    o = Order
    stmt = select(
        o.order_id,
        o.buyer_account_id,
        o.seller_account_id,
        o.item_id,
        o.amount_fen,
        o.status,
        o.created_at,
        o.deal_at,
        o.platform_id,
    ).where(among_many(session, o.order_id, list(set(order_ids))))
    out, platforms = {}, {}
    for row in session.execute(stmt):
        out[row.order_id] = rules.OrderFacts(
            row.order_id,
            row.buyer_account_id,
            row.seller_account_id,
            row.item_id,
            row.amount_fen,
            row.status,
            row.created_at,
            row.deal_at,
        )
        platforms[row.order_id] = row.platform_id
    return out, platforms


def _stored(
    session: Session, rating_ids: list[str], order_ids: list[str]
) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str, str]]]:
    current: dict[str, dict[str, Any]] = {}
    r = table_of(Rating)
    cols = [r.c[c] for c in (*CONTENT, "id", "rating_id", "version", "seller_account_id", "platform_id", "is_default")]
    for part in _chunks(rating_ids):
        stmt = select(*cols).where(among_many(session, Rating.rating_id, part), r.c.is_current.is_(True))
        for row in session.execute(stmt):
            current[row.rating_id] = dict(row._mapping)
    given: set[tuple[str, str, str]] = set()
    for part in _chunks(order_ids):
        stmt2 = select(r.c.order_id, r.c.direction, r.c.kind).where(among_many(session, Rating.order_id, part))
        given.update((a, b, c) for a, b, c in session.execute(stmt2))
    changes = _change_counts(session, [k for k in current])
    for k, n in changes.items():
        current[k]["changes"] = n
    return current, given


def _change_counts(session: Session, rating_ids: list[str]) -> dict[str, int]:
    from sqlalchemy import func

    out: dict[str, int] = {}
    for part in _chunks(rating_ids):
        stmt = (
            select(Rating.rating_id, func.count())
            .where(among_many(session, Rating.rating_id, part))
            .group_by(Rating.rating_id)
        )
        out.update({k: int(n) - 1 for k, n in session.execute(stmt)})
    return out


def _chunks(values: list[str], n: int = 20_000) -> Iterable[list[str]]:
    for i in range(0, len(values), n):
        yield values[i : i + n]


def _rating_in(row: dict[str, Any]) -> rules.RatingIn:
    return rules.RatingIn(
        row["rating_id"],
        row["order_id"],
        row["rater_account_id"],
        row["ratee_account_id"],
        rules.Direction(row["direction"]),
        rules.Kind(row["kind"]),
        rules.Score(row["score"]) if row["score"] else None,
        (row["dsr_description"], row["dsr_service"], row["dsr_logistics"]),
        row["created_at"],
    )


def take_in(
    session: Session, frame: pl.DataFrame, *, policy: rules.RatingRules, now: datetime, platform: str | None = None
) -> IntakeResult:
    """Check and store the valid rows of a typed ratings frame (``_row`` and ``_error`` columns
    from the contract reader; rows already refused there are skipped, the caller reports them)."""
    result = IntakeResult()
    rows = frame.filter(pl.col("_error").is_null()).to_dicts()
    orders, platforms = order_facts(session, [r["order_id"] for r in rows])
    current, given = _stored(session, list({r["rating_id"] for r in rows}), list(orders))
    new_rows: list[dict[str, Any]] = []
    versions: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (old, new)
    pairs: set[Pair] = set()
    for row in rows:
        rid = row["rating_id"]
        old = current.get(rid)
        if old is not None:
            outcome = _compare(old, row, now, policy)
            if outcome is None:
                result.unchanged += 1
            elif isinstance(outcome, rules.Refusal):
                result.refused.append(Refused(row["_row"], rid, outcome.code, outcome.detail))
            else:
                versions.append((old, outcome))
                current[rid] = {**outcome, "changes": old.get("changes", 0) + 1}
                pairs.add((old["ratee_account_id"], old["rater_account_id"], old["direction"]))
            continue
        r = _rating_in(row)
        o = orders.get(r.order_id)
        refusal = rules.check_rating(
            r,
            o,
            has_initial=(r.order_id, r.direction, "initial") in given,
            has_follow_up=(r.order_id, r.direction, "follow_up") in given,
            rules=policy,
            now=now,
        )
        if refusal is not None:
            result.refused.append(Refused(row["_row"], rid, refusal.code, refusal.detail))
            continue
        assert o is not None
        if platform is not None and platforms[o.order_id] != platform:
            detail = f"order {o.order_id} is on platform {platforms[o.order_id]}, not the sender's ({platform})"
            result.refused.append(Refused(row["_row"], rid, "platform_mismatch", detail))
            continue
        given.add((r.order_id, r.direction, r.kind))
        stored = new_row(row, o, platforms[o.order_id], now)
        new_rows.append(stored)
        current[rid] = {**stored, "changes": 0}
        if r.kind is rules.Kind.initial:
            pairs.add((r.ratee_account_id, r.rater_account_id, r.direction))
    store(session, new_rows, versions)
    if len(new_rows) > 10_000 and session.get_bind().dialect.name == "postgresql":
        # a table that grew this much in this transaction is planned as its old size otherwise,
        # and the pair refresh below would scan it once per pair
        session.execute(text("ANALYZE ratings"))
    result.inserted, result.changed = len(new_rows), len(versions)
    refresh_pairs(session, pairs, policy)
    return result


def new_row(
    row: dict[str, Any], o: rules.OrderFacts, platform_id: str, now: datetime, version: int = 1
) -> dict[str, Any]:
    out = {c: row[c] for c in CONTENT}
    out.update(
        rating_id=row["rating_id"],
        version=version,
        is_current=True,
        platform_id=platform_id,
        seller_account_id=o.seller_account_id,
        changed_at=None,
        is_default=False,
        recorded_at=now,
    )
    return out


def _compare(
    old: dict[str, Any], row: dict[str, Any], now: datetime, policy: rules.RatingRules
) -> dict[str, Any] | rules.Refusal | None:
    """A recorded rating sent again: None (unchanged), a refusal, or the new version to store."""
    changed = [c for c in CONTENT if old[c] != row[c]]
    if not changed:
        return None
    refusal = rules.check_resend(row["rating_id"], changed, kind=old["kind"], new_score=row["score"])
    at = row.get("changed_at") or now
    if refusal is None:
        refusal = rules.check_change(
            old_score=rules.Score(old["score"]),
            old_created_at=old["created_at"],
            changes_so_far=old.get("changes", 0),
            new_score=rules.Score(row["score"]),
            at=at,
            rules=policy,
        )
    if refusal is not None:
        return refusal
    new = {k: old[k] for k in (*CONTENT, "rating_id", "seller_account_id", "platform_id", "is_default")}
    new.update(score=row["score"], version=old["version"] + 1, is_current=True, changed_at=at, recorded_at=now)
    return new


def store(
    session: Session, new_rows: list[dict[str, Any]], versions: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    everything = new_rows + [new for _, new in versions]
    if not everything:
        return
    chain.append(session, [("rating", row) for row in everything])
    table = table_of(Rating)
    for row, id_ in zip(everything, allocate_ids(session, table, len(everything)), strict=True):
        row["id"] = id_
    if versions:
        session.execute(
            update(table).where(table.c.id.in_([old["id"] for old, _ in versions])).values(is_current=False)
        )
    bulk_insert(session, table, everything)


def change(
    session: Session, rating_id: str, new_score: rules.Score, *, at: datetime, now: datetime, policy: rules.RatingRules
) -> dict[str, Any] | rules.Refusal:
    """The one allowed change of a stored rating (the API's): the new version, or why not."""
    current, _ = _stored(session, [rating_id], [])
    old = current[rating_id]
    row = {**{c: old[c] for c in CONTENT}, "score": new_score.value, "rating_id": rating_id, "changed_at": at}
    outcome = _compare(old, row, now, policy)
    if outcome is None:
        return rules.Refusal("change_not_allowed", "the new score is the same as the old one")
    if isinstance(outcome, rules.Refusal):
        return outcome
    store(session, [], [(old, outcome)])
    refresh_pairs(session, {(old["ratee_account_id"], old["rater_account_id"], old["direction"])}, policy)
    return outcome
