"""The batch check (``frame_rules.check_frame``) gives every row of a random batch the outcome that
``rules.check_rating``, called row by row in file order with what the earlier rows did, gives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.domains.ratings import frame_rules, rules
from chengxin.domains.ratings.rules import Direction, Kind, Score

R = rules.load_rules()
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=60)
# order id → (buyer, seller, status, created, deal, platform)
ORDERS = {
    "O1": ("B1", "S1", "completed", T0, T0 + timedelta(days=2), "P1"),
    "O2": ("B2", "S1", "completed", T0, T0, "P1"),
    "O3": ("B1", "S2", "cancelled", T0, T0 + timedelta(days=1), "P1"),
    "O4": ("B2", "S2", "completed", T0 + timedelta(days=5), T0 + timedelta(days=9), "P2"),
}
OFFSETS = [-1, 0, 1, 10, 15, 16, 20, 100, 181, 190, 59, 62]  # days after T0 (NOW is day 60, skew 1 day)

rating_rows = st.fixed_dictionaries(
    {
        "order_id": st.sampled_from(["O1", "O2", "O3", "O4", "O9"]),
        "direction": st.sampled_from([d.value for d in Direction]),
        "kind": st.sampled_from([k.value for k in Kind]),
        "rater_account_id": st.sampled_from(["B1", "B2", "S1", "S2"]),
        "ratee_account_id": st.sampled_from(["B1", "B2", "S1", "S2"]),
        "score": st.sampled_from([None, *[s.value for s in Score]]),
        "dsr_description": st.sampled_from([None, None, 1, 5, 0, 6]),
        "dsr_service": st.sampled_from([None, None, 3]),
        "dsr_logistics": st.sampled_from([None, None, 4, 9]),
        "created_at": st.sampled_from(OFFSETS).map(lambda d: T0 + timedelta(days=d, hours=1)),
    }
)
# rows that mostly fit their order, so that acceptances (and so duplicates) are common
fitting_rows = st.builds(
    lambda order, direction, kind, score, offset: {
        "order_id": order,
        "direction": direction,
        "kind": kind,
        "rater_account_id": ORDERS[order][0 if direction == "buyer_to_seller" else 1],
        "ratee_account_id": ORDERS[order][1 if direction == "buyer_to_seller" else 0],
        "score": score,
        "dsr_description": None,
        "dsr_service": None,
        "dsr_logistics": None,
        "created_at": T0 + timedelta(days=offset, hours=1),
    },
    st.sampled_from(["O1", "O2", "O4"]),
    st.sampled_from([d.value for d in Direction]),
    st.sampled_from([k.value for k in Kind]),
    st.sampled_from(["good", "bad", None]),
    st.sampled_from([1, 3, 12, 20]),
)
stored_keys = st.sets(
    st.tuples(
        st.sampled_from(list(ORDERS)),
        st.sampled_from([d.value for d in Direction]),
        st.sampled_from(["initial", "follow_up"]),
    ),
    max_size=4,
)


def _facts(order_id: str) -> rules.OrderFacts | None:
    if order_id not in ORDERS:
        return None
    buyer, seller, status, created, deal, _ = ORDERS[order_id]
    return rules.OrderFacts(order_id, buyer, seller, "I1", 5000, status, created, deal)


def _one_by_one(rows: list[dict[str, Any]], stored: set[tuple[str, str, str]], platform: str | None) -> list[Any]:
    given_ = set(stored)
    out = []
    for row in rows:
        r = rules.RatingIn(
            "R", row["order_id"], row["rater_account_id"], row["ratee_account_id"], Direction(row["direction"]),
            Kind(row["kind"]), Score(row["score"]) if row["score"] else None,
            (row["dsr_description"], row["dsr_service"], row["dsr_logistics"]), row["created_at"],
        )  # fmt: skip
        has_initial = (r.order_id, r.direction.value, "initial") in given_
        has_follow_up = (r.order_id, r.direction.value, "follow_up") in given_
        refusal = rules.check_rating(
            r, _facts(r.order_id), has_initial=has_initial, has_follow_up=has_follow_up, rules=R, now=NOW
        )
        code = refusal.code if refusal else None
        if code is None and platform is not None and ORDERS[r.order_id][5] != platform:
            code = "platform_mismatch"
        if code is None:
            given_.add((r.order_id, r.direction.value, r.kind.value))
        out.append((code, has_initial, has_follow_up))
    return out


def _at_once(rows: list[dict[str, Any]], stored: set[tuple[str, str, str]], platform: str | None) -> list[Any]:
    enriched = []
    for i, row in enumerate(rows):
        o = ORDERS.get(row["order_id"])
        enriched.append(
            {
                **row,
                "_row": i + 2,
                "o_buyer": o[0] if o else None,
                "o_seller": o[1] if o else None,
                "o_status": o[2] if o else None,
                "o_created_at": o[3] if o else None,
                "o_deal_at": o[4] if o else None,
                "stored_initial": (row["order_id"], row["direction"], "initial") in stored,
                "stored_follow_up": (row["order_id"], row["direction"], "follow_up") in stored,
                "sender_ok": platform is None or o is None or o[5] == platform,
            }
        )
    schema = {"created_at": pl.Datetime("us", "UTC"), "o_created_at": pl.Datetime("us", "UTC"),
              "o_deal_at": pl.Datetime("us", "UTC"), "score": pl.String, "o_buyer": pl.String,
              "o_seller": pl.String, "o_status": pl.String, **{f: pl.Int64 for f in rules.DSR_FIELDS}}  # fmt: skip
    frame = pl.DataFrame(enriched, schema_overrides=schema)
    checked = frame_rules.check_frame(frame, rules=R, now=NOW)
    return list(checked.select("code", "has_initial", "has_follow_up").iter_rows())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.one_of(rating_rows, fitting_rows, fitting_rows), min_size=1, max_size=14),
    stored=stored_keys,
    platform=st.sampled_from([None, "P1"]),
)
def test_the_batch_check_agrees_with_check_rating_row_by_row(
    rows: list[dict[str, Any]], stored: set[tuple[str, str, str]], platform: str | None
) -> None:
    assert _at_once(rows, stored, platform) == _one_by_one(rows, stored, platform)


def test_the_first_passing_initial_is_accepted_and_later_ones_are_duplicates() -> None:
    o = ORDERS["O1"]
    base = {"order_id": "O1", "direction": "buyer_to_seller", "rater_account_id": o[0], "ratee_account_id": o[1],
            "dsr_description": None, "dsr_service": None, "dsr_logistics": None}  # fmt: skip
    late = {**base, "kind": "initial", "score": "good", "created_at": T0 + timedelta(days=30)}
    follow_up = {**base, "kind": "follow_up", "score": None, "created_at": T0 + timedelta(days=5)}
    ok = {**base, "kind": "initial", "score": "bad", "created_at": T0 + timedelta(days=3)}
    rows = [follow_up, late, ok, ok, follow_up, follow_up]
    codes = [c for c, _, _ in _at_once(rows, set(), None)]
    assert codes == [
        "follow_up_without_initial",  # no initial yet in file order
        "outside_window",  # refused, so it does not count as the order's initial
        None,
        "duplicate_rating",
        None,
        "duplicate_rating",
    ]
