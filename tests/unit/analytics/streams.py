"""Random marketplace streams (orders and ratings) for the credit tests, and the reference computation.

One generator serves Hypothesis (``DrawChooser``) and seeded fixed datasets (``RandomChooser``). A stream
is messy on purpose: month boundaries in Asia/Shanghai (orders at 16:00 UTC are midnight there), exact
14-day gaps, ratings on the lapse instant and after it, low amounts, refunded and cancelled orders,
neutral and bad scores, follow-ups, duplicate initials, later versions of a rating, wrong parties,
unknown orders, missing scores and out-of-range store ratings.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

import polars as pl
from hypothesis import strategies as st

from chengxin.domains.ratings import rules as rr

T = TypeVar("T")
BASE = datetime(2025, 12, 20, tzinfo=UTC)
HOURS = (0, 8, 16)  # 16:00 UTC is midnight in Asia/Shanghai
TIME = pl.Datetime("us", "UTC")
ORDER_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(), "platform_id": pl.String(), "buyer_account_id": pl.String(),
    "seller_account_id": pl.String(), "item_id": pl.String(), "quantity": pl.Int64(), "amount_fen": pl.Int64(),
    "created_at": TIME, "paid_at": TIME, "shipped_at": TIME, "signed_at": TIME, "waybill_no": pl.String(),
    "status": pl.String(),
}  # fmt: skip
RATING_SCHEMA: dict[str, pl.DataType] = {
    "rating_id": pl.String(), "order_id": pl.String(), "rater_account_id": pl.String(), "ratee_account_id": pl.String(),
    "direction": pl.String(), "kind": pl.String(), "score": pl.String(), "dsr_description": pl.Int64(),
    "dsr_service": pl.Int64(), "dsr_logistics": pl.Int64(), "text": pl.String(), "created_at": TIME,
}  # fmt: skip


class Chooser(Protocol):
    """Where the generator's choices come from."""

    def integer(self, lo: int, hi: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...


class DrawChooser:
    """Choices drawn by Hypothesis (so failing streams shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))


class RandomChooser:
    """Choices from a seeded ``random.Random`` (fixed datasets)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)


@dataclass
class Stream:
    orders: list[dict[str, Any]]
    ratings: list[dict[str, Any]]

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "orders": pl.DataFrame(self.orders, schema=ORDER_SCHEMA, orient="row"),
            "ratings": pl.DataFrame(self.ratings, schema=RATING_SCHEMA, orient="row"),
        }


def stream(c: Chooser, *, n_orders: int, accounts: int = 4, items: int = 3, days: int = 90) -> Stream:
    """Orders over ``days`` days from ``BASE`` between ``accounts`` buyers and sellers, with their ratings."""
    buyers = [f"b{i}" for i in range(accounts)]
    sellers = [f"s{i}" for i in range(max(2, accounts - 1))]
    out = Stream([], [])
    for n in range(n_orders):
        created = BASE + timedelta(days=c.integer(0, days), hours=c.pick(HOURS))
        paid = c.pick([None, created, created + timedelta(hours=1)])
        signed = c.pick([None, None, created + timedelta(days=c.integer(1, 6))])
        order = {
            "order_id": f"o{n}", "platform_id": "p1", "buyer_account_id": c.pick(buyers),
            "seller_account_id": c.pick(sellers), "item_id": f"i{c.integer(0, items - 1)}", "quantity": 1,
            "amount_fen": c.pick([50, 100, 101, 5000, 5000, 5000]), "created_at": created, "paid_at": paid,
            "shipped_at": None, "signed_at": signed, "waybill_no": None,
            "status": c.pick(["completed"] * 6 + ["refunded", "cancelled"]),
        }  # fmt: skip
        out.orders.append(order)
        deal = rr.deal_time(signed_at=signed, paid_at=paid, created_at=created)
        for direction in rr.Direction:
            for _ in range(c.pick([0, 1, 1, 1, 1, 2])):
                _rate(c, out, order, direction, deal, buyers + sellers)
    if n_orders and c.integer(0, 3) == 0:  # a rating of an order nobody knows
        ghost = dict(out.orders[0], order_id="o-unknown")
        _rate(c, out, ghost, rr.Direction.buyer_to_seller, ghost["created_at"], buyers + sellers)
    return out


