"""Price fraud (价格欺诈, 先涨后降): items whose promotion "discount" was made by first raising the price.

《明码标价和禁止价格欺诈规定》(国家市场监督管理总局令第56号, 2022) §19 (as 《禁止价格欺诈行为的规定》 before
it): a seller that advertises a cut from an "原价" must mean by it the lowest price it actually sold at in
the seven days before the promotion; raising the price shortly before a promotion and then "cutting" it
back to (or above) where it stood is the classic fake discount (先提价后打折). A seller evading the seven-day
rule (or a platform's 30-day lowest-price rule) raises a few weeks ahead, so the look-back is longer.

For each promotion episode of an item (a run of consecutive ``promotion`` rows of ``price_history``; the
episode's lowest price is its promotion price) the detector looks back ``lookback_days``:

* **rise**: the first regular price set inside the window above the price in force at its start (the
  listing price when the item appeared inside the window); no rise, no finding;
* **baseline** (the price before the raise): the usual price of the ``usual_days`` before the rise, the
  time-weighted median of the regular prices in force then, so that a short dip just before the raise
  (honest repricing: down, then back up) is not taken for the old price;
* **raised**: the highest regular price set inside the window is at least ``min_raise`` above the baseline
  (smaller moves are ordinary repricing, which honest sellers do all year);
* **fake discount**: the promotion price is not below the baseline (allowing ``tolerance``).

Raised and fake together flag the item. Honest look-alikes stay clear: a rise before the window (it is
the price consumers paid for weeks), a rise with no promotion after it, a promotion below the pre-raise
price, a dip-and-recover before a real discount. The evidence also gives the §19 reference (the lowest
price in force in the seven days before the promotion).
Score: 0.6 for the pattern, plus up to 0.4 for the size of the raise (a 50% raise gives the full 0.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect import rules
from chengxin.analytics.detect.dataset import Dataset

NAME = "price_fraud"
NEEDS = ("price_history", "items")


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights: ``defaults.toml`` [price_fraud] (each one explained there)."""

    lookback_days: int
    usual_days: int
    reference_days: int
    min_raise: float
    tolerance: float
    base_score: float
    raise_for_full_score: float


SETTINGS = rules.load(Settings, "price_fraud")


def _episodes(history: pl.DataFrame) -> pl.DataFrame:
    """One row per promotion episode: item_id, start, promo_price (lowest price of the episode)."""
    rows = history.sort("item_id", "valid_from").with_columns(
        (pl.col("promotion") & ~pl.col("promotion").shift(1).over("item_id").fill_null(False)).alias("_start")
    )
    rows = rows.with_columns(pl.col("_start").cast(pl.Int64).cum_sum().over("item_id").alias("_episode"))
    return (
        rows.filter(pl.col("promotion"))
        .group_by("item_id", "_episode")
        .agg(pl.col("valid_from").min().alias("start"), pl.col("price_fen").min().alias("promo_price"))
        .drop("_episode")
    )


def _in_force(regular: pl.DataFrame, points: pl.DataFrame, at: str, name: str) -> pl.DataFrame:
    """``points`` with the regular price in force at its column ``at`` as ``name`` (null before listing)."""
    return points.sort(at).join_asof(
        regular.select("item_id", pl.col("valid_from").alias(at), pl.col("price_fen").alias(name)).sort(at),
        on=at,
        by="item_id",
        strategy="backward",
        check_sortedness=False,  # sorted by time just above
    )


