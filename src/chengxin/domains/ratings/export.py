"""The stored orders and ratings as the batch pipeline's input, and the comparison of the batch's
results with what the service keeps (``chengxin ratings batch --from db --compare``).

The export holds the current version of every rating the platforms sent; the stored default
ratings are left out, because the batch gives them itself for the day it computes — the same ones,
once the ``ratings.defaults`` job has run for that day (``pending_defaults`` says whether it has).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.domains.market import contract
from chengxin.domains.market.models import Order
from chengxin.domains.ratings import rules
from chengxin.domains.ratings.models import CreditPoints, Rating
from chengxin.domains.ratings.service import account_credit

ORDER_COLS = tuple(contract.TABLES["orders"].names)
RATING_COLS = tuple(c for c in contract.TABLES["ratings"].names if c != "changed_at")  # stored versions carry it
TIME = pl.Datetime("us", "UTC")
SCHEMAS: dict[str, dict[str, Any]] = {
    "orders": {c: (TIME if c.endswith("_at") else pl.Int64 if c in ("quantity", "amount_fen") else pl.String)
               for c in ORDER_COLS},
    "ratings": {c: (TIME if c == "created_at" else pl.Int64 if c.startswith("dsr_") else pl.String)
                for c in RATING_COLS},
}  # fmt: skip


def _frame(session: Session, stmt: Any, table: str) -> pl.DataFrame:
    rows = session.execute(stmt).yield_per(50_000)
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMAS[table], orient="row")


def frames(session: Session) -> dict[str, pl.DataFrame]:
    orders = _frame(session, select(*[getattr(Order, c) for c in ORDER_COLS]), "orders")
    stmt = select(*[getattr(Rating, c) for c in RATING_COLS]).where(
        Rating.is_current.is_(True), Rating.is_default.is_(False)
    )
    return {"orders": orders, "ratings": _frame(session, stmt, "ratings")}


def pending_defaults(session: Session, day: date, policy: rules.RatingRules) -> int:
    """Orders whose rating window lapsed by the end of ``day`` not yet settled by the defaults job."""
    stmt = select(func.count()).where(
        Order.defaults_settled.is_(False), Order.deal_at < rules.lapse_cutoff(day, policy)
    )
    return int(session.scalar(stmt) or 0)


@dataclass
class Comparison:
    accounts: int = 0  # (account, side) rows in the batch result
    points_checked: int = 0
    details_checked: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "points_checked": self.points_checked,
            "details_checked": self.details_checked,
            "differences": len(self.differences),
            "first_differences": self.differences[:20],
        }


def _service_row(c: rules.AccountCredit) -> dict[str, Any]:
    row: dict[str, Any] = {
        "points": c.points,
        "level_code": c.level.code,
        "good": c.good,
        "neutral": c.neutral,
        "bad": c.bad,
        "window_good": c.window_good,
        "window_total": c.window_total,
    }
    for f, s, n in zip(rules.DSR_FIELDS, c.dsr_sum, c.dsr_n, strict=True):
        row[f"{f}_sum"], row[f"{f}_n"] = s, n
    return row


def compare(
    session: Session, batch: pl.DataFrame, *, day: date, policy: rules.RatingRules, sample: int, seed: int = 7
) -> Comparison:
    """Points and level of every account (kept incrementally) against the batch's; counts, positive rate
    and store ratings of ``sample`` accounts (0: all) as the service computes them."""
    out = Comparison(accounts=batch.height)
    kept = {(c.account_id, c.side): (c.points, c.level_code) for c in session.scalars(select(CreditPoints))}
    for row in batch.iter_rows(named=True):
        key = (row["account_id"], row["side"])
        got = kept.get(key, (0, policy.level_for(0).code))
        out.points_checked += 1
        if got != (row["points"], row["level_code"]):
            out.differences.append(
                {"account": key, "field": "points/level", "service": got, "batch": (row["points"], row["level_code"])}
            )
        kept.pop(key, None)
    for key, got in kept.items():
        if got[0] != 0:
            out.differences.append({"account": key, "field": "points/level", "service": got, "batch": None})
    rows = batch.to_dicts()
    chosen = rows if sample <= 0 or sample >= len(rows) else random.Random(seed).sample(rows, sample)
    for row in chosen:
        service = _service_row(account_credit(session, row["account_id"], row["side"], day, policy))
        diff = {k: (v, row[k]) for k, v in service.items() if row.get(k) != v}
        out.details_checked += 1
        if diff:
            out.differences.append({"account": (row["account_id"], row["side"]), "field": "details", "diff": diff})
    return out
