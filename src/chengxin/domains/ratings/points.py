"""Credit points kept incrementally (信用积分): recompute the pairs a change touches, then their totals.

Points depend only on one rater's ratings of one ratee (the 14-day rule and the monthly cap are
per pair), so when ratings arrive, change or default, the pairs they belong to are recomputed from
their stored ratings with ``rules.pair_points`` and the ratees' totals and levels are summed again.
The batch pipeline (``chengxin.analytics.credit``) computes the same numbers over a whole dataset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.orm import Session

from chengxin.db import bulk_insert, table_of, utcnow
from chengxin.domains.market.models import Order
from chengxin.domains.ratings import rules
from chengxin.domains.ratings.models import CreditPoints, PairPoints, Rating
from chengxin.domains.records.matching import among_many

Pair = tuple[str, str, str]  # (ratee, rater, direction)


def _temp_pairs(session: Session, pairs: Collection[Pair]) -> str:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS tmp_credit_pairs (ratee varchar(64), rater varchar(64), "
            "direction varchar(16), PRIMARY KEY (ratee, rater, direction)) ON COMMIT DELETE ROWS"
        )
    else:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS tmp_credit_pairs "
            "(ratee varchar(64), rater varchar(64), direction varchar(16), PRIMARY KEY (ratee, rater, direction))"
        )
    conn.exec_driver_sql("DELETE FROM tmp_credit_pairs")
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy("COPY tmp_credit_pairs (ratee, rater, direction) FROM STDIN") as copy:
            for p in pairs:
                copy.write_row(p)
        conn.exec_driver_sql("ANALYZE tmp_credit_pairs")  # temporary tables are never analysed otherwise
    else:
        raw.cursor().executemany("INSERT INTO tmp_credit_pairs VALUES (?, ?, ?)", list(pairs))
    return "tmp_credit_pairs"


def refresh_pairs(session: Session, pairs: Collection[Pair], policy: rules.RatingRules) -> int:
    """Recompute the points of ``pairs`` and their ratees' totals; returns the accounts updated."""
    if not pairs:
        return 0
    tmp = _temp_pairs(session, pairs)
    r, o = table_of(Rating), table_of(Order)
    stmt = text(
        f"SELECT r.ratee_account_id, r.rater_account_id, r.direction, r.score, r.is_default, o.order_id, "
        f"o.created_at, o.item_id, o.amount_fen FROM {r.name} r "
        f"JOIN {tmp} t ON t.ratee = r.ratee_account_id AND t.rater = r.rater_account_id AND t.direction = r.direction "
        f"JOIN {o.name} o ON o.order_id = r.order_id "
        "WHERE r.is_current AND r.kind = 'initial' AND r.score IS NOT NULL AND o.status = 'completed'"
    ).columns(created_at=Order.created_at.type)
    grouped: dict[Pair, list[rules.Rated]] = defaultdict(list)
    for ratee, rater, direction, score, is_default, order_id, created_at, item_id, amount in session.execute(stmt):
        d = rules.Direction(direction)
        grouped[(ratee, rater, direction)].append(
            rules.Rated(
                order_id, rater, ratee, d, rules.Score(score), created_at, created_at, item_id, amount, bool(is_default)
            )
        )
    pp = table_of(PairPoints)
    session.execute(
        delete(pp).where(
            text(
                f"EXISTS (SELECT 1 FROM {tmp} t WHERE t.ratee = {pp.name}.ratee_account_id "
                f"AND t.rater = {pp.name}.rater_account_id AND t.direction = {pp.name}.direction)"
            )
        )
    )
    rows = [
        {"ratee_account_id": p[0], "rater_account_id": p[1], "direction": p[2], "points": rules.pair_points(g, policy)}
        for p, g in grouped.items()
    ]
    bulk_insert(session, pp, rows)
    return _retotal(session, pp, {p[0] for p in pairs}, policy)


def _retotal(session: Session, pp: Table, ratees: set[str], policy: rules.RatingRules) -> int:
    sums = session.execute(
        select(pp.c.ratee_account_id, pp.c.direction, func.sum(pp.c.points))
        .where(among_many(session, PairPoints.ratee_account_id, ratees))
        .group_by(pp.c.ratee_account_id, pp.c.direction)
    ).all()
    cp = table_of(CreditPoints)
    session.execute(delete(cp).where(among_many(session, CreditPoints.account_id, ratees)))
    now = utcnow()
    out = []
    for ratee, direction, total in sums:
        level = policy.level_for(int(total))
        side = rules.SIDE_OF[rules.Direction(direction)]
        out.append(
            {
                "account_id": ratee,
                "side": side,
                "points": int(total),
                "level_rank": level.rank,
                "level_code": level.code,
                "updated_at": now,
            }
        )
    bulk_insert(session, cp, out)
    return len(out)
