"""Fake traffic (虚假流量, 刷流量): visitors of the ``traffic`` log that are bots or paid clickers.

Signals per visitor (``visitor_features``; thresholds in ``Settings``):

* **regular**: at least ``min_events`` events whose gaps are machine-regular (coefficient of variation
  of the inter-event intervals below ``max_cv``; people browse in bursts, CV around 1 or more); over
  ``long_events`` or more the CV is a reliable estimate and a jittered script's ``long_max_cv`` is
  enough (a person browsing that long pauses, which drives the CV well above 1);
* **rapid**: the median gap below ``rapid_seconds`` over at least ``min_events`` events;
* **broad**: many distinct sellers per active minute with no add-to-cart (crawling, not shopping);
* **shared device**: the visitor's device (or IP) used by many visitors; a device shared by more than a
  family (``device_visitors``) counts fully, an IP only when shared by far more (offices and campuses
  share IPs: ``ip_visitors``), an IPv4 /24 prefix more still (``prefix_visitors``);
* **click farm**: visitors that look at a single seller (share ``farm_share``) and turn up there together,
  ``farm_size`` or more of them in the same ``farm_minutes`` bucket, in at least ``farm_repeats`` buckets
  (a crowd on a promotion day is a single bucket of people who also browse elsewhere);
* **focused network**: an IP or device with ``network_visitors`` or more visitors, ``network_focus`` of
  whom spend nearly all their events on the same seller as this visitor (a click farm's proxies and
  phones; an office or campus IP carries visitors of many shops). With a shared IP it flags a farm's
  visitors that took part in a single burst with only a view and a click.

Orders carry no visitor id, so no purchase signal is used. The signals are combined as a noisy-OR of
their weights; a visitor at or above ``threshold`` is a finding, grouped by the farm's seller or the
shared device.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect import rules
from chengxin.analytics.detect.dataset import Dataset
from chengxin.analytics.detect.features import noisy_or

NAME = "fake_traffic"
NEEDS = ("traffic",)


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights: ``defaults.toml`` [fake_traffic] (each one explained there)."""

    min_events: int
    max_cv: float
    long_events: int
    long_max_cv: float
    rapid_seconds: float
    broad_sellers_per_minute: float
    broad_min_sellers: int
    device_visitors: int
    ip_visitors: int
    prefix_visitors: int
    farm_share: float
    farm_min_events: int
    farm_minutes: int
    farm_size: int
    farm_repeats: int
    network_visitors: int
    network_focus: float
    threshold: float
    weights: dict[str, float]


SETTINGS = rules.load(Settings, "fake_traffic")
SIGNAL_TEXT = {
    "regular": "machine-regular gaps between events",
    "rapid": "events faster than a person reads",
    "broad": "many shops per minute without adding to cart",
    "shared_device": "device shared by many visitors",
    "shared_ip": "IP shared by very many visitors",
    "farm": "clicks one shop together with a group seen nowhere else",
    "focused_network": "shares an IP or device with many visitors that all click the same shop",
}


