"""Empty parcels (空包裹代发): each signal fires on a hand-made parcel, honest look-alikes stay clear, and
the Spark engine gives the same findings as Polars."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from chengxin.analytics.detect import empty_parcel as ep
from chengxin.analytics.detect.dataset import from_frames
from chengxin.analytics.engines import spark_session, stop_spark

T0 = datetime(2025, 11, 1, 8, tzinfo=UTC)
FULL = ("collected", "departed", "arrived", "out_for_delivery", "signed")


class Market:
    """Orders, items, waybills and scans built parcel by parcel."""

    def __init__(self) -> None:
        self.items = [
            {"item_id": "dress", "seller_account_id": "S1", "category": "女装", "list_price_fen": 12900},
            {"item_id": "pin", "seller_account_id": "S2", "category": "小商品", "list_price_fen": 99},
        ]
        self.orders: list[dict[str, object]] = []
        self.waybills: list[dict[str, object]] = []
        self.events: list[dict[str, object]] = []

    def parcel(
        self,
        no: str,
        *,
        item: str = "dress",
        weight: int = 400,
        origin: str = "330110",
        dest: str = "110105",
        hours: float = 48.0,
        kinds: tuple[str, ...] = FULL,
        outlet: str | None = None,
        orders: int = 1,
        seller: str = "S1",
        start: datetime = T0,
        scan_city: str | None = None,
        handling_h: float = 10.0,
    ) -> None:
        paid = start - timedelta(hours=handling_h)
        for k in range(orders):
            self.orders.append({
                "order_id": f"o-{no}-{k}", "platform_id": "P01", "buyer_account_id": f"B-{no}-{k}",
                "seller_account_id": seller if k == 0 else f"{seller}x{k}", "item_id": item, "quantity": 1,
                "amount_fen": 12900, "created_at": paid - timedelta(minutes=5), "paid_at": paid, "shipped_at": start,
                "signed_at": start + timedelta(hours=hours), "waybill_no": no, "status": "completed",
            })  # fmt: skip
        self.waybills.append({
            "waybill_no": no, "carrier_uscc": "91110000000000000X", "origin_division": origin, "dest_division": dest,
            "weight_g": weight, "created_at": paid + timedelta(hours=handling_h / 2),
        })  # fmt: skip
        for j, kind in enumerate(kinds):
            at_origin = kind in ("collected", "departed")
            division = scan_city or (origin if at_origin else dest)
            self.events.append({
                "waybill_no": no, "event_time": start + timedelta(hours=hours * j / max(len(kinds) - 1, 1)),
                "event_type": kind, "division": division, "outlet_id": outlet or f"YT{division}00{j}",
            })  # fmt: skip

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "items": pl.DataFrame(self.items), "orders": pl.DataFrame(self.orders),
            "waybills": pl.DataFrame(self.waybills), "tracking_events": pl.DataFrame(self.events),
        }  # fmt: skip


@pytest.fixture(scope="module")
def market() -> Market:
    m = Market()
    for k in range(30):  # honest dresses around 400 g, cross-province, five scans, two days
        m.parcel(f"H{k:02d}", weight=300 + 7 * k, hours=30 + k, start=T0 + timedelta(hours=k))
    for k in range(8):  # honest trinkets: a light category
        m.parcel(f"L{k}", item="pin", weight=40 + k, seller="S2")
    for k in range(4):  # honest same-city parcels delivered in four hours
        m.parcel(f"C{k}", origin="330110", dest="330106", hours=4.0)
    m.parcel("W1", weight=25, kinds=("collected", "signed"), hours=20.0)  # light and no movement
    m.parcel("F1", weight=30, hours=5.0)  # light and too fast for Zhejiang → Beijing
    m.parcel("R1", weight=380, orders=3, kinds=("collected", "signed"))  # reused by three orders, no movement
    m.parcel("X1", weight=20, scan_city="440106")  # light, scanned in Guangzhou only
    m.parcel("K1", weight=35, handling_h=0.05)  # light, shipped three minutes after payment
    for k in range(6):  # a cooperating outlet: light, token parcels, each on its own also "no movement"-free
        m.parcel(f"O{k}", weight=30 + k, outlet="ZT330782009")
    m.parcel("O-light-only", weight=60, outlet="ZT330782009")
    return m


@pytest.fixture(scope="module")
def scored(market: Market) -> pl.DataFrame:
    data = from_frames(market.frames())
    return ep.signals(data.collect(ep.waybill_features(data)))


def _row(scored: pl.DataFrame, no: str) -> dict[str, object]:
    return scored.filter(pl.col("waybill_no") == no).row(0, named=True)


@pytest.mark.parametrize(
    ("no", "signal"),
    [("W1", "light"), ("W1", "no_movement"), ("F1", "too_fast"), ("R1", "reused"), ("X1", "off_route"),
     ("K1", "lockstep"), ("O0", "outlet_signal"), ("O-light-only", "seller_outlet")],
)  # fmt: skip
def test_each_signal_fires(scored: pl.DataFrame, no: str, signal: str) -> None:
    assert _row(scored, no)[signal] > 0


def test_honest_look_alikes_fire_nothing(scored: pl.DataFrame) -> None:
    honest = scored.filter(pl.col("waybill_no").str.contains("^[HLC]"))
    signals = ["light", "no_movement", "off_route", "too_fast", "reused", "lockstep", "outlet_signal", "seller_outlet"]
    assert honest.select(pl.sum_horizontal(signals).max()).item() == 0
    assert _row(scored, "L0")["median_g"] < 50  # trinkets judged against trinkets


def test_findings_are_the_empty_parcels_and_their_orders(market: Market) -> None:
    found = ep.detect(from_frames(market.frames()), {})
    waybills = set(found.filter(pl.col("entity_type") == "waybill").get_column("entity_id"))
    assert waybills == {"W1", "F1", "R1", "X1", "K1", *(f"O{k}" for k in range(6)), "O-light-only"}
    orders = set(found.filter(pl.col("entity_type") == "order").get_column("entity_id"))
    assert {"o-R1-0", "o-R1-1", "o-R1-2", "o-W1-0"} <= orders and not any(o.startswith("o-H") for o in orders)
    r1 = found.filter(pl.col("entity_id") == "R1").row(0, named=True)
    assert r1["group_id"] == "waybill:R1" and "reused" in r1["explanation"] and "空包裹代发" in r1["explanation"]
    evidence = json.loads(r1["evidence"])
    assert evidence["orders"] == ["o-R1-0", "o-R1-1", "o-R1-2"] and evidence["weight_g"] == 380
    assert found.get_column("score").is_between(ep.SETTINGS.threshold, 1.0).all()
    outlet = found.filter(pl.col("entity_id") == "O3").row(0, named=True)
    assert outlet["group_id"] == "outlet:ZT330782009"


def test_no_waybills_no_findings() -> None:
    data = from_frames({"items": Market().frames()["items"]})
    assert data.missing(ep.NEEDS) == ["orders", "waybills", "tracking_events"]
    empty = Market()
    empty.parcel("only", weight=400)
    tables = empty.frames()
    tables["waybills"] = tables["waybills"].clear()
    tables["tracking_events"] = tables["tracking_events"].clear()
    assert ep.detect(from_frames(tables), {}).height == 0


@pytest.fixture(scope="module")
def spark() -> Iterator[None]:
    spark_session()
    yield
    stop_spark()


@pytest.mark.spark
def test_spark_gives_the_same_findings(spark: None, market: Market) -> None:
    on_polars = ep.detect(from_frames(market.frames()), {})
    on_spark = ep.detect(from_frames(market.frames(), engine="spark"), {})
    key = ["entity_type", "entity_id"]
    assert (
        on_spark.sort(key)
        .select(*key, "score", "group_id")
        .equals(on_polars.sort(key).select(*key, "score", "group_id"))
    )


def test_plausible_copies_at_a_partly_suspicious_outlet_are_flagged_but_its_honest_seller_is_not() -> None:
    """An empty-parcel service at a real outlet: half its parcels are token envelopes with no trip, half
    copy a plausible weight and five scans; an honest seller ships clean parcels from the same outlet, so
    only about a third of the outlet's parcels look odd on their own."""
    m = Market()
    for k in range(30):
        m.parcel(f"H{k:02d}", weight=300 + 7 * k, hours=30 + k, start=T0 + timedelta(hours=k))
    for k in range(6):
        m.parcel(f"T{k}", weight=30, kinds=("collected", "signed"), outlet="ZT330782001", seller="S7")
        m.parcel(f"P{k}", weight=420, hours=40.0, outlet="ZT330782001", seller="S7")
    for k in range(7):
        m.parcel(f"N{k}", weight=380 + k, hours=36.0, outlet="ZT330782001", seller="S1")
    data = from_frames(m.frames())
    found = set(ep.detect(data, {}).filter(pl.col("entity_type") == "waybill").get_column("entity_id"))
    assert found == {*(f"T{k}" for k in range(6)), *(f"P{k}" for k in range(6))}
    scored = ep.signals(data.collect(ep.waybill_features(data)))
    assert 0.3 <= _row(scored, "P0")["outlet_share"] < 0.5  # ... which the former 0.5 bar missed
    strict = dataclasses.replace(ep.SETTINGS, outlet_share=0.5, seller_outlet_share=0.5)
    assert not set(ep.detect(data, {}, strict).get_column("entity_id")) & {f"P{k}" for k in range(6)}


def test_the_outlet_bar_rises_where_honest_parcels_often_look_odd() -> None:
    scored = pl.DataFrame({
        "outlet": [f"O{k}" for k in range(12) for _ in range(10)],
        "base_score": [0.9 if j < 4 else 0.0 for _ in range(12) for j in range(10)],
    })  # fmt: skip
    assert ep._typical_outlet_share(scored, ep.SETTINGS) == pytest.approx(0.4)  # every outlet 40% odd
    assert ep._typical_outlet_share(scored.head(50), ep.SETTINGS) == 0.0  # five outlets: nothing to compare
