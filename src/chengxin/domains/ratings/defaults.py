"""Default ratings (默认评价): when an order's rating window lapses, ``rules.default_ratings`` says
which parties' ratings are given by default; they are stored as ratings (``is_default``), chained
and scored like any other, and the order is marked settled so it is not looked at again.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import table_of
from chengxin.domains.market.models import Order
from chengxin.domains.ratings import rules
from chengxin.domains.ratings.intake import STORED, new_row, order_facts, store
from chengxin.domains.ratings.models import Rating
from chengxin.domains.ratings.points import Pair, refresh_pairs
from chengxin.domains.records.matching import among_many
from chengxin.security import audit
from chengxin.security.actor import Actor, cli_actor

BATCH = 20_000


def apply_defaults(
    session: Session, day: date, *, policy: rules.RatingRules, now: datetime, actor: Actor | None = None
) -> int:
    """Give the default ratings due by the end of ``day``; returns how many were given (one audit
    entry for the run when any was given)."""
    cutoff = rules.lapse_cutoff(day, policy)
    given = 0
    while True:
        stmt = (
            select(Order.order_id)
            .where(Order.defaults_settled.is_(False), Order.deal_at < cutoff)
            .order_by(Order.deal_at, Order.order_id)
            .limit(BATCH)
        )
        ids = list(session.scalars(stmt))
        if not ids:
            break
        given += _settle(session, ids, day, policy, now)
    if given:
        detail = {"day": day.isoformat(), "given": given}
        audit.record(session, actor or cli_actor("ratings.defaults"), audit.Event("ratings.defaults", detail=detail))
    return given


def _settle(session: Session, ids: list[str], day: date, policy: rules.RatingRules, now: datetime) -> int:
    orders, platforms = order_facts(session, ids)
    when: dict[tuple[str, rules.Direction], datetime] = {}
    r = table_of(Rating)
    stmt = select(r.c.order_id, r.c.direction, r.c.created_at).where(
        among_many(session, Rating.order_id, ids), r.c.kind == "initial", r.c.version == 1
    )
    for order_id, direction, created_at in session.execute(stmt):
        when[(order_id, rules.Direction(direction))] = created_at
    due = rules.default_ratings(orders.values(), when, day, policy)
    rows = []
    pairs: set[Pair] = set()
    for o, d, at in due:
        rater, ratee = (o.buyer_account_id, o.seller_account_id)
        if d is rules.Direction.seller_to_buyer:
            rater, ratee = ratee, rater
        row = {
            "rating_id": f"default:{o.order_id}:{'b2s' if d is rules.Direction.buyer_to_seller else 's2b'}",
            "order_id": o.order_id,
            "rater_account_id": rater,
            "ratee_account_id": ratee,
            "direction": d.value,
            "kind": "initial",
            "score": policy.default_score.value,
            "dsr_description": None,
            "dsr_service": None,
            "dsr_logistics": None,
            "text": None,
            "created_at": at,
        }
        stored = new_row(row, o, platforms[o.order_id], now)
        stored["is_default"] = True
        rows.append(stored)
        pairs.add((ratee, rater, d.value))

    def settle() -> None:
        store(session, pl.DataFrame(rows, schema=STORED))
        session.execute(
            update(table_of(Order)).where(among_many(session, Order.order_id, ids)).values(defaults_settled=True)
        )

    refresh_pairs(session, pairs, policy, settle)
    return len(rows)
