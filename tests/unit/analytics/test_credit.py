"""The batch credit pipeline (``chengxin.analytics.credit``) against the pure-Python rules (Polars; DuckDB too)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.analytics.credit import OUTPUT_COLUMNS, OUTPUT_SCHEMA, compute_credit
from chengxin.domains.ratings import rules as rr

from .streams import BASE, DrawChooser, RandomChooser, Stream, as_rows, reference, stream

RULES = rr.load_rules(str(rr.DEFAULTS))
VARIANTS = {
    "defaults": RULES,
    "always": replace(RULES, default_when="always"),
    "never": replace(RULES, default_when="never"),
    "tight": replace(RULES, pair_month_cap=2, same_item_days=10, window_months=1, min_scored_amount_fen=100),
    "bad_defaults_uncounted": replace(RULES, default_when="always", default_score=rr.Score.bad, default_counts=False),
    "low_levels": replace(RULES, levels=((-2, "minus", "负"), (1, "one", "一"), (3, "three", "三"))),
}


def _day(offset: int) -> date:
    return (BASE + timedelta(days=offset)).date()


def _check(data: st.DataObject, rules: rr.RatingRules, engine: str = "polars") -> None:
    c = DrawChooser(data)
    s = stream(c, n_orders=c.integer(0, 14), accounts=c.integer(2, 4), items=c.integer(1, 6), days=c.pick([20, 90]))
    day = _day(c.integer(0, 110))
    got = compute_credit(s.frames(), day=day, rules=rules, engine=engine)
    assert as_rows(got) == reference(s, day, rules)


EXAMPLES = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@EXAMPLES
@given(data=st.data())
def test_batch_equals_the_rules(data: st.DataObject) -> None:
    _check(data, RULES)


@EXAMPLES
@given(data=st.data(), variant=st.sampled_from([v for v in VARIANTS if v != "defaults"]))
def test_batch_equals_other_rules(data: st.DataObject, variant: str) -> None:
    _check(data, VARIANTS[variant])


@settings(EXAMPLES, max_examples=25)
@given(data=st.data(), variant=st.sampled_from(list(VARIANTS)))
def test_duckdb_equals_the_rules(data: st.DataObject, variant: str) -> None:
    _check(data, VARIANTS[variant], engine="duckdb")


def test_a_fixed_larger_stream_equals_the_rules() -> None:
    s = stream(RandomChooser(7), n_orders=600, accounts=12, items=4, days=200)
    for day in (_day(60), _day(130), _day(260)):
        for rules in VARIANTS.values():
            got = compute_credit(s.frames(), day=day, rules=rules)
            assert as_rows(got) == reference(s, day, rules)


def _pair_stream(times: list[datetime]) -> Stream:
    """Good buyer's ratings between one buyer and one seller, one order per time, each of another item."""
    s = Stream([], [])
    for n, at in enumerate(times):
        s.orders.append(
            {
                "order_id": f"o{n}", "platform_id": "p", "buyer_account_id": "b", "seller_account_id": "s",
                "item_id": f"i{n}", "quantity": 1, "amount_fen": 500, "created_at": at, "paid_at": None,
                "shipped_at": None, "signed_at": None, "waybill_no": None, "status": "completed",
            }  # fmt: skip
        )
        s.ratings.append(
            {
                "rating_id": f"r{n}", "order_id": f"o{n}", "rater_account_id": "b", "ratee_account_id": "s",
                "direction": "buyer_to_seller", "kind": "initial", "score": "good", "dsr_description": 5,
                "dsr_service": None, "dsr_logistics": 4, "text": None, "created_at": at + timedelta(hours=1),
            }  # fmt: skip
        )
    return s


def test_the_monthly_cap_holds_for_a_pair_with_distinct_items() -> None:
    """Seven good ratings of one pair in one month, each on another item: the cap (6) applies."""
    s = _pair_stream([BASE + timedelta(days=n) for n in range(7)])
    day = _day(30)
    got = as_rows(compute_credit(s.frames(), day=day, rules=RULES))
    assert got == reference(s, day, RULES)
    assert got[("s", "seller")][:3] == (6, 1, "heart_1")
    tight = replace(RULES, pair_month_cap=3)
    assert as_rows(compute_credit(s.frames(), day=day, rules=tight))[("s", "seller")][0] == 3


def test_the_cap_counts_calendar_months_in_shanghai() -> None:
    """16:00 UTC on 31 January is 1 February in Shanghai: January has one order, February three."""
    jan = datetime(2026, 1, 30, 10, tzinfo=UTC)
    s = _pair_stream([jan, jan + timedelta(days=1, hours=6), jan + timedelta(days=3), jan + timedelta(days=4)])
    capped = replace(RULES, pair_month_cap=2)
    day = date(2026, 3, 31)
    got = as_rows(compute_credit(s.frames(), day=day, rules=capped))
    assert got == reference(s, day, capped)
    assert got[("s", "seller")][0] == 3  # 1 + min(3, 2); by UTC months it would be min(2, 2) + min(2, 2)


def test_output_shape_and_order() -> None:
    s = stream(RandomChooser(3), n_orders=60)
    got = compute_credit(s.frames(), day=_day(100), rules=RULES)
    assert got.columns == OUTPUT_COLUMNS
    assert dict(got.schema) == OUTPUT_SCHEMA
    assert got.height > 0
    assert got.sort("account_id", "side").equals(got)


def test_empty_tables_give_an_empty_result() -> None:
    empty = Stream([], []).frames()
    got = compute_credit(empty, day=_day(10), rules=RULES)
    assert got.height == 0 and got.columns == OUTPUT_COLUMNS


def test_an_ambiguous_order_id_is_left_out() -> None:
    s = stream(RandomChooser(11), n_orders=40)
    frames = s.frames()
    rated = set(frames["ratings"]["order_id"])
    target = next(o for o in s.orders if o["order_id"] in rated and o["status"] == "completed")
    clash = pl.DataFrame([dict(target, amount_fen=target["amount_fen"] + 1)], schema=frames["orders"].schema)
    frames["orders"] = pl.concat([frames["orders"], clash])
    without = Stream([o for o in s.orders if o is not target], s.ratings)
    got = compute_credit(frames, day=_day(100), rules=RULES)
    assert as_rows(got) == reference(without, _day(100), RULES)
    same = pl.concat([s.frames()["orders"], pl.DataFrame([target], schema=frames["orders"].schema)])
    repeated = compute_credit({"orders": same, "ratings": frames["ratings"]}, day=_day(100), rules=RULES)
    assert as_rows(repeated) == reference(s, _day(100), RULES)  # an identical repeat is harmless


def test_text_tables_are_typed_like_the_import() -> None:
    s = stream(RandomChooser(5), n_orders=80)
    frames = s.frames()
    text = {name: f.with_columns(pl.all().cast(pl.String)) for name, f in frames.items()}
    bad_row = {c: None for c in text["ratings"].columns} | {"rating_id": "x", "created_at": "not a time"}
    text["ratings"] = pl.concat([text["ratings"], pl.DataFrame([bad_row], schema=text["ratings"].schema)])
    got = compute_credit(text, day=_day(100), rules=RULES)
    assert got.equals(compute_credit(frames, day=_day(100), rules=RULES))
