"""Transaction credit (交易信用) of every account of a marketplace dataset, in batch.

The definitions are those of ``chengxin.domains.ratings.rules`` (read its docstring): this module is the
same computation as ``rules.compute(rules.rated_set(...))`` written once on Narwhals, so that it runs on
Polars, DuckDB or Spark (``chengxin.analytics.engines``). A property test feeds random rating streams to
both and compares them account by account.

The steps of ``credit_frame``:

1. **Orders** (``order_facts``): deal time (成交时间) and the instant the rating window lapses; an order id
   given twice with different values is ambiguous and left out.
2. **Valid initial ratings** (``valid_initials``): the current version of each rating (the row with the
   latest ``created_at``), kept only if the import would have accepted it (``rules.check_rating``):
   order known and completed, rater and ratee the order's parties for the direction, store ratings
   (DSR) 1-5 and only on a buyer's rating, rated between the order's creation and the window's lapse,
   and the first such rating of the order in its direction (earliest ``created_at``, then ``rating_id``).
3. **Rated set as of the day** (``rated_set``): those created before the end of the day, plus the
   default ratings (默认评价) of completed orders whose window lapsed before then.
4. **Counts, positive rate and store ratings** per account and side (``window_counts``).
5. **Points** (信用积分): +1 good, −1 bad per scored rating, except that between a buyer and a seller
   the same-item rule and the monthly cap apply (``pair_points``); then the level (信用等级).

Every cut-off instant is computed in Python by the rules module and handed to the engine as a literal.
Speed: the pair rules need the ratings of a pair in order, which is costly; they can change anything
only where a buyer, seller and item recur or a pair has more orders than the cap, so the orders are
marked once (``pair_rules``) and all other ratings simply count ±1. Rows are only sorted where keys
repeat (``_resolve_repeats``), and intermediate results used twice are materialised (``materialize``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.analytics.engines import get_engine, materialize
from chengxin.domains.ratings import rules as rr

B2S, S2B = rr.Direction.buyer_to_seller.value, rr.Direction.seller_to_buyer.value
GOOD, NEUTRAL = rr.Score.good.value, rr.Score.neutral.value
SCORES = [s.value for s in rr.Score]
COUNT_COLUMNS = [
    "good", "neutral", "bad", "window_good", "window_total",
    "dsr_description_sum", "dsr_description_n", "dsr_service_sum", "dsr_service_n",
    "dsr_logistics_sum", "dsr_logistics_n",
]  # fmt: skip
OUTPUT_COLUMNS = ["account_id", "side", "points", "level_rank", "level_code", *COUNT_COLUMNS]
OUTPUT_SCHEMA = {c: pl.String if c in ("account_id", "side", "level_code") else pl.Int64 for c in OUTPUT_COLUMNS}
# A rated-set row (``rules.Rated``) and whether the pair rules may touch it, in the order of every part.
RATED_COLUMNS = [
    "order_id", "rater", "ratee", "direction", "score", "created_at", "order_created_at", "item_id",
    "amount_fen", "is_default", *rr.DSR_FIELDS, "pair_rules",
]  # fmt: skip
_VERSION_ORDER = [
    "created_at", "order_id", "rater_account_id", "ratee_account_id", "direction", "kind", "score", *rr.DSR_FIELDS,
]  # fmt: skip
_REPEATS = "_repeats"
Resolve = Callable[[nw.LazyFrame[Any]], nw.LazyFrame[Any]]  # picks one row among rows sharing keys


@dataclass(frozen=True)
class Cutoffs:
    """The instants and spans of one run, computed by the rules module and used as literals."""

    end: datetime  # the first instant after the day, Asia/Shanghai
    window_start: datetime  # start of the rolling window (positive rate, DSR)
    rating_window: timedelta
    same_item_gap: timedelta

    @classmethod
    def of(cls, day: date, rules: rr.RatingRules) -> Cutoffs:
        return cls(
            end=rr.end_of_day(day),
            window_start=rr.window_start(day, rules),
            rating_window=timedelta(days=rules.rating_window_days),
            same_item_gap=timedelta(days=rules.same_item_days),
        )


def compute_credit(
    source: Path | dict[str, pl.DataFrame], *, day: date, rules: rr.RatingRules | None = None, engine: str = "polars"
) -> pl.DataFrame:
    """Credit of every account and side as of ``day`` (``OUTPUT_SCHEMA``), sorted by (account_id, side).

    ``source``: a dataset folder holding ``orders`` and ``ratings`` (Parquet or CSV), or those two tables
    as Polars frames. ``rules``: the rules in force (``rules.load_rules()``) unless given."""
    chosen = rules or rr.load_rules()
    runner = get_engine(engine)
    if isinstance(source, Path):
        orders, ratings = runner.read_table(source, "orders"), runner.read_table(source, "ratings")
    else:
        orders = runner.from_polars(source["orders"], "orders")
        ratings = runner.from_polars(source["ratings"], "ratings")
    result = runner.collect(credit_frame(orders, ratings, day=day, rules=chosen))
    return result.select(pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()).sort("account_id", "side")


def credit_frame(
    orders: nw.LazyFrame[Any], ratings: nw.LazyFrame[Any], *, day: date, rules: rr.RatingRules
) -> nw.LazyFrame[Any]:
    """One row per (account_id, side) that ``rules.compute`` gives as of ``day``: points, level,
    counts by score, the positive rate's window counts and the store ratings' sums and counts.

    Lazy at the end, but intermediate results are computed on the way (``materialize``)."""
    cut = Cutoffs.of(day, rules)
    known = order_facts(orders, cut, rules)
    rated = rated_set(known, valid_initials(ratings, known), cut, rules)
    side = nw.when(nw.col("direction") == B2S).then(nw.lit("seller")).otherwise(nw.lit("buyer"))
    return (
        window_counts(rated, cut, rules)
        .join(pair_points(rated, cut, rules), on=["ratee", "direction"], how="left")
        .with_columns((nw.col("points") + nw.col("pair_points").fill_null(0)).alias("points"), side=side)
        .with_columns(level_rank=_level(rules, rank=True), level_code=_level(rules, rank=False))
        .select(
            nw.col("ratee").alias("account_id"), "side", nw.col("points").cast(nw.Int64), "level_rank", "level_code",
            *COUNT_COLUMNS,
        )
    )  # fmt: skip


def order_facts(orders: nw.LazyFrame[Any], cut: Cutoffs, rules: rr.RatingRules) -> nw.LazyFrame[Any]:
    """Completed orders with their deal time and the lapse of their rating window (``rules.OrderFacts``),
    and ``pair_rules``: whether the pair rules may apply to their ratings (a superset, counted on all
    rows: the buyer, seller and item recur, or the buyer and seller share more orders than the cap).

    An order id given twice with different values is ambiguous and left out (status is judged after
    that, so a completed and a cancelled row of one id drop both); an identical repeat is harmless."""
    deal_at = nw.coalesce("signed_at", "paid_at", "created_at")
    pair = ["buyer_account_id", "seller_account_id"]
    pair_rules = (nw.len().over(*pair, "item_id") > 1) | (nw.len().over(*pair) > rules.pair_month_cap)
    facts = orders.select(
        "order_id", nw.col("buyer_account_id").alias("buyer"), nw.col("seller_account_id").alias("seller"),
        "item_id", nw.col("amount_fen").cast(nw.Int64), "status", nw.col("created_at").alias("order_created_at"),
        (deal_at + cut.rating_window).alias("lapsed_at"), pair_rules.alias("pair_rules"),
    )  # fmt: skip
    unambiguous = _resolve_repeats(facts, "order_id", lambda f: f.unique().unique(["order_id"], keep="none"))
    return unambiguous.filter(nw.col("status") == "completed").drop("status")


def current_versions(ratings: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """The current version of each rating: of the rows sharing a ``rating_id``, the latest ``created_at``
    (an exact tie is broken by the other columns, so the result does not depend on row order)."""
    needed = ratings.select(
        "rating_id", "order_id", "rater_account_id", "ratee_account_id", "direction", "kind",
        "score", *[nw.col(f).cast(nw.Int64) for f in rr.DSR_FIELDS], "created_at",
    )  # fmt: skip
    latest: Resolve = lambda f: f.unique(["rating_id"], keep="last", order_by=_VERSION_ORDER)  # noqa: E731
    return _resolve_repeats(needed, "rating_id", latest)


def valid_initials(ratings: nw.LazyFrame[Any], orders: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """The initial ratings the import accepts (``rules.check_rating``), one per order and direction,
    with their order's facts (``order_facts``) and ``other_rated``: the order has a valid initial
    rating in the other direction too. Not cut at the day: a rating created after it still means the
    order is rated (no default rating)."""
    initial = current_versions(ratings).filter(
        nw.col("kind") == rr.Kind.initial.value, nw.col("score").is_in(SCORES), nw.col("direction").is_in([B2S, S2B])
    )
    b2s = nw.col("direction") == B2S
    rater = nw.when(b2s).then(nw.col("buyer")).otherwise(nw.col("seller"))
    ratee = nw.when(b2s).then(nw.col("seller")).otherwise(nw.col("buyer"))
    dsr_in_range = [nw.col(f).is_null() | nw.col(f).is_between(1, 5) for f in rr.DSR_FIELDS]
    no_dsr = nw.all_horizontal(*[nw.col(f).is_null() for f in rr.DSR_FIELDS], ignore_nulls=False)
    # Whether the order is validly rated in each direction (decides its default ratings), and whether
    # it has more valid ratings than directions rated (then the first of each direction must be found).
    rated_in = [(b2s if d == B2S else ~b2s).cast(nw.Int64).max().over("order_id") for d in (B2S, S2B)]
    directions = rated_in[0] + rated_in[1]
    accepted = (
        initial.join(orders, on="order_id", how="inner")
        .with_columns(rater=rater, ratee=ratee)
        .filter(
            nw.col("rater_account_id") == nw.col("rater"),
            nw.col("ratee_account_id") == nw.col("ratee"),
            *dsr_in_range,
            b2s | no_dsr,
            nw.col("created_at") >= nw.col("order_created_at"),
            nw.col("created_at") <= nw.col("lapsed_at"),
        )
        .drop("rater_account_id", "ratee_account_id", "kind")
        .with_columns((nw.len().over("order_id") > directions).alias(_REPEATS), other_rated=directions == 2)
    )
    slot = ["order_id", "direction"]
    earliest: Resolve = lambda f: f.unique(slot, keep="first", order_by=["created_at", "rating_id"])  # noqa: E731
    return materialize(_resolve_repeats(accepted, None, earliest))  # used twice: given and default ratings


def rated_set(
    orders: nw.LazyFrame[Any], valid: nw.LazyFrame[Any], cut: Cutoffs, rules: rr.RatingRules
) -> nw.LazyFrame[Any]:
    """The rated set as of the day (``rules.rated_set``): valid initial ratings created before the end
    of the day and the default ratings (``rules.default_ratings``) then due, materialised."""
    given = valid.filter(nw.col("created_at") < cut.end).with_columns(is_default=nw.lit(False))
    parts = [given.select(RATED_COLUMNS)]
    if rules.default_when != "never":
        # The order's other direction has no valid rating: a default one when the window lapsed (the
        # rating in hand is valid, so it came by the lapse, as ``other_rated`` asks).
        b2s = nw.col("direction") == B2S
        lapsed = valid.filter(~nw.col("other_rated"), nw.col("lapsed_at") < cut.end)
        parts.append(
            _default_rows(
                lapsed, rules, nw.when(b2s).then(nw.lit(S2B)).otherwise(nw.lit(B2S)), nw.col("ratee"), nw.col("rater")
            )
        )
    if rules.default_when == "always":  # orders nobody rated: a default rating each way
        unrated = orders.filter(nw.col("lapsed_at") < cut.end).join(valid, on="order_id", how="anti")
        for direction, rater, ratee in ((B2S, "buyer", "seller"), (S2B, "seller", "buyer")):
            parts.append(_default_rows(unrated, rules, nw.lit(direction), nw.col(rater), nw.col(ratee)))
    return materialize(nw.concat(parts, how="vertical"))


def _default_rows(
    frame: nw.LazyFrame[Any], rules: rr.RatingRules, direction: nw.Expr, rater: nw.Expr, ratee: nw.Expr
) -> nw.LazyFrame[Any]:
    """Default ratings in ``direction`` of the orders of ``frame``, given at the lapse of their window."""
    return frame.select(
        "order_id", rater.alias("rater"), ratee.alias("ratee"), direction.cast(nw.String).alias("direction"),
        nw.lit(rules.default_score.value, nw.String).alias("score"), nw.col("lapsed_at").alias("created_at"),
        "order_created_at", "item_id", "amount_fen", nw.lit(True).alias("is_default"),
        *[nw.lit(None, nw.Int64).alias(f) for f in rr.DSR_FIELDS], "pair_rules",
    )  # fmt: skip


def _scored(rules: rr.RatingRules) -> nw.Expr:
    """The rating earns points (``rules.scored``) and is not neutral."""
    scored = (nw.col("amount_fen") >= rules.min_scored_amount_fen) & (nw.col("score") != NEUTRAL)
    return scored if rules.default_counts else scored & ~nw.col("is_default")


def window_counts(rated: nw.LazyFrame[Any], cut: Cutoffs, rules: rr.RatingRules) -> nw.LazyFrame[Any]:
    """Per (ratee, direction): counts by score, window counts on scored orders, store-rating sums and
    counts (``rules.window_counts``), and ``points`` of the ratings the pair rules cannot touch."""
    in_window = nw.col("created_at") >= cut.window_start
    scored_amount = nw.col("amount_fen") >= rules.min_scored_amount_fen
    good = nw.col("score") == GOOD
    flags = {s: nw.col("score") == s for s in SCORES}
    flags["window_total"] = in_window & scored_amount
    flags["window_good"] = in_window & scored_amount & good
    # 32-bit parts (summed per account, then widened) halve the memory the aggregation streams through.
    values = {name: flag.cast(nw.Int32) for name, flag in flags.items()}
    for f in rr.DSR_FIELDS:
        has = in_window & (nw.col("direction") == B2S) & ~nw.col(f).is_null()
        values[f"{f}_n"] = has.cast(nw.Int32)
        values[f"{f}_sum"] = nw.when(has).then(nw.col(f).cast(nw.Int32)).otherwise(nw.lit(0, nw.Int32))
    plain = _scored(rules) & ~nw.col("pair_rules")
    one = nw.when(good).then(nw.lit(1, nw.Int32)).otherwise(nw.lit(-1, nw.Int32))
    values["points"] = nw.when(plain).then(one).otherwise(nw.lit(0, nw.Int32))
    sums = [*COUNT_COLUMNS, "points"]
    return (
        rated.select("ratee", "direction", **values)
        .group_by("ratee", "direction")
        .agg(*[nw.col(c).sum() for c in sums])
        .with_columns(*[nw.col(c).cast(nw.Int64) for c in sums])
    )


def pair_points(rated: nw.LazyFrame[Any], cut: Cutoffs, rules: rr.RatingRules) -> nw.LazyFrame[Any]:
    """``pair_points`` per (ratee, direction): the points of the ratings the pair rules may touch
    (``rules.pair_points``): per (rater, ratee), the same-item rule, then the monthly cap."""
    pair, created = ["ratee", "rater", "direction"], nw.col("order_created_at")
    same_item = [*pair, "item_id", "score"]
    local = created + (rr.SHANGHAI.utcoffset(None) or timedelta())  # a fixed offset: no daylight saving
    # A rating counts unless the previous one of its (pair, item, score) is on an order created less
    # than same_item_days earlier.
    previous = created.shift(1).over(*same_item, order_by=["order_created_at", "order_id"])
    counts = previous.is_null() | (created >= previous + cut.same_item_gap)
    n = nw.col("n").cast(nw.Int64)
    capped = nw.when(n > rules.pair_month_cap).then(nw.lit(rules.pair_month_cap, nw.Int64)).otherwise(n)
    signed = nw.when(nw.col("score") == GOOD).then(capped).otherwise(-capped)
    return (
        rated.filter(_scored(rules), nw.col("pair_rules"))
        .select(*pair, "score", n=counts.cast(nw.Int64), month=local.dt.year() * 100 + local.dt.month())
        .group_by(*pair, "month", "score")
        .agg(nw.col("n").sum())
        .select("ratee", "direction", pair_points=signed)
        .group_by("ratee", "direction")
        .agg(nw.col("pair_points").sum())
    )


def _resolve_repeats(frame: nw.LazyFrame[Any], key: str | None, resolve: Resolve) -> nw.LazyFrame[Any]:
    """``frame`` with ``resolve`` applied to the rows that share their ``key`` with another row (or, with
    no key, to the rows the frame's boolean ``_repeats`` column marks: at least those). The other rows
    (nearly all) pass untouched, so only the repeats are ever sorted. Materialises the marked frame."""
    marked = frame if key is None else frame.with_columns((nw.len().over(key) > 1).alias(_REPEATS))
    counted = materialize(marked)
    once = counted.filter(~nw.col(_REPEATS))
    resolved = resolve(counted.filter(nw.col(_REPEATS)))
    return nw.concat([once, resolved], how="vertical").drop(_REPEATS)


def _level(rules: rr.RatingRules, *, rank: bool) -> nw.Expr:
    """``rules.level_for`` in the engine: the last level whose threshold the points reach."""
    fallback = rr.NO_LEVEL.rank if rank else rr.NO_LEVEL.code
    chain: Any = None
    for i, (lowest, code, _) in reversed(list(enumerate(rules.levels, start=1))):
        value = nw.lit(i, nw.Int64) if rank else nw.lit(code, nw.String)
        reached = nw.col("points") >= lowest
        chain = nw.when(reached).then(value) if chain is None else chain.when(reached).then(value)
    default = nw.lit(fallback, nw.Int64 if rank else nw.String)
    return default if chain is None else chain.otherwise(default)
