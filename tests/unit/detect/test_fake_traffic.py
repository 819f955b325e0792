"""Fake traffic (虚假流量): scripted, rapid, crawling, device-farm and click-farm visitors are flagged;
heavy shoppers, a promotion-day crowd and an office sharing one IP are not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from chengxin.analytics.detect import fake_traffic as ft
from chengxin.analytics.detect.dataset import from_frames

T0 = datetime(2025, 11, 5, 2, tzinfo=UTC)
Event = dict[str, object]


def _event(visitor: str, seller: str, at: datetime, kind: str = "view", ip: str = "", device: str = "") -> Event:
    return {
        "visitor_id": visitor, "seller_account_id": seller, "item_id": f"{seller}-i{at.second % 3}",
        "event_time": at, "event_type": kind, "ip": ip or f"ip-{visitor}", "device": device or f"dev-{visitor}",
    }  # fmt: skip


def _bursty(visitor: str, sellers: list[str], n: int, start: datetime, **kw: str) -> list[Event]:
    """A person: bursts of a few events seconds-to-minutes apart, hours between bursts, some carts."""
    out, at = [], start
    for k in range(n):
        at += timedelta(seconds=[20, 45, 7, 300, 90, 3600 * 3][k % 6] + k)
        kind = "cart" if k % 7 == 3 else ("click" if k % 2 else "view")
        out.append(_event(visitor, sellers[k % len(sellers)], at, kind, **kw))
    return out


def _traffic() -> list[Event]:
    rows: list[Event] = []
    rows += _bursty("heavy", [f"S{k}" for k in range(12)], 80, T0)  # a heavy shopper
    for k in range(40):  # an office: 40 people behind one IP
        rows += _bursty(f"office{k}", ["S1", "S2", "S3"], 6, T0 + timedelta(minutes=k), ip="10.1.2.3")
    for k in range(20):  # promotion midnight: a crowd on S1 at once, each also browsing elsewhere
        rows += [_event(f"crowd{k}", "S1", T0 + timedelta(days=1, seconds=k * 11), "click")]
        rows += _bursty(f"crowd{k}", ["S2", "S4"], 4, T0 + timedelta(days=2))
    rows += [_event("bot", f"S{k % 5}", T0 + timedelta(seconds=30 * k)) for k in range(40)]  # a script
    rows += [_event("rapid", "S1", T0 + timedelta(seconds=k + (k % 3) * 0.4), "click") for k in range(30)]
    rows += [_event("crawler", f"C{k}", T0 + timedelta(seconds=2 * k + (k % 5))) for k in range(60)]
    for k in range(35):  # a phone farm: one device and IP for many visitors
        rows += _bursty(f"phone{k}", ["S5"], 3, T0 + timedelta(hours=k), ip="1.2.3.4", device="emulator")
    for k in range(6):  # a click farm: six visitors on S9 together, three times, nowhere else
        for burst in range(3):
            at = T0 + timedelta(days=burst, minutes=k, seconds=17 * k)
            rows += [_event(f"farm{k}", "S9", at + timedelta(seconds=40 * j), "click") for j in range(2)]
    return rows


@pytest.fixture(scope="module")
def found() -> pl.DataFrame:
    return ft.detect(from_frames({"traffic": pl.DataFrame(_traffic())}), {})


def test_bots_and_farms_are_flagged(found: pl.DataFrame) -> None:
    flagged = set(found.get_column("entity_id"))
    expected = {"bot", "rapid", "crawler", *(f"phone{k}" for k in range(35)), *(f"farm{k}" for k in range(6))}
    assert flagged == expected
    assert found.get_column("entity_type").unique().to_list() == ["visitor"]


def test_each_signal_is_named(found: pl.DataFrame) -> None:
    by_id = {r["entity_id"]: r for r in found.iter_rows(named=True)}
    assert "machine-regular" in by_id["bot"]["explanation"] and "虚假流量" in by_id["bot"]["explanation"]
    assert "faster than a person" in by_id["rapid"]["explanation"]
    assert "many shops per minute" in by_id["crawler"]["explanation"]
    assert "device shared" in by_id["phone3"]["explanation"] and by_id["phone3"]["group_id"].startswith("device:")
    assert by_id["farm2"]["group_id"] == "seller:S9"
    evidence = json.loads(by_id["farm2"]["evidence"])
    assert evidence["farm_buckets"] == 3 and evidence["main_share"] == 1.0


def test_a_single_crowd_is_not_a_farm() -> None:
    rows = [_event(f"crowd{k}", "S1", T0 + timedelta(seconds=k), "click") for k in range(10)]
    assert ft.detect(from_frames({"traffic": pl.DataFrame(rows)}), {}).height == 0


def test_ipv4_prefix_sharing_counts() -> None:
    rows = [_event(f"v{k}", "S1", T0 + timedelta(hours=k), ip=f"5.6.7.{k}") for k in range(100)]
    features = ft.signals(ft.visitor_features(pl.DataFrame(rows).with_columns(pl.col("event_time"))))
    assert features.get_column("shared_ip").min() == 1.0 and features.get_column("prefix_visitors").max() == 100


def test_no_traffic_no_findings() -> None:
    empty = pl.DataFrame(_traffic()).clear()
    assert ft.detect(from_frames({"traffic": empty}), {}).height == 0
    assert from_frames(
        {
            "items": pl.DataFrame(
                {"item_id": ["i"], "seller_account_id": ["S"], "category": ["c"], "list_price_fen": [1]}
            )
        }
    ).missing(ft.NEEDS) == ["traffic"]


def test_a_long_jittered_script_is_regular_but_a_short_human_trace_is_not() -> None:
    jitter = [1.0, 1.5, 0.6, 1.3, 0.5, 1.4, 0.9, 1.6, 0.7, 1.1]  # gaps' CV about 0.35
    rows = [_event("bot", f"S{k % 4}", T0 + timedelta(seconds=sum(10 * jitter[j % 10] for j in range(k))))
            for k in range(80)]  # fmt: skip
    human = [0.5, 1.5, 1.0, 0.6, 1.4, 0.5, 1.5, 1.0]  # eight events, CV about 0.4: too few to tell
    rows += [_event("person", "S1", T0 + timedelta(minutes=sum(human[:k]))) for k in range(9)]
    scored = ft.signals(ft.visitor_features(pl.DataFrame(rows))).sort("visitor_id")
    by_id = {r["visitor_id"]: r for r in scored.iter_rows(named=True)}
    assert 0.3 < by_id["bot"]["gap_cv"] < 0.5 and by_id["bot"]["regular"] == 1.0
    assert 0.3 < by_id["person"]["gap_cv"] < 0.5 and by_id["person"]["regular"] == 0.0


def test_a_one_burst_farm_behind_shared_proxies_is_flagged_but_an_office_is_not() -> None:
    rows: list[Event] = []
    for k in range(70):  # a click farm's single burst: a view and a click each, through two proxies
        at = T0 + timedelta(seconds=20 * k)
        ip = f"proxy-{k % 2}"
        rows += [
            _event(f"paid{k}", "S9", at, ip=ip),
            _event(f"paid{k}", "S9", at + timedelta(seconds=4), "click", ip=ip),
        ]
    for k in range(40):  # an office behind one IP: each person mostly on one shop, but different shops
        rows += _bursty(f"office{k}", [f"S{k % 8}"], 3, T0 + timedelta(minutes=k), ip="10.1.2.3")
    found = ft.detect(from_frames({"traffic": pl.DataFrame(rows)}), {})
    assert set(found.get_column("entity_id")) == {f"paid{k}" for k in range(70)}
    assert "same shop" in found.row(0, named=True)["explanation"]
