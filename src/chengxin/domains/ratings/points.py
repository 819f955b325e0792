"""Credit points kept incrementally (信用积分): recompute the pairs a change touches, then their totals.

Points depend only on one rater's ratings of one ratee (the 14-day rule and the monthly cap are
per pair), so when ratings arrive, change or default, or an order's status changes, the pairs
concerned are scored with ``rules.pair_points`` on their rated sets before and after the change,
and each ratee's total moves by the difference; its level follows. The batch pipeline
(``chengxin.analytics.credit``) computes the same numbers over a whole dataset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

import polars as pl
from sqlalchemy import Column, MetaData, String, Table, and_, delete, select, text
from sqlalchemy.orm import Session

from chengxin.db import bulk_insert, table_of, utcnow
from chengxin.domains.market.models import Order
from chengxin.domains.market.store import insert_frame
from chengxin.domains.ratings import rules
from chengxin.domains.ratings.models import CreditPoints, Rating
from chengxin.domains.records.matching import among_many

Pair = tuple[str, str, str]  # (ratee, rater, direction)
TMP = Table(
    "tmp_credit_pairs", MetaData(), Column("ratee", String), Column("rater", String), Column("direction", String)
)


def _temp_pairs(session: Session, pairs: Collection[Pair]) -> None:
    """``pairs`` in the temporary table (read in full: no index to keep)."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS tmp_credit_pairs (ratee varchar(64), rater varchar(64), direction varchar(16))"
        + (" ON COMMIT DELETE ROWS" if postgres else "")
    )
    conn.exec_driver_sql("DELETE FROM tmp_credit_pairs")
    insert_frame(session, TMP, pl.DataFrame(list(pairs), schema=["ratee", "rater", "direction"], orient="row"))
    if postgres:
        conn.exec_driver_sql("ANALYZE tmp_credit_pairs")  # temporary tables are never analysed otherwise


def _stored_rated(session: Session) -> dict[Pair, list[rules.Rated]]:
    """The rated set (current initial ratings with a score, on completed orders) of the pairs in
    the temporary table. On PostgreSQL each pair is looked up by itself (``LATERAL … OFFSET 0``
    keeps the planner from turning 100,000 index probes into a scan of every rating)."""
    r, o = table_of(Rating), table_of(Order)
    cols = "r.score, r.is_default, o.order_id, o.created_at, o.item_id, o.amount_fen"
    joined = f"{r.name} r JOIN {o.name} o ON o.order_id = r.order_id"
    where = (
        "r.ratee_account_id = t.ratee AND r.direction = t.direction AND r.rater_account_id = t.rater "
        "AND r.is_current AND r.kind = 'initial' AND r.score IS NOT NULL AND o.status = 'completed'"
    )
    if session.get_bind().dialect.name == "postgresql":
        sql = (
            "SELECT t.ratee, t.rater, t.direction, x.* FROM tmp_credit_pairs t "
            f"CROSS JOIN LATERAL (SELECT {cols} FROM {joined} WHERE {where} OFFSET 0) x"
        )
    else:
        sql = f"SELECT t.ratee, t.rater, t.direction, {cols} FROM tmp_credit_pairs t, {joined} WHERE {where}"
    stmt = text(sql).columns(created_at=Order.created_at.type)
    grouped: dict[Pair, list[rules.Rated]] = defaultdict(list)
    directions, scores = rules.DIRECTIONS, rules.SCORES
    for ratee, rater, direction, score, is_default, order_id, created_at, item_id, amount in session.execute(stmt):
        grouped[(ratee, rater, direction)].append(
            rules.Rated(
                order_id,
                rater,
                ratee,
                directions[direction],
                scores[score],
                created_at,
                created_at,
                item_id,
                amount,
                bool(is_default),
            )
        )
    return grouped


RatedSets = dict[Pair, list[rules.Rated]]
T = TypeVar("T")


def gather(session: Session, pairs: Collection[Pair]) -> RatedSets:
    """The stored rated sets of ``pairs`` (pairs without one are left out)."""
    if not pairs:
        return {}
    _temp_pairs(session, pairs)
    return _stored_rated(session)


def deltas(before: RatedSets, after: RatedSets, pairs: Collection[Pair], policy: rules.RatingRules) -> dict[Pair, int]:
    """How much each pair's points move from its rated set ``before`` to ``after`` (pure); a pair
    with a rated set on either side is listed, 0 included, so its ratee gets a total."""
    out = {}
    for pair in pairs:
        was, now = before.get(pair), after.get(pair)
        if was or now:
            out[pair] = (rules.pair_points(now, policy) if now else 0) - (rules.pair_points(was, policy) if was else 0)
    return out


def write(session: Session, moves: Mapping[Pair, int], policy: rules.RatingRules) -> int:
    """Move the ratees' totals by their pairs' differences; returns the totals written."""
    delta: dict[tuple[str, str], int] = defaultdict(int)
    for (ratee, _, direction), n in moves.items():
        delta[(ratee, rules.SIDE_OF[rules.DIRECTIONS[direction]])] += n
    return _move_totals(session, delta, policy) if delta else 0


def refresh_pairs(session: Session, pairs: Collection[Pair], policy: rules.RatingRules, change: Callable[[], T]) -> T:
    """Make ``change`` (store ratings, update orders…) and move the totals of the ratees of
    ``pairs`` by what it did to their points: each pair's rated set is read before and after.
    Returns what ``change`` returned."""
    before = gather(session, pairs)
    done = change()
    if pairs:
        write(session, deltas(before, gather(session, pairs), pairs, policy), policy)
    return done


def _move_totals(session: Session, delta: Mapping[tuple[str, str], int], policy: rules.RatingRules) -> int:
    """Add ``delta`` to the (account, side) totals and set their levels again."""
    cp = table_of(CreditPoints)
    totals = dict(delta)
    for side in ("seller", "buyer"):
        accounts = [a for a, s in delta if s == side]
        if not accounts:
            continue
        where = and_(cp.c.side == side, among_many(session, CreditPoints.account_id, accounts))
        for account, points in session.execute(select(cp.c.account_id, cp.c.points).where(where)):
            totals[(account, side)] += int(points)
        session.execute(delete(cp).where(where))
    now = utcnow()
    out = []
    for (account, side), total in totals.items():
        level = policy.level_for(total)
        out.append(
            {
                "account_id": account,
                "side": side,
                "points": total,
                "level_rank": level.rank,
                "level_code": level.code,
                "updated_at": now,
            }
        )
    bulk_insert(session, cp, out)
    return len(out)
