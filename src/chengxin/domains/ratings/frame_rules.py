"""``rules.check_rating`` on a whole batch of new ratings at once (Polars), for the bulk intake.

The same checks in the same order, with the same outcome row by row — a property test feeds random
batches to both (``tests/unit/ratings/test_frame_rules.py``). The only state a rating's outcome
depends on is whether its order already has an initial rating (or a follow-up) in the same
direction: stored, or accepted earlier in the batch. Within a batch that is a running count, in
file order, of the earlier rows of the same order and direction that pass every other check — the
first of them is the one accepted, so "some earlier row passes" is "an earlier row was accepted".

``check_frame`` gives each row the code ``check_rating`` would give it (None: accepted) and the two
flags it would be called with; the caller asks ``check_rating`` itself for the wording of the few
refusals.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from chengxin.domains.ratings.rules import DSR_FIELDS, RatingRules

# The frame's columns: the rating's (rating_id, order_id, rater_account_id, ratee_account_id,
# direction, kind, score, dsr_*, created_at, _row), its order's as ``o_buyer``, ``o_seller``,
# ``o_status``, ``o_created_at``, ``o_deal_at`` (null: order unknown), ``stored_initial`` and
# ``stored_follow_up`` (booleans) and ``sender_ok`` (false: the order is another platform's).


def _first(*cases: tuple[pl.Expr, str]) -> pl.Expr:
    """The code of the first case that holds (null conditions count as false), else null."""
    out = pl.lit(None, pl.String)
    for cond, code in reversed(cases):
        out = pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(out)
    return out


def check_frame(frame: pl.DataFrame, *, rules: RatingRules, now: datetime) -> pl.DataFrame:
    """``frame`` (in file order) with ``code``, ``has_initial`` and ``has_follow_up`` added."""
    c = pl.col
    b2s = c("direction") == "buyer_to_seller"
    initial = c("kind") == "initial"
    rater = pl.when(b2s).then(c("o_buyer")).otherwise(c("o_seller"))
    ratee = pl.when(b2s).then(c("o_seller")).otherwise(c("o_buyer"))
    dsr_bad = pl.any_horizontal([c(f).is_not_null() & ~c(f).is_between(1, 5) for f in DSR_FIELDS])
    has_dsr = pl.any_horizontal([c(f).is_not_null() for f in DSR_FIELDS])
    pre = _first(
        (c("created_at") > now + timedelta(hours=rules.max_clock_skew_hours), "time_in_future"),
        (c("o_status").is_null(), "order_unknown"),
        (c("o_status") != "completed", "order_not_completed"),
        ((c("rater_account_id") != rater) | (c("ratee_account_id") != ratee), "not_a_party"),
        (dsr_bad, "dsr_out_of_range"),
        (has_dsr & ~(b2s & initial), "dsr_not_allowed"),
        (c("created_at") < c("o_created_at"), "rated_before_order"),
        (initial & c("score").is_null(), "score_missing"),
    )
    late_initial = c("created_at") > c("o_deal_at") + timedelta(days=rules.rating_window_days)
    late_follow_up = c("created_at") > c("o_deal_at") + timedelta(days=rules.follow_up_window_days)
    key = ["order_id", "direction"]
    out = frame.with_row_index("_pos").with_columns(pre.alias("_pre"))
    # would be accepted were there no initial yet (the first such row of an order and direction is)
    out = out.with_columns(
        (initial & c("_pre").is_null() & ~late_initial.fill_null(False) & c("sender_ok")).alias("_cand_i")
    )
    earlier_i = (c("_cand_i").cast(pl.Int64).cum_sum().over(key, order_by="_pos") - c("_cand_i").cast(pl.Int64)) > 0
    out = out.with_columns((c("stored_initial") | earlier_i).alias("has_initial"))
    out = out.with_columns(
        (~initial & c("_pre").is_null() & c("has_initial") & ~late_follow_up.fill_null(False) & c("sender_ok")).alias(
            "_cand_f"
        )
    )
    earlier_f = (c("_cand_f").cast(pl.Int64).cum_sum().over(key, order_by="_pos") - c("_cand_f").cast(pl.Int64)) > 0
    out = out.with_columns((c("stored_follow_up") | earlier_f).alias("has_follow_up"))
    code_initial = _first(
        (c("_pre").is_not_null(), "_pre"),
        (c("has_initial"), "duplicate_rating"),
        (late_initial, "outside_window"),
        (~c("sender_ok"), "platform_mismatch"),
    )
    code_follow_up = _first(
        (c("_pre").is_not_null(), "_pre"),
        (~c("has_initial"), "follow_up_without_initial"),
        (c("has_follow_up"), "duplicate_rating"),
        (late_follow_up, "follow_up_outside_window"),
        (~c("sender_ok"), "platform_mismatch"),
    )
    code = pl.when(initial).then(code_initial).otherwise(code_follow_up)
    code = pl.when(code == "_pre").then(c("_pre")).otherwise(code)
    return out.with_columns(code.alias("code")).drop("_pos", "_pre", "_cand_i", "_cand_f")