def _prefix() -> pl.Expr:
    """The IPv4 /24 prefix (``a.b.c``), else the IP itself."""
    ip = pl.col("ip")
    return (
        pl.when(ip.str.contains(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"))
        .then(ip.str.replace(r"\.\d{1,3}$", ""))
        .otherwise(ip)
    )


def _sharing(traffic: pl.DataFrame) -> pl.DataFrame:
    """Per visitor: the most visitors seen on any of its devices, IPs and /24 prefixes."""
    out = traffic.select("visitor_id").unique()
    for name, expr in (("device", pl.col("device")), ("ip", pl.col("ip")), ("prefix", _prefix())):
        pairs = traffic.select("visitor_id", expr.alias("_v")).drop_nulls("_v").unique()
        counts = (
            pairs.with_columns(pl.len().over("_v").alias("n"))
            .group_by("visitor_id")
            .agg(
                pl.col("n").max().alias(f"{name}_visitors"), pl.col("_v").sort_by("n", "_v").last().alias(f"top_{name}")
            )
        )
        out = out.join(counts, on="visitor_id", how="left")
    return out


def _farm(traffic: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """Per visitor: its main seller and the number of buckets where it was one of a crowd of
    single-seller visitors on that seller."""
    per = traffic.group_by("visitor_id", "seller_account_id").agg(pl.len().alias("n"))
    main = per.with_columns(pl.col("n").sum().over("visitor_id").alias("total")).sort(
        ["n", "seller_account_id"], descending=[True, False]
    )  # ties: the lowest seller id, the same on every run
    main = main.unique("visitor_id", keep="first", maintain_order=True).with_columns(
        (pl.col("n") / pl.col("total")).alias("main_share")
    )
    focused = main.filter(pl.col("main_share") >= s.farm_share, pl.col("total") >= s.farm_min_events)
    events = traffic.join(focused.select("visitor_id", "seller_account_id"), on=["visitor_id", "seller_account_id"])
    buckets = events.select(
        "visitor_id", "seller_account_id", pl.col("event_time").dt.truncate(f"{s.farm_minutes}m").alias("bucket")
    ).unique()
    crowds = buckets.with_columns(pl.len().over("seller_account_id", "bucket").alias("crowd"))
    repeats = (
        crowds.filter(pl.col("crowd") >= s.farm_size)
        .group_by("visitor_id")
        .agg(pl.len().alias("farm_buckets"), pl.col("crowd").max().alias("farm_crowd"))
    )
    return main.select("visitor_id", pl.col("seller_account_id").alias("main_seller"), pl.col("main_share")).join(
        repeats, on="visitor_id", how="left"
    )


def visitor_features(traffic: pl.DataFrame, s: Settings = SETTINGS) -> pl.DataFrame:
    """One row per visitor: events, gaps (median, CV), sellers, items, carts, active minutes, sharing
    and farm features."""
    gaps = pl.col("event_time").diff().dt.total_seconds(fractional=True)
    base = (
        traffic.sort("visitor_id", "event_time")
        .group_by("visitor_id", maintain_order=True)
        .agg(
            pl.len().alias("events"), pl.col("seller_account_id").n_unique().alias("sellers"),
            pl.col("item_id").n_unique().alias("items"), (pl.col("event_type") == "cart").sum().alias("carts"),
            gaps.median().alias("median_gap_s"), (gaps.std() / gaps.mean()).alias("gap_cv"),
            ((pl.col("event_time").max() - pl.col("event_time").min()).dt.total_seconds() / 60.0).alias("span_min"),
        )
    )  # fmt: skip
    farm = _farm(traffic, s)
    return (
        base.join(_sharing(traffic), on="visitor_id", how="left")
        .join(farm, on="visitor_id", how="left")
        .join(_network_focus(traffic, farm, s), on="visitor_id", how="left")
    )


def _network_focus(traffic: pl.DataFrame, farm: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """Per visitor: over its IPs and devices shared by at least ``network_visitors`` visitors, the largest
    share of that network's visitors that, like this one, spend ``farm_share`` of their events on one
    seller, the same seller (a click farm runs its accounts through a few phones and proxies for one
    shop, even in a single burst; an office or campus network's visitors browse many different shops)."""
    main = farm.filter(pl.col("main_share") >= s.farm_share).select("visitor_id", "main_seller")
    frames = [
        traffic.select("visitor_id", pl.col(c).alias("_net")).drop_nulls("_net").unique() for c in ("ip", "device")
    ]
    nets = (
        pl.concat([f.with_columns(pl.lit(i).alias("_kind")) for i, f in enumerate(frames)])
        .join(main, on="visitor_id", how="left")
        .with_columns(pl.len().over("_kind", "_net").alias("_n"))
        .filter(pl.col("_n") >= s.network_visitors)
        .filter(pl.col("main_seller").is_not_null())
        .with_columns((pl.len().over("_kind", "_net", "main_seller") / pl.col("_n")).alias("_focus"))
    )
    return nets.group_by("visitor_id").agg(pl.col("_focus").max().alias("network_focus"))


def signals(features: pl.DataFrame, s: Settings = SETTINGS) -> pl.DataFrame:
    enough = pl.col("events") >= s.min_events
    per_minute = pl.col("sellers") / pl.max_horizontal(pl.col("span_min"), pl.lit(1.0))
    repeats = pl.col("farm_buckets").fill_null(0)
    frame = features.with_columns(
        (
            (enough & (pl.col("gap_cv") < s.max_cv))
            | ((pl.col("events") >= s.long_events) & (pl.col("gap_cv") < s.long_max_cv))
        ).fill_null(False).cast(pl.Float64).alias("regular"),
        (enough & (pl.col("median_gap_s") < s.rapid_seconds)).fill_null(False).cast(pl.Float64).alias("rapid"),
        (
            (pl.col("sellers") >= s.broad_min_sellers) & (per_minute >= s.broad_sellers_per_minute)
            & (pl.col("carts") == 0)
        ).cast(pl.Float64).alias("broad"),
        (pl.col("device_visitors") >= s.device_visitors).fill_null(False).cast(pl.Float64).alias("shared_device"),
        ((pl.col("ip_visitors") >= s.ip_visitors) | (pl.col("prefix_visitors") >= s.prefix_visitors))
        .fill_null(False).cast(pl.Float64).alias("shared_ip"),
        pl.when(repeats >= s.farm_repeats).then(1.0).when(repeats >= 1).then(0.5).otherwise(0.0).alias("farm"),
        (pl.col("network_focus") >= s.network_focus).fill_null(False).cast(pl.Float64).alias("focused_network"),
    )  # fmt: skip
    return frame.with_columns(noisy_or(s.weights.items()).alias("score"))


def detect(data: Dataset, found: dict[str, pl.DataFrame], settings: Settings = SETTINGS) -> pl.DataFrame:
    s = settings
    traffic = data.frame("traffic")
    if traffic.height == 0:
        return fd.empty()
    flagged = signals(visitor_features(traffic, s), s).filter(pl.col("score") >= s.threshold)
    if flagged.height == 0:
        return fd.empty()
    fired = [pl.when(pl.col(k) > 0).then(pl.lit(text)) for k, text in SIGNAL_TEXT.items()]
    explanation = pl.concat_str(
        pl.lit("Fake traffic (虚假流量): "), pl.concat_str(fired, separator="; ", ignore_nulls=True), pl.lit(".")
    )
    group = (
        pl.when(pl.col("farm") > 0).then(pl.lit("seller:") + pl.col("main_seller"))
        .when(pl.col("shared_device") > 0).then(pl.lit("device:") + pl.col("top_device").str.slice(0, 16))
        .when(pl.col("shared_ip") > 0).then(pl.lit("ip:") + pl.col("top_ip").str.slice(0, 16))
    )  # fmt: skip
    evidence = pl.struct(
        "visitor_id", "events", "sellers", "items", "carts", pl.col("median_gap_s").round(2),
        pl.col("gap_cv").round(3), pl.col("span_min").round(1), "device_visitors", "ip_visitors", "prefix_visitors",
        "main_seller", pl.col("main_share").round(3), "farm_buckets", "farm_crowd",
        pl.col("network_focus").round(3), *SIGNAL_TEXT,
    ).struct.json_encode()  # fmt: skip
    return fd.build(
        NAME, "visitor",
        flagged.sort("score", descending=True).select(
            pl.col("visitor_id").alias("entity_id"), "score", group.alias("group_id"),
            explanation.alias("explanation"), evidence.alias("evidence"),
        ),
    )  # fmt: skip
