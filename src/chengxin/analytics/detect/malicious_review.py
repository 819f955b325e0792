"""Malicious reviews (恶意评价, "降信"): bad ratings bought or organised to harm a shop, and their writers.

The phenomenon (职业差评师, competitors' campaigns): a group of accounts — fresh, or linked to each other or
to a rival seller — buys cheap items from the victim within days and leaves bad ratings with the lowest
store ratings; some demand compensation ("不赔偿就差评"), some add a bad follow-up. An honest bad product
also collects many bad ratings, but from the shop's ordinary, unrelated, older customers over its whole life.

Every buyer→seller bad rating (and every follow-up of the same order) gets signals (relational work on
Narwhals in ``rating_facts``, the rest in Polars):

* ``burst``: several other bad ratings of the same seller from other accounts within days, far above the
  seller's own rate of bad ratings over its orders;
* ``new_account``: the rater's account was days old when it ordered;
* ``one_shot``: the rater has hardly any other order in the dataset;
* ``linked``: the rater shares a device, IP, address, phone or payment account with another writer of a
  bad rating of the same seller;
* ``rival``: the rater shares one with a *seller* account other than the victim;
* ``demand``: the text asks for money, a refund or compensation under threat (keywords);
* ``cheap``: the order is among the shop's cheapest;
* ``disputed``: the seller answered the buyer calling it malicious or extortion.

A rating is malicious when its signals combine (noisy-OR) past the threshold *and* it has company — a burst
or links — so a lone angry customer is never flagged; the accounts that wrote a flagged rating are flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import narwhals.stable.v2 as nw
import polars as pl

from chengxin.analytics.detect import features, rules
from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect.dataset import Dataset

NAME = "malicious_review"
NEEDS = ("accounts", "account_links", "orders", "ratings")
DAY = 86_400
DEMAND = r"(赔|补偿|返现|退一赔|退款|给钱|红包|不然|否则|曝光|投诉|12315)"
DISPUTE = r"(恶意|敲诈|勒索|职业差评|差评师|威胁)"


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights: ``defaults.toml`` [malicious_review] (each one explained there)."""

    burst_days: float
    burst_min: int
    burst_factor: float
    new_account_days: float
    one_shot_orders: int
    cheap_quantile: float
    threshold: float
    campaign_share: float
    weights: tuple[tuple[str, float], ...]


SETTINGS = rules.load(Settings, "malicious_review")


def rating_facts(data: Dataset, s: Settings = SETTINGS) -> pl.DataFrame:
    """Bad initial buyer ratings with their order, rater account and store ratings."""
    ratings = data.table("ratings").filter(nw.col("direction") == "buyer_to_seller")
    orders = data.table("orders").select(
        "order_id", "buyer_account_id", "seller_account_id", "item_id", "amount_fen",
        nw.col("created_at").alias("ordered_at"),
    )  # fmt: skip
    accounts = data.table("accounts").select(
        nw.col("account_id").alias("buyer_account_id"), nw.col("created_at").alias("account_at")
    )
    bad = (
        ratings.filter((nw.col("kind") == "initial") & (nw.col("score") == "bad"))
        .select("rating_id", "order_id", "rater_account_id", "ratee_account_id", "dsr_description", "text",
                nw.col("created_at").alias("rated_at"))
        .join(orders, on="order_id", how="inner")
        .join(accounts, on="buyer_account_id", how="left")
    )  # fmt: skip
    return features.epoch_seconds(
        data.collect(bad), {"ordered_at": "ordered_s", "account_at": "account_s", "rated_at": "rated_s"}
    )


def detect(data: Dataset, found: dict[str, pl.DataFrame], s: Settings = SETTINGS) -> pl.DataFrame:
    scored = campaigns(score_ratings(data, s), s)
    alone = (pl.col("score") >= s.threshold) & (pl.col("burst") | pl.col("linked") | pl.col("rival"))
    flagged = scored.filter(alone | pl.col("campaign"))
    return _findings(data, flagged.with_columns(pl.max_horizontal("score", "campaign_score").alias("score")))