def _rate(
    c: Chooser, out: Stream, order: dict[str, Any], direction: rr.Direction, deal: datetime, accounts: list[str]
) -> None:
    rater, ratee = order["buyer_account_id"], order["seller_account_id"]
    if direction is rr.Direction.seller_to_buyer:
        rater, ratee = ratee, rater
    parties = c.pick(["right"] * 8 + ["swapped", "stranger", "wrong_ratee"])
    if parties == "swapped":
        rater, ratee = ratee, rater
    elif parties == "stranger":
        rater = c.pick(accounts)
    elif parties == "wrong_ratee":
        ratee = c.pick(accounts)
    at = deal + timedelta(days=c.integer(-1, 17), hours=c.pick((0, 0, 8, 16)))
    b2s = direction is rr.Direction.buyer_to_seller
    dsr = (c.pick([None, 3, 4, 5, 5]), c.pick([None, 1, 5]), c.pick([None, 2, 4, 5])) if b2s else (None, None, None)
    if c.integer(0, 19) == 0:
        dsr = (c.pick([0, 6, 4]), None, None)  # out of range, or on a seller's rating
    rating = {
        "rating_id": f"r{len(out.ratings)}", "order_id": order["order_id"], "rater_account_id": rater,
        "ratee_account_id": ratee, "direction": direction.value, "kind": "initial",
        "score": c.pick(["good", "good", "good", "neutral", "bad", "bad"] + ([None] if c.integer(0, 9) == 0 else [])),
        "dsr_description": dsr[0], "dsr_service": dsr[1], "dsr_logistics": dsr[2], "text": None, "created_at": at,
    }  # fmt: skip
    out.ratings.append(rating)
    if c.integer(0, 4) == 0:  # a later version of the same rating (a changed score)
        later = at + timedelta(days=c.integer(1, 8))
        out.ratings.append(dict(rating, score=c.pick(["good", "neutral", "bad"]), created_at=later))
    if c.integer(0, 4) == 0:  # a follow-up review
        out.ratings.append(
            dict(
                rating, rating_id=f"r{len(out.ratings)}", kind="follow_up", score=c.pick([None, "good"]),
                dsr_description=None, dsr_service=None, dsr_logistics=None, created_at=at + timedelta(days=3),
            )  # fmt: skip
        )


# --- the reference: what the import accepts, then rules.rated_set and rules.compute ------------------------


def order_facts(s: Stream) -> dict[str, rr.OrderFacts]:
    return {
        o["order_id"]: rr.OrderFacts(
            o["order_id"], o["buyer_account_id"], o["seller_account_id"], o["item_id"], o["amount_fen"], o["status"],
            o["created_at"], rr.deal_time(signed_at=o["signed_at"], paid_at=o["paid_at"], created_at=o["created_at"]),
        )  # fmt: skip
        for o in s.orders
    }


def accepted_ratings(s: Stream, orders: dict[str, rr.OrderFacts], rules: rr.RatingRules) -> list[rr.RatingIn]:
    """The current version of each rating (latest created_at), kept if ``check_rating`` accepts it when
    the ratings arrive in created order (then rating_id)."""
    current: dict[str, dict[str, Any]] = {}
    for r in s.ratings:
        if r["rating_id"] not in current or r["created_at"] > current[r["rating_id"]]["created_at"]:
            current[r["rating_id"]] = r
    initial: set[tuple[str, rr.Direction]] = set()
    follow_up: set[tuple[str, rr.Direction]] = set()
    accepted = []
    for r in sorted(current.values(), key=lambda r: (r["created_at"], r["rating_id"])):
        rating = rr.RatingIn(
            r["rating_id"], r["order_id"], r["rater_account_id"], r["ratee_account_id"], rr.Direction(r["direction"]),
            rr.Kind(r["kind"]), None if r["score"] is None else rr.Score(r["score"]),
            (r["dsr_description"], r["dsr_service"], r["dsr_logistics"]), r["created_at"],
        )  # fmt: skip
        key = (rating.order_id, rating.direction)
        refusal = rr.check_rating(
            rating, orders.get(rating.order_id), has_initial=key in initial, has_follow_up=key in follow_up, rules=rules
        )
        if refusal is None:
            (initial if rating.kind is rr.Kind.initial else follow_up).add(key)
            accepted.append(rating)
    return accepted


def reference(s: Stream, day: date, rules: rr.RatingRules) -> dict[tuple[str, str], tuple[Any, ...]]:
    """{(account, side): the output row's values after the two keys} by the pure-Python rules."""
    orders = order_facts(s)
    credits = rr.compute(rr.rated_set(orders, accepted_ratings(s, orders, rules), day, rules), day, rules)
    return {
        key: (
            c.points, c.level.rank, c.level.code, c.good, c.neutral, c.bad, c.window_good, c.window_total,
            *[v for pair in zip(c.dsr_sum, c.dsr_n, strict=True) for v in pair],
        )  # fmt: skip
        for key, c in credits.items()
    }


def as_rows(frame: pl.DataFrame) -> dict[tuple[str, str], tuple[Any, ...]]:
    """A ``compute_credit`` result in the shape of ``reference``."""
    return {(row[0], row[1]): tuple(row[2:]) for row in frame.iter_rows()}
