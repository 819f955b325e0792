"""Empty parcels (空包裹代发, 空包网): waybills that carried nothing real, and the orders they served.

Brushers buy waybill numbers from "empty-parcel" services that post an empty or token envelope through a
few cooperating outlets, so that a fake order shows logistics. Signals, per waybill (``waybill_features``,
written once on Narwhals, so it runs on Polars and Spark; the scoring is Polars):

* **light**: weight far below the median weight per unit of the item's category *in this dataset*
  (ratio below ``light_ratio``; honest light categories have a light median, so they are not light);
* **no movement**: neither a ``departed`` nor an ``arrived`` scan (only collected → signed);
* **off route**: scans in cities that are neither the origin's nor the destination's, or the last
  scan not in the destination's city;
* **too fast**: signed sooner after collection than the distance allows (GB/T 2260 codes: the same
  6/4/2-digit prefix is the same county/city/province → ``min_hours``); same-city speed is honest;
* **reused**: one waybill number given by several orders or sellers;
* **lockstep**: the label printed before the order was paid, or shipped within minutes of payment;
* **outlet**: a large share (``outlet_share``, a third) of the collecting outlet's parcels are suspicious
  on the other signals (a share, so large honest outlets are not hit for their size); **seller at
  outlet**: as large a share of the same seller's other parcels at that outlet are. Services also copy
  plausible weights and trips, so even a service's own outlet is only partly suspicious on the parcel
  signals, and honest sellers ship from the same outlets: both shares together flag such a parcel. Both
  must also be ``context_lift`` times the median outlet's share, so a dataset where honest parcels
  often look odd (many light goods, patchy scanning) raises the bar instead of flagging whole outlets.

The signals are combined as a noisy-OR of their weights (``Settings``); a waybill at or above
``threshold`` is flagged with every order that gives its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.analytics.detect import features, rules
from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect.dataset import Dataset
from chengxin.analytics.engines import materialize

NAME = "empty_parcel"
NEEDS = ("orders", "waybills", "tracking_events", "items")
HOUR_S = 3600.0


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights: ``defaults.toml`` [empty_parcel] (each one explained there)."""

    light_ratio: float
    very_light_ratio: float
    min_hours: tuple[tuple[int, float], ...]
    fast_handling_minutes: float
    label_slack_minutes: float
    outlet_min_parcels: int
    outlet_share: float
    seller_outlet_share: float
    context_lift: float
    base_threshold: float
    threshold: float
    weights: dict[str, float]


SETTINGS = rules.load(Settings, "empty_parcel")
SIGNAL_TEXT = {
    "light": "weight far below its category's median",
    "no_movement": "no departure or arrival scan",
    "off_route": "scans off the origin–destination route",
    "too_fast": "signed faster than the distance allows",
    "reused": "waybill number reused by several orders",
    "lockstep": "label printed before payment or shipped within minutes",
    "outlet": "collected at an outlet whose parcels are mostly suspicious",
    "seller_outlet": "the seller's other parcels at that outlet are mostly suspicious",
}


def _flag(condition: nw.Expr) -> nw.Expr:
    return nw.when(condition).then(nw.lit(1)).otherwise(nw.lit(0)).cast(nw.Int64)


