"""Price fraud (先涨后降): a raise shortly before a promotion that does not go below the old price is
flagged; a raise long before, a raise with no promotion, ordinary repricing, a real discount and a real
cut after a brief dip are not."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import polars as pl

from chengxin.analytics.detect import price_fraud as pf
from chengxin.analytics.detect.dataset import from_frames

T0 = datetime(2025, 9, 1, tzinfo=UTC)
PROMO = T0 + timedelta(days=70)


def _history(rows: dict[str, list[tuple[int, int, bool]]]) -> dict[str, pl.DataFrame]:
    """{item: [(day, price, promotion)]} → items and price_history."""
    history = [
        {"item_id": item, "valid_from": T0 + timedelta(days=day), "price_fen": price, "promotion": promo}
        for item, changes in rows.items() for day, price, promo in changes
    ]  # fmt: skip
    items = [{"item_id": i, "seller_account_id": "S1", "category": "女装", "list_price_fen": 10000} for i in rows]
    return {"items": pl.DataFrame(items), "price_history": pl.DataFrame(history)}


CASES = {
    "raise_then_fake_cut": [(0, 10000, False), (60, 15000, False), (70, 12000, True), (72, 15000, False)],
    "cut_to_old_price": [(0, 10000, False), (66, 13000, False), (70, 10000, True)],
    "raise_long_before": [(0, 10000, False), (20, 15000, False), (70, 12000, True)],
    "raise_no_promotion": [(0, 10000, False), (60, 15000, False)],
    "real_discount": [(0, 10000, False), (60, 15000, False), (70, 9000, True)],
    "plain_promotion": [(0, 10000, False), (70, 8000, True), (71, 10000, False)],
    "small_wiggle": [(0, 10000, False), (60, 10200, False), (70, 10100, True)],
    # a raise five weeks ahead: outside the seven-day (and a platform's 30-day) reference, still 先涨后降
    "raise_five_weeks_before": [(0, 10000, False), (35, 14000, False), (70, 10500, True)],
    # ordinary repricing (+15%) before a shallow promotion: not an inflated 原价
    "ordinary_repricing": [(0, 10000, False), (60, 11500, False), (70, 10300, True)],
    # a brief dip just before the window, then back up and a real cut below the usual price
    "brief_dip_before_the_raise": [(-100, 10000, False), (20, 8000, False), (40, 12500, False), (70, 9000, True)],
}


def test_only_the_fake_discounts_are_flagged() -> None:
    found = pf.detect(from_frames(_history(CASES)), {})
    assert set(found.get_column("entity_id")) == {"raise_then_fake_cut", "cut_to_old_price", "raise_five_weeks_before"}
    assert found.get_column("entity_type").unique().to_list() == ["item"]


def test_a_finding_explains_itself() -> None:
    found = pf.detect(from_frames(_history({"x": CASES["raise_then_fake_cut"]})), {})
    row = found.row(0, named=True)
    assert "先涨后降" in row["explanation"] and "¥150" in row["explanation"]
    evidence = json.loads(row["evidence"])
    assert (evidence["baseline_fen"], evidence["raised_fen"], evidence["promotion_fen"]) == (10000, 15000, 12000)
    assert evidence["lowest_7d_fen"] == 15000 and row["group_id"] == "S1"
    assert row["score"] == 1.0  # a 50% raise scores fully


def test_the_window_is_a_setting() -> None:
    data = from_frames(_history({"raise_long_before": CASES["raise_long_before"]}))
    assert pf.detect(data, {}).height == 0
    wide = pf.detect(data, {}, dataclasses.replace(pf.SETTINGS, lookback_days=60))
    assert wide.get_column("entity_id").to_list() == ["raise_long_before"]


def test_an_item_listed_inside_the_window_uses_its_listing_price() -> None:
    listed_late = {"new": [(55, 10000, False), (62, 14000, False), (70, 11000, True)]}
    assert pf.detect(from_frames(_history(listed_late)), {}).height == 1


def test_no_price_history_no_findings() -> None:
    tables = _history({"x": CASES["raise_then_fake_cut"]})
    assert pf.detect(from_frames({**tables, "price_history": tables["price_history"].clear()}), {}).height == 0
    assert from_frames({"items": tables["items"]}).missing(pf.NEEDS) == ["price_history"]


def test_the_baseline_is_the_usual_price_not_a_brief_dip() -> None:
    history = pl.DataFrame(_history({"x": CASES["brief_dip_before_the_raise"]})["price_history"])
    episode = pf.episodes_with_prices(history).row(0, named=True)
    assert (episode["at_window"], episode["baseline"], episode["peak"]) == (8000, 10000, 12500)
    short = dataclasses.replace(pf.SETTINGS, usual_days=10)  # only the dip in view: the old price is not known, flagged
    data = from_frames(_history({"x": CASES["brief_dip_before_the_raise"]}))
    assert pf.detect(data, {}).height == 0 and pf.detect(data, {}, short).height == 1