def campaigns(scored: pl.DataFrame, s: Settings = SETTINGS) -> pl.DataFrame:
    """Bursts of one seller's bad ratings (each within ``burst_days`` of the previous) whose writers are
    mostly colluding — new, one-shot, linked, tied to a rival or demanding money — are campaigns: all their
    bad ratings are malicious (``campaign``), scored by the share of colluding writers."""
    window = int(s.burst_days * DAY)
    collude = pl.col("new_account") | pl.col("one_shot") | pl.col("linked") | pl.col("rival") | pl.col("demand")
    bursts = (
        scored.filter(pl.col("burst"))
        .sort("seller_account_id", "rated_s")
        .with_columns(
            ((pl.col("rated_s").diff().over("seller_account_id").fill_null(window + 1) > window).cast(pl.Int64)
             .cum_sum()).alias("burst_id")
        )
        .with_columns(
            pl.len().over("burst_id").alias("burst_size"),
            collude.cast(pl.Float64).mean().over("burst_id").alias("colluding"),
        )
        .select("rating_id", "burst_id", "burst_size", "colluding")
    )  # fmt: skip
    return scored.join(bursts, on="rating_id", how="left").with_columns(
        ((pl.col("burst_size") > s.burst_min) & (pl.col("colluding") >= s.campaign_share))
        .fill_null(False)
        .alias("campaign"),
        (0.5 + 0.5 * pl.col("colluding")).fill_null(0.0).alias("campaign_score"),
    )


def score_ratings(data: Dataset, s: Settings = SETTINGS) -> pl.DataFrame:
    """Every bad buyer rating with its signals and combined score."""
    bad = rating_facts(data, s)
    orders = data.frame("orders").select(
        "order_id", "buyer_account_id", "seller_account_id", "amount_fen", "created_at"
    )
    per_seller = orders.group_by("seller_account_id").agg(
        pl.len().alias("seller_orders"),
        pl.col("amount_fen").quantile(s.cheap_quantile).alias("cheap_fen"),
        (pl.col("created_at").max() - pl.col("created_at").min()).dt.total_seconds().alias("span_s"),
    )
    per_buyer = orders.group_by("buyer_account_id").agg(pl.len().alias("buyer_orders"))
    bad = bad.join(per_seller, on="seller_account_id", how="left").join(per_buyer, on="buyer_account_id", how="left")
    bad = bad.with_columns(pl.len().over("seller_account_id").alias("seller_bad")).sort("seller_account_id", "rated_s")
    window = int(s.burst_days * DAY)
    near = (
        bad.select("seller_account_id", "rating_id", "rated_s", "buyer_account_id")
        .join(bad.select("seller_account_id", pl.col("rated_s").alias("other_s"),
                         pl.col("buyer_account_id").alias("other_buyer")), on="seller_account_id")
        .filter(((pl.col("other_s") - pl.col("rated_s")).abs() <= window)
                & (pl.col("other_buyer") != pl.col("buyer_account_id")))
        .group_by("rating_id").agg(pl.col("other_buyer").n_unique().alias("near"))
    )  # fmt: skip
    bad = bad.join(near, on="rating_id", how="left").with_columns(pl.col("near").fill_null(0))
    # what the seller's own rate predicts for a window of 2·burst_days
    expected = pl.col("seller_bad") * (2 * window) / pl.max_horizontal(pl.col("span_s"), pl.lit(2 * window))
    groups = features.link_groups(data)
    sellers = data.frame("accounts").filter(pl.col("role") == "seller").select("account_id")
    seller_groups = groups.join(sellers, on="account_id").rename({"account_id": "rival", "group": "g"})
    bad = bad.join(groups.rename({"account_id": "buyer_account_id", "group": "g"}), on="buyer_account_id", how="left")
    bad = (
        bad.with_columns(
            (pl.col("g").is_not_null() & (pl.len().over("seller_account_id", "g") >= 2)).alias("linked"),
        )
        .join(seller_groups.group_by("g").agg(pl.col("rival")), on="g", how="left")
        .with_columns(
            pl.col("rival").list.set_difference(pl.concat_list("seller_account_id")).alias("rivals"),
        )
    )
    replies = _disputed(data)
    bad = bad.join(replies, on="order_id", how="left")
    signals = bad.with_columns(
        ((pl.col("near") >= s.burst_min) & (pl.col("near") + 1 >= s.burst_factor * expected)).alias("burst"),
        ((pl.col("ordered_s") - pl.col("account_s")) < s.new_account_days * DAY).fill_null(False).alias("new_account"),
        (pl.col("buyer_orders") <= s.one_shot_orders).fill_null(False).alias("one_shot"),
        (pl.col("rivals").list.len() > 0).fill_null(False).alias("rival"),
        pl.col("text").str.contains(DEMAND).fill_null(False).alias("demand"),
        (pl.col("amount_fen") <= pl.col("cheap_fen")).fill_null(False).alias("cheap"),
        pl.col("disputed").fill_null(False),
        (pl.col("dsr_description") <= 1).fill_null(False).alias("low_dsr"),
    )
    return signals.with_columns(features.noisy_or(s.weights).alias("score"))