def _usual_price(regular: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """Per (item_id, start): the time-weighted median regular price in force over [usual_from, rise_at)."""
    segments = regular.sort("item_id", "valid_from").with_columns(
        pl.col("valid_from").shift(-1).over("item_id").alias("until")
    )
    overlap = (
        spans.join(segments, on="item_id")
        .with_columns(
            pl.max_horizontal("valid_from", "usual_from").alias("_lo"),
            pl.min_horizontal(pl.coalesce("until", "rise_at"), "rise_at").alias("_hi"),
        )
        .with_columns((pl.col("_hi") - pl.col("_lo")).dt.total_seconds().alias("_w"))
        .filter(pl.col("_w") > 0)
        .sort("item_id", "start", "price_fen")
    )
    half = pl.col("_w").cum_sum() >= pl.col("_w").sum() / 2
    return overlap.group_by("item_id", "start").agg(pl.col("price_fen").filter(half).first().alias("usual"))


def episodes_with_prices(history: pl.DataFrame, s: Settings = SETTINGS) -> pl.DataFrame:
    """Promotion episodes with the rise (first regular price inside the window above the price in force
    at its start), the baseline (usual price before the rise), the peak, and the §19 reference price:
    the features the decision is taken on."""
    history = history.select("item_id", "valid_from", "price_fen", "promotion").unique(["item_id", "valid_from"])
    regular = history.filter(~pl.col("promotion"))
    episodes = _episodes(history).with_columns(
        (pl.col("start") - timedelta(days=s.lookback_days)).alias("window_from"),
        (pl.col("start") - timedelta(days=s.reference_days)).alias("reference_from"),
    )
    episodes = _in_force(regular, episodes, "window_from", "at_window")
    episodes = _in_force(regular, episodes, "reference_from", "at_reference")
    # Regular prices set inside [window_from, start): the raise, if any, is among them.
    inside = (
        episodes.select("item_id", "start", "window_from", "reference_from", "at_window")
        .join(regular, on="item_id")
        .filter(pl.col("valid_from") >= pl.col("window_from"), pl.col("valid_from") < pl.col("start"))
        .sort("valid_from")
        .group_by("item_id", "start")
        .agg(
            pl.col("price_fen").first().alias("first_inside"),
            pl.col("price_fen").max().alias("peak_inside"),
            pl.col("valid_from").get(pl.col("price_fen").arg_max()).alias("raised_at"),
            pl.col("valid_from")
            .filter(pl.col("price_fen") > pl.coalesce("at_window", pl.col("price_fen").first()))
            .first()
            .alias("rise_at"),
            pl.col("price_fen").filter(pl.col("valid_from") >= pl.col("reference_from")).min().alias("ref_inside"),
        )
    )
    out = episodes.join(inside, on=["item_id", "start"], how="left").with_columns(
        (pl.col("rise_at") - timedelta(days=s.usual_days)).alias("usual_from")
    )
    rising = out.filter(pl.col("rise_at").is_not_null()).select("item_id", "start", "usual_from", "rise_at")
    out = out.join(_usual_price(regular, rising), on=["item_id", "start"], how="left").with_columns(
        pl.coalesce("usual", "at_window", "first_inside").alias("baseline"),
    )
    return out.with_columns(
        pl.max_horizontal("baseline", "peak_inside").alias("peak"),
        pl.min_horizontal(pl.coalesce("at_reference", "first_inside"), "ref_inside").alias("reference_price"),
    ).filter(pl.col("baseline").is_not_null())


def detect(data: Dataset, found: dict[str, pl.DataFrame], settings: Settings = SETTINGS) -> pl.DataFrame:
    s = settings
    history = data.frame("price_history")
    if history.height == 0:
        return fd.empty()
    eps = episodes_with_prices(history, s)
    base = pl.col("baseline").cast(pl.Float64)
    raise_share = (pl.col("peak") - pl.col("baseline")) / pl.max_horizontal(base, pl.lit(1.0))
    flagged = eps.with_columns(raise_share.alias("raise_share")).filter(
        pl.col("raise_share") >= s.min_raise,
        pl.col("promo_price") >= base * (1.0 - s.tolerance),
    )
    if flagged.height == 0:
        return fd.empty()
    score = s.base_score + (1.0 - s.base_score) * (pl.col("raise_share") / s.raise_for_full_score).clip(0.0, 1.0)
    best = (
        flagged.with_columns(score.alias("score"))
        .sort("score", "start", descending=[True, False])
        .unique("item_id", keep="first", maintain_order=True)
        .join(data.frame("items").select("item_id", "seller_account_id"), on="item_id", how="left")
    )

    def yuan(column: str) -> pl.Expr:
        return (pl.col(column).cast(pl.Float64) / 100).round(2).cast(pl.String)

    explanation = pl.concat_str(
        pl.lit("Price raised from ¥"), yuan("baseline"), pl.lit(" to ¥"), yuan("peak"),
        pl.lit(f" within {s.lookback_days} days before a promotion whose price ¥"), yuan("promo_price"),
        pl.lit(" is not below the pre-raise price: a fake discount (先涨后降, 价格欺诈)."),
    )  # fmt: skip
    evidence = pl.struct(
        "item_id", pl.col("seller_account_id").alias("seller"),
        pl.col("start").dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("promotion_start"),
        pl.col("raised_at").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
        pl.col("baseline").alias("baseline_fen"), pl.col("peak").alias("raised_fen"),
        pl.col("promo_price").alias("promotion_fen"), pl.col("reference_price").alias("lowest_7d_fen"),
        (pl.col("promo_price") >= pl.col("reference_price")).alias("not_below_7d_lowest"),
        pl.col("raise_share").round(3),
    )  # fmt: skip
    return fd.build(
        NAME, "item",
        best.select(
            pl.col("item_id").alias("entity_id"), "score",
            pl.col("seller_account_id").alias("group_id"), explanation.alias("explanation"),
            evidence.struct.json_encode().alias("evidence"),
        ),
    )  # fmt: skip