def _scans(events: nw.LazyFrame[Any], waybills: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Per waybill: scan counts by kind, collection and signature times, the collecting outlet, scans off
    the route (city neither origin's nor destination's) and the city of the last scan."""
    city = nw.col("division").str.slice(0, 4)
    route = waybills.select("waybill_no", "origin_division", "dest_division")
    kind = nw.col("event_type")
    # the time of the waybill's last scan by a group_by and a join, not a window: a window holds every event
    # in memory at once (gigabytes at 50 million events), the join streams
    last = events.group_by("waybill_no").agg(nw.col("event_time").max().alias("_last_at"))
    return (
        events.join(route, on="waybill_no", how="inner")
        .join(last, on="waybill_no", how="left")
        .with_columns(
            _flag(kind == "departed").alias("_dep"), _flag(kind == "arrived").alias("_arr"),
            _flag(
                ~nw.col("division").is_null()
                & (city != nw.col("origin_division").str.slice(0, 4))
                & (city != nw.col("dest_division").str.slice(0, 4))
            ).alias("_off"),
            nw.when(kind == "collected").then(nw.col("event_time")).alias("_collected"),
            nw.when(kind == "signed").then(nw.col("event_time")).alias("_signed"),
            nw.when(kind == "collected").then(nw.col("outlet_id")).alias("_outlet"),
            nw.when(nw.col("event_time") == nw.col("_last_at")).then(city).alias("_last_city"),
        )
        .group_by("waybill_no")
        .agg(
            nw.len().alias("scans"), nw.col("_dep").sum().alias("departed"), nw.col("_arr").sum().alias("arrived"),
            nw.col("_off").sum().alias("off_route_scans"), nw.col("_collected").min().alias("collected_at"),
            nw.col("_signed").max().alias("signed_scan_at"), nw.col("_outlet").min().alias("outlet"),
            nw.col("outlet_id").min().alias("any_outlet"), nw.col("_last_city").max().alias("last_city"),
            nw.col("event_time").min().alias("first_scan_at"), nw.col("event_time").max().alias("last_scan_at"),
        )
    )  # fmt: skip


def _orders(orders: nw.LazyFrame[Any], items: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Orders that give a waybill number, with their item's category."""
    return orders.filter(~nw.col("waybill_no").is_null()).join(
        items.select("item_id", "category"), on="item_id", how="left"
    )


def waybill_features(data: Dataset) -> nw.LazyFrame[Any]:
    """One row per waybill: route, weight, the category's median weight per unit, scans (``_scans``) and
    its orders (count, sellers, quantity, category, payment/shipping times)."""
    waybills = data.table("waybills")
    placed = materialize(_orders(data.table("orders"), data.table("items")))
    per_waybill = placed.group_by("waybill_no").agg(
        nw.len().alias("orders"), nw.col("seller_account_id").n_unique().alias("sellers"),
        nw.col("quantity").sum().alias("quantity"), nw.col("category").min().alias("category"),
        nw.col("item_id").min().alias("item_id"), nw.col("seller_account_id").min().alias("seller"),
        nw.col("created_at").min().alias("ordered_at"), nw.col("paid_at").min().alias("paid_at"),
        nw.col("shipped_at").min().alias("shipped_at"),
    )  # fmt: skip
    unit = nw.col("weight_g").cast(nw.Float64) / nw.col("quantity").cast(nw.Float64)
    base = waybills.join(per_waybill, on="waybill_no", how="left").with_columns(unit.alias("unit_g"))
    base = materialize(base)
    medians = (
        base.filter(~nw.col("category").is_null(), ~nw.col("unit_g").is_null())
        .group_by("category")
        .agg(nw.col("unit_g").median().alias("category_median_g"))
    )
    overall = base.select(nw.col("weight_g").cast(nw.Float64).median().alias("overall_median_g"))
    return (
        base.join(medians, on="category", how="left")
        .join(overall, how="cross")
        .join(_scans(data.table("tracking_events"), waybills), on="waybill_no", how="left")
    )


def _min_hours(s: Settings) -> pl.Expr:
    origin, dest = pl.col("origin_division"), pl.col("dest_division")
    expr: pl.Expr = pl.lit(s.min_hours[-1][1])
    for digits, hours in reversed(s.min_hours[:-1]):
        expr = pl.when(origin.str.slice(0, digits) == dest.str.slice(0, digits)).then(hours).otherwise(expr)
    return expr


def signals(features: pl.DataFrame, s: Settings = SETTINGS) -> pl.DataFrame:
    """The signals (0..1 each) and the score of every waybill."""

    def hours(a: str | pl.Expr, b: str | pl.Expr) -> pl.Expr:
        start, end = (pl.col(x) if isinstance(x, str) else x for x in (a, b))
        return (end - start).dt.total_seconds() / HOUR_S

    median = pl.coalesce("category_median_g", "overall_median_g")
    ratio = pl.col("unit_g") / median
    light = pl.when(ratio < s.very_light_ratio).then(1.0).when(ratio < s.light_ratio).then(0.7).otherwise(0.0)
    frame = features.with_columns(
        median.alias("median_g"), ratio.alias("weight_ratio"), _min_hours(s).alias("min_hours"),
        hours(pl.coalesce("collected_at", "first_scan_at"), pl.coalesce("signed_scan_at", "last_scan_at"))
        .alias("transit_hours"),
    )  # fmt: skip
    scanned = pl.col("scans").fill_null(0) > 0
    dest_city = pl.col("dest_division").str.slice(0, 4)
    bought_early = pl.col("created_at") < pl.col("paid_at") - pl.duration(minutes=s.label_slack_minutes)
    rushed = hours("paid_at", "shipped_at") < s.fast_handling_minutes / 60.0
    frame = frame.with_columns(
        light.fill_null(0.0).alias("light"),
        (scanned & (pl.col("departed") == 0) & (pl.col("arrived") == 0)).cast(pl.Float64).alias("no_movement"),
        (
            scanned & ((pl.col("off_route_scans") > 0) | (pl.col("last_city") != dest_city))
        ).fill_null(False).cast(pl.Float64).alias("off_route"),
        (pl.col("transit_hours") < pl.col("min_hours")).fill_null(False).cast(pl.Float64).alias("too_fast"),
        ((pl.col("orders").fill_null(0) > 1) | (pl.col("sellers").fill_null(0) > 1)).cast(pl.Float64).alias("reused"),
        (bought_early | rushed).fill_null(False).cast(pl.Float64).alias("lockstep"),
        pl.coalesce("outlet", "any_outlet").alias("outlet"),
    )  # fmt: skip
    own = [k for k in s.weights if k not in ("outlet", "seller_outlet")]
    frame = frame.with_columns(_noisy_or(own, s).alias("base_score"))
    frame = frame.with_columns(
        _share(["outlet"], s).alias("outlet_share"), _share(["seller", "outlet"], s).alias("seller_outlet_share")
    )
    typical = _typical_outlet_share(frame, s) * s.context_lift
    frame = frame.with_columns(
        (pl.col("outlet_share") >= max(s.outlet_share, typical))
        .fill_null(False)
        .cast(pl.Float64)
        .alias("outlet_signal"),
        (pl.col("seller_outlet_share") >= max(s.seller_outlet_share, typical))
        .fill_null(False)
        .cast(pl.Float64)
        .alias("seller_outlet"),
    )
    return frame.with_columns(_noisy_or([*own, "seller_outlet"], s, extra="outlet_signal").alias("score"))


def _typical_outlet_share(frame: pl.DataFrame, s: Settings) -> float:
    """The median outlet's share of parcels suspicious on their own signals (services work through a
    few outlets, so the median outlet is an honest one); 0 with fewer than ten outlets to compare."""
    per_outlet = (
        frame.filter(pl.col("outlet").is_not_null())
        .group_by("outlet")
        .agg((pl.col("base_score") >= s.base_threshold).mean().alias("share"), pl.len().alias("n"))
        .filter(pl.col("n") >= s.outlet_min_parcels)
    )
    if per_outlet.height < 10:  # too few outlets to tell what is typical: the fixed shares alone
        return 0.0
    median = per_outlet.get_column("share").median()
    return float(median) if isinstance(median, (int, float)) else 0.0


def _share(keys: list[str], s: Settings) -> pl.Expr:
    """Share of the other parcels of the same ``keys`` (an outlet; a seller at an outlet) that are
    suspicious on their own signals; null for fewer than ``outlet_min_parcels`` parcels."""
    suspicious = (pl.col("base_score") >= s.base_threshold).cast(pl.Float64)
    others = pl.len().over(keys) - 1
    share = (suspicious.sum().over(keys) - suspicious) / others
    known = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    return pl.when(known & (others >= s.outlet_min_parcels - 1)).then(share)


def _noisy_or(names: list[str], s: Settings, extra: str | None = None) -> pl.Expr:
    """The waybill's own signals' noisy-OR (``extra``: the outlet's signal column, weighted as "outlet")."""
    pairs = [(name, s.weights[name]) for name in names]
    return features.noisy_or(pairs if extra is None else [*pairs, (extra, s.weights["outlet"])])


def detect(data: Dataset, found: dict[str, pl.DataFrame], settings: Settings = SETTINGS) -> pl.DataFrame:
    s = settings
    if data.frame("waybills").height == 0:
        return fd.empty()
    scored = signals(data.collect(waybill_features(data)), s)
    flagged = scored.filter(pl.col("score") >= s.threshold)
    if flagged.height == 0:
        return fd.empty()
    orders = data.frame("orders").filter(pl.col("waybill_no").is_in(flagged.get_column("waybill_no").implode()))
    served = orders.group_by("waybill_no").agg(pl.col("order_id").sort().alias("order_ids"))
    flagged = flagged.join(served, on="waybill_no", how="left").with_columns(
        pl.col("order_ids").fill_null(pl.lit([], pl.List(pl.String))),
        _group(),
        _explanation(s),
        _evidence(),
    )
    waybill_rows = flagged.select(
        pl.col("waybill_no").alias("entity_id"), "score", "group_id", "explanation", "evidence"
    )
    order_rows = (
        flagged.select("order_ids", "score", "group_id", "explanation", "evidence")
        .explode("order_ids")
        .drop_nulls("order_ids")
        .rename({"order_ids": "entity_id"})
        .sort("score", descending=True)
        .select("entity_id", "score", "group_id", "explanation", "evidence")
    )
    return fd.combine([fd.build(NAME, "waybill", waybill_rows), fd.build(NAME, "order", order_rows)])


def _group() -> pl.Expr:
    """The reused-waybill group, else the collecting outlet."""
    return (
        pl.when(pl.col("reused") > 0)
        .then(pl.lit("waybill:") + pl.col("waybill_no"))
        .when(pl.col("outlet").is_not_null())
        .then(pl.lit("outlet:") + pl.col("outlet"))
        .alias("group_id")
    )


def _explanation(s: Settings) -> pl.Expr:
    fired = [
        pl.when(pl.col(k if k != "outlet" else "outlet_signal") > 0).then(pl.lit(text))
        for k, text in SIGNAL_TEXT.items()
    ]
    return pl.concat_str(
        pl.lit("Likely empty parcel (空包裹代发): "),
        pl.concat_str(fired, separator="; ", ignore_nulls=True),
        pl.lit("."),
    ).alias("explanation")


def _evidence() -> pl.Expr:
    def iso(column: str) -> pl.Expr:
        return pl.col(column).dt.to_string("%Y-%m-%dT%H:%M:%SZ")

    return pl.struct(
        "waybill_no", pl.col("order_ids").alias("orders"), "weight_g", "category",
        pl.col("median_g").round(1).alias("category_median_g"), pl.col("weight_ratio").round(3),
        "scans", "departed", "arrived", "off_route_scans", "last_city", pl.col("outlet").alias("outlet_id"),
        pl.col("outlet_share").round(3), pl.col("seller_outlet_share").round(3),
        pl.col("transit_hours").round(2), "min_hours",
        "origin_division", "dest_division", iso("created_at").alias("label_created_at"), iso("paid_at"),
        iso("shipped_at"), pl.col("orders").alias("orders_using_number"), "sellers",
        *[pl.col(k) for k in ("light", "no_movement", "off_route", "too_fast", "reused", "lockstep", "seller_outlet")],
    ).struct.json_encode().alias("evidence")  # fmt: skip