def _disputed(data: Dataset) -> pl.DataFrame:
    replies = data.frame("ratings").filter(pl.col("direction") == "seller_to_buyer")
    return (
        replies.filter(pl.col("text").str.contains(DISPUTE).fill_null(False))
        .select("order_id", pl.lit(True).alias("disputed"))
        .unique("order_id")
    )


def _findings(data: Dataset, flagged: pl.DataFrame) -> pl.DataFrame:
    if flagged.height == 0:
        return fd.empty()
    day = (pl.col("rated_s") // (7 * DAY)).cast(pl.String)
    flagged = flagged.with_columns(
        pl.concat_str([pl.lit("review-"), pl.col("seller_account_id"), pl.lit("-w"), day]).alias("group_id")
    )
    signal_names = [
        "campaign",
        "burst",
        "new_account",
        "one_shot",
        "linked",
        "rival",
        "demand",
        "cheap",
        "disputed",
        "low_dsr",
    ]
    fired = pl.concat_list([pl.when(pl.col(n)).then(pl.lit(n)) for n in signal_names]).list.drop_nulls()
    flagged = flagged.with_columns(fired.alias("signals"))
    follow = (
        data.frame("ratings")
        .filter((pl.col("direction") == "buyer_to_seller") & (pl.col("kind") == "follow_up"))
        .select(pl.col("rating_id").alias("follow_id"), "order_id", pl.col("rater_account_id").alias("follow_rater"))
    )
    follow = follow.join(
        flagged.select("order_id", "rater_account_id", "score", "group_id", "signals", "seller_account_id"),
        on="order_id",
    )
    follow = follow.filter(pl.col("follow_rater") == pl.col("rater_account_id"))
    evidence = pl.struct(
        pl.col("seller_account_id").alias("victim_account_id"),
        "order_id",
        "signals",
        "near",
        pl.col("rivals").alias("competitor_account_id"),
    ).map_elements(lambda v: json.dumps(v, ensure_ascii=False), return_dtype=pl.String)
    ratings = pl.concat([
        flagged.select(
            pl.col("rating_id").alias("entity_id"), "score", "group_id",
            pl.format("Bad rating of {} that is part of a campaign: {} (恶意评价).", pl.col("seller_account_id"),
                      pl.col("signals").list.join(", ")).alias("explanation"),
            evidence.alias("evidence"),
        ),
        follow.select(
            pl.col("follow_id").alias("entity_id"), "score", "group_id",
            pl.format("Follow-up of a malicious bad rating of {}.", pl.col("seller_account_id")).alias("explanation"),
            pl.struct(pl.col("seller_account_id").alias("victim_account_id"), "order_id", "signals").map_elements(
                lambda v: json.dumps(v, ensure_ascii=False), return_dtype=pl.String).alias("evidence"),
        ),
    ])  # fmt: skip
    writers = (
        flagged.group_by("rater_account_id")
        .agg(
            pl.col("score").max(),
            pl.col("group_id").min(),  # lists and ties sorted: the same evidence on every run
            pl.col("rating_id").sort().alias("ratings"),
            pl.col("seller_account_id").unique().sort().alias("victims"),
            pl.col("rivals")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique()
            .sort()
            .alias("competitor_account_id"),
        )
        .select(
            pl.col("rater_account_id").alias("entity_id"),
            "score",
            "group_id",
            pl.format("Account wrote {} malicious bad rating(s).", pl.col("ratings").list.len()).alias("explanation"),
            pl.struct("ratings", "victims", "competitor_account_id")
            .map_elements(lambda v: json.dumps(v), return_dtype=pl.String)
            .alias("evidence"),
        )
    )
    return fd.combine([fd.build(NAME, "rating", ratings), fd.build(NAME, "buyer", writers)])
