"""Brushing (刷单炒信, "增信"): the sellers that bought fake orders, the accounts that placed them, the orders.

A brushing studio's customers (sellers) get fake orders from its pool of brusher accounts (刷手): paid,
"shipped" (often as an empty parcel), rated good at once with full store ratings, sometimes refunded after
the rating; the accounts share devices, IPs and payment accounts, and one pool serves several shops, so the
same brushers turn up at several of them. A seller may also brush alone with accounts of its own. Brushers
camouflage: they buy honestly from popular shops too, and a brushing shop sells honestly as well.

Steps (relational work on Narwhals in ``features``; the graph in Polars/numpy):

1. **Order signals** (``order_signals``): served by an empty parcel (the ``empty_parcel`` detector's
   orders), buyer linked to the seller's own account (shared device, phone, payment …), rated good with
   full store ratings sooner than nine in ten good ratings of the dataset, refunded after a good rating,
   placed by an account days old. The first four are *strong*: a brushing order rarely lacks all of them
   while an honest one rarely has any; a new account alone is weak (new shoppers and review campaigns
   have them too).
2. **Sellers**: the count of strong orders against the dataset's own rate (a binomial z-score, so a big
   honest shop with a few odd orders is not flagged and a small one needs several), and corroboration:
   brushers shared with other suspect sellers (the studio's pool: the buyer×seller graph restricted to
   suspect edges, FRAUDAR-weighted peeling in ``peeling`` finds the blocks) or accounts linked to the
   seller itself.
3. **Accounts and orders**: at a flagged seller, the accounts whose orders carry a signal, that brush for
   another flagged seller of the same block, or that share links with such accounts, are the brushers;
   their orders with that seller are the fake orders (their purchases elsewhere are not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import binom, chi2  # type: ignore[import-untyped]

from chengxin.analytics.detect import features, latent
from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect import peeling as pe
from chengxin.analytics.detect.dataset import Dataset

NAME = "brushing"
NEEDS = ("accounts", "account_links", "orders", "ratings")


@dataclass(frozen=True)
class Settings:
    quick_quantile: float = 0.10  # a good rating sooner than this quantile of good ratings' delays is "quick"
    new_account_days: float = 30.0  # an account younger than this when it ordered is new
    alpha: float = 0.01  # family-wise error of "this seller's strong orders are no accident" (Bonferroni)
    candidate_p: float = 1e-3  # a seller this unlikely by chance is a suspect…
    min_shared: int = 3  # …and is flagged when it shares this many brushers with another suspect…
    min_self: int = 2  # …or this many of its buyers are linked to the seller itself
    min_strong: int = 3  # never flag a seller on fewer strong orders than this
    fake_posterior: float = 0.5  # an order at a flagged seller is fake when the latent model says so


SETTINGS = Settings()
EM_SIGNALS = (
    "empty_parcel", "self_linked", "quick_top", "refund_after_good", "new_account", "dsr_top", "rated_good",
    "edge_strong", "ring_elsewhere", "ring_linked", "brushed_item",
)  # fmt: skip


def order_signals(data: Dataset, found: dict[str, pl.DataFrame], s: Settings = SETTINGS) -> pl.DataFrame:
    facts = features.order_facts(data)
    ep = found.get("empty_parcel", fd.empty())
    ep_orders = ep.filter(pl.col("entity_type") == "order").get_column("entity_id").implode()
    good = facts.filter(pl.col("score") == "good").get_column("rating_delay_h")
    quick = float(good.quantile(s.quick_quantile) or 0.0) if good.len() else 0.0
    groups = features.link_groups(data)
    facts = facts.join(
        groups.rename({"account_id": "buyer_account_id", "group": "buyer_group"}), on="buyer_account_id", how="left"
    ).join(
        groups.rename({"account_id": "seller_account_id", "group": "seller_group"}), on="seller_account_id", how="left"
    )
    return facts.with_columns(
        pl.col("order_id").is_in(ep_orders).alias("empty_parcel"),
        (pl.col("buyer_group") == pl.col("seller_group")).fill_null(False).alias("self_linked"),
        ((pl.col("score") == "good") & pl.col("dsr_top") & (pl.col("rating_delay_h") <= quick))
        .fill_null(False)
        .alias("quick_top"),
        ((pl.col("status") == "refunded") & (pl.col("score") == "good")).fill_null(False).alias("refund_after_good"),
        (pl.col("buyer_age_days") < s.new_account_days).fill_null(False).alias("new_account"),
    ).with_columns(
        (pl.col("empty_parcel") | pl.col("self_linked") | pl.col("quick_top") | pl.col("refund_after_good")).alias(
            "strong"
        )
    )


def _sellers(orders: pl.DataFrame) -> pl.DataFrame:
    """Per seller: orders, strong orders, accounts linked to itself, and ``p``: the chance of at least
    this many strong orders if the seller's orders were like the dataset's (binomial tail)."""
    p0 = min(max(float(orders.get_column("strong").mean() or 0.0), 1e-4), 0.5)  # type: ignore[arg-type]
    per = orders.group_by("seller_account_id").agg(
        pl.len().alias("n"),
        pl.col("strong").sum().alias("k"),
        pl.col("buyer_account_id").filter(pl.col("self_linked")).n_unique().alias("self_accounts"),
    )
    n = per.get_column("n").to_numpy().astype(np.int64)
    k = per.get_column("k").to_numpy().astype(np.int64)
    return per.with_columns(pl.Series("p", binom.sf(k - 1, n, p0)))


def _flag(sellers: pl.DataFrame, shared: pl.DataFrame, s: Settings) -> pl.DataFrame:
    sure = s.alpha / max(sellers.height, 1)
    with_shared = sellers.join(shared, on="seller_account_id", how="left").with_columns(pl.col("shared").fill_null(0))
    corroborated = (pl.col("shared") >= s.min_shared) | (pl.col("self_accounts") >= s.min_self)
    return with_shared.filter(
        (pl.col("k") >= s.min_strong) & ((pl.col("p") < sure) | ((pl.col("p") < s.candidate_p) & corroborated))
    )


def _shared(orders: pl.DataFrame, suspects: pl.Series) -> pl.DataFrame:
    """Per suspect seller: the most strong-order buyers it shares with one other suspect seller, and the
    block (component of suspects joined by ≥ 1 shared strong buyer, peeled) it belongs to."""
    edges = (
        orders.filter(pl.col("strong") & pl.col("seller_account_id").is_in(suspects.implode()))
        .select("buyer_account_id", "seller_account_id")
        .unique()
    )
    pairs = edges.join(edges, on="buyer_account_id").filter(
        pl.col("seller_account_id") != pl.col("seller_account_id_right")
    )
    shared = pairs.group_by("seller_account_id", "seller_account_id_right").len()
    return shared.group_by("seller_account_id").agg(pl.col("len").max().alias("shared"))


def _blocks(orders: pl.DataFrame, flagged: pl.Series) -> pl.DataFrame:
    """``seller_account_id, block``: flagged sellers grouped by the dense blocks of their strong edges."""
    edges = (
        orders.filter(pl.col("strong") & pl.col("seller_account_id").is_in(flagged.implode()))
        .group_by("buyer_account_id", "seller_account_id")
        .len()
    )
    if edges.height == 0:
        return pl.DataFrame(schema={"seller_account_id": pl.String, "block": pl.Int64})
    buyers = edges.get_column("buyer_account_id").unique().sort()
    sellers = edges.get_column("seller_account_id").unique().sort()
    rows = buyers.search_sorted(edges.get_column("buyer_account_id")).to_numpy().astype(np.int64)
    cols = sellers.search_sorted(edges.get_column("seller_account_id")).to_numpy().astype(np.int64)
    g = pe.Graph(rows, cols, pe.column_weights(cols, len(sellers)), len(buyers), len(sellers))
    labels = pe.components(g)
    first = pl.DataFrame({"seller_account_id": sellers.gather(cols), "block": labels})
    return first.group_by("seller_account_id").agg(pl.col("block").min())


def _em_frame(orders: pl.DataFrame, flagged: pl.Series) -> pl.DataFrame:
    """The latent model's signals for every order, relative to the flagged sellers."""
    at_flagged = pl.col("seller_account_id").is_in(flagged.implode())
    ring = orders.filter(pl.col("strong") & at_flagged)
    ring_sellers = ring.group_by("buyer_account_id").agg(pl.col("seller_account_id").unique().alias("ring_sellers"))
    ring_groups = ring.group_by("buyer_group").agg(pl.col("buyer_account_id").n_unique().alias("ring_accounts"))
    item_share = (
        orders.group_by("seller_account_id", "item_id")
        .agg(pl.col("strong").sum().alias("item_k"), pl.len().alias("item_n"))
        .with_columns((pl.col("item_k").sum() / pl.col("item_n").sum()).over("seller_account_id").alias("seller_rate"))
        .with_columns(
            ((pl.col("item_k") >= 2) & (pl.col("item_k") / pl.col("item_n") >= 2 * pl.col("seller_rate"))).alias(
                "brushed_item"
            )
        )
        .select("seller_account_id", "item_id", "brushed_item")
    )
    edge_strong = (
        pl.col("strong").cast(pl.Int64).sum().over("buyer_account_id", "seller_account_id")
        - pl.col("strong").cast(pl.Int64)
    ) > 0
    return (
        orders.join(ring_sellers, on="buyer_account_id", how="left")
        .join(ring_groups.drop_nulls("buyer_group"), on="buyer_group", how="left")
        .join(item_share, on=["seller_account_id", "item_id"], how="left")
        .with_columns(
            (pl.col("score") == "good").fill_null(False).alias("rated_good"),
            edge_strong.alias("edge_strong"),
            (pl.col("ring_sellers").list.set_difference(pl.concat_list("seller_account_id")).list.len() > 0)
            .fill_null(False)
            .alias("ring_elsewhere"),
            (pl.col("ring_accounts") >= 2).fill_null(False).alias("ring_linked"),
            pl.col("brushed_item").fill_null(False),
            at_flagged.alias("at_flagged"),
        )
    )


def _fake_orders(orders: pl.DataFrame, flagged: pl.Series, s: Settings) -> pl.DataFrame:
    """The orders at flagged sellers with their posterior of being fake (column ``fake_p``)."""
    frame = _em_frame(orders, flagged)
    honest = frame.filter(~pl.col("at_flagged")).select(EM_SIGNALS).mean()
    theta0 = honest.to_numpy()[0].astype(np.float64) if frame.height else np.zeros(len(EM_SIGNALS))
    at = frame.filter(pl.col("at_flagged"))
    if at.height == 0:
        return at.with_columns(pl.lit(0.0).alias("fake_p"))
    x = at.select(EM_SIGNALS).to_numpy().astype(np.bool_)
    group = at.get_column("seller_account_id").rank("dense").cast(pl.Int64).to_numpy() - 1
    init = np.where(at.get_column("strong").to_numpy(), 0.9, 0.1)
    post, _, _ = latent.fit(x, group, np.nan_to_num(np.asarray(theta0, dtype=np.float64)), init)
    return at.with_columns(pl.Series("fake_p", post))


def _via_brushers(
    orders: pl.DataFrame, sellers: pl.DataFrame, flagged: pl.Series, brushers: pl.Series, s: Settings
) -> pl.Series:
    """Sellers not yet flagged whose orders come from known brushers far more than chance allows (the
    pool's other customers, whose own fake orders carry few signals)."""
    rest = orders.filter(~pl.col("seller_account_id").is_in(flagged.implode())).with_columns(
        pl.col("buyer_account_id").is_in(brushers.implode()).alias("by_brusher")
    )
    if rest.height == 0:
        return pl.Series("seller_account_id", [], pl.String)
    p0 = min(max(float(rest.get_column("by_brusher").mean() or 0.0), 1e-4), 0.5)  # type: ignore[arg-type]
    per = rest.group_by("seller_account_id").agg(
        pl.len().alias("n"),
        pl.col("buyer_account_id").filter(pl.col("by_brusher")).n_unique().alias("k"),
        pl.col("strong").sum().alias("strong"),
    )
    k = per.get_column("k").to_numpy().astype(np.int64)
    p_brushers = binom.sf(k - 1, per.get_column("n").to_numpy().astype(np.int64), p0)
    per = per.with_columns(pl.Series("p_brushers", p_brushers)).join(
        sellers.select("seller_account_id", "p"), on="seller_account_id", how="left"
    )
    # Fisher's method: the brushers' orders and the strong orders are two independent tests
    fisher = -2 * (
        np.log(np.clip(per.get_column("p_brushers").to_numpy(), 1e-300, 1))
        + np.log(np.clip(per.get_column("p").fill_null(1.0).to_numpy(), 1e-300, 1))
    )
    sure = s.alpha / max(sellers.height, 1)
    chosen = per.with_columns(pl.Series("p_both", chi2.sf(fisher, 4))).filter(
        (pl.col("p_both") < sure) & (pl.col("k") >= s.min_shared) & (pl.col("strong") >= 1)
    )
    return chosen.get_column("seller_account_id")


def detect(data: Dataset, found: dict[str, pl.DataFrame], s: Settings = SETTINGS) -> pl.DataFrame:
    orders = order_signals(data, found, s)
    sellers = _sellers(orders)
    suspects = sellers.filter(pl.col("p") < s.candidate_p).get_column("seller_account_id")
    flagged = _flag(sellers, _shared(orders, suspects), s)
    if flagged.height == 0:
        return fd.empty()
    ids = flagged.get_column("seller_account_id")
    scored = _fake_orders(orders, ids, s)
    brushers = scored.filter(pl.col("fake_p") >= s.fake_posterior).get_column("buyer_account_id").unique()
    extra = _via_brushers(orders, sellers, ids, brushers, s)
    if extra.len():
        ids = pl.concat([ids, extra])
        flagged = pl.concat(
            [
                flagged,
                sellers.filter(pl.col("seller_account_id").is_in(extra.implode()))
                .join(_shared(orders, ids), on="seller_account_id", how="left")
                .with_columns(pl.col("shared").fill_null(0)),
            ],
            how="diagonal_relaxed",
        )
        scored = _fake_orders(orders, ids, s)
    fake = scored.filter(pl.col("fake_p") >= s.fake_posterior)
    fake = fake.join(_blocks(orders, ids), on="seller_account_id", how="left")
    return _findings(flagged, fake)


def _findings(flagged: pl.DataFrame, fake: pl.DataFrame) -> pl.DataFrame:
    block_of = fake.group_by("seller_account_id").agg(pl.col("block").first())
    group = pl.concat_str([pl.lit("brushing-"), pl.col("block").cast(pl.String)])
    sellers = flagged.join(block_of, on="seller_account_id", how="left").with_columns(
        pl.col("seller_account_id").alias("entity_id"),
        (1 - pl.col("p").clip(1e-12, 1).log10().abs().neg().exp()).clip(0.5, 1).alias("score"),
        group.alias("group_id"),
        pl.format(
            "Seller has {} of {} orders with brushing signals (chance {}), {} brushers shared with another suspect "
            "seller, {} accounts linked to itself (刷单炒信).",
            pl.col("k"),
            pl.col("n"),
            pl.col("p").map_elements(lambda v: f"{v:.1e}", return_dtype=pl.String),
            pl.col("shared"),
            pl.col("self_accounts"),
        ).alias("explanation"),
    )
    sellers = sellers.with_columns(
        pl.struct("n", "k", "p", "shared", "self_accounts")
        .map_elements(lambda v: json.dumps(v), return_dtype=pl.String)
        .alias("evidence")
    )
    orders = fake.with_columns(
        pl.col("order_id").alias("entity_id"),
        pl.col("fake_p").alias("score"),
        group.alias("group_id"),
        pl.format("Order from a brusher account to a brushing seller ({}).", pl.col("seller_account_id")).alias(
            "explanation"
        ),
        pl.struct(
            "seller_account_id",
            "buyer_account_id",
            "empty_parcel",
            "self_linked",
            "quick_top",
            "refund_after_good",
            "new_account",
        )
        .map_elements(lambda v: json.dumps(v), return_dtype=pl.String)
        .alias("evidence"),
    )
    buyers = (
        fake.group_by("buyer_account_id")
        .agg(
            pl.len().alias("orders"),
            pl.col("seller_account_id").unique().alias("sellers"),
            pl.col("strong").sum().alias("strong"),
            pl.col("block").first(),
        )
        .with_columns(
            pl.col("buyer_account_id").alias("entity_id"),
            (0.6 + 0.1 * pl.col("strong").clip(0, 4)).alias("score"),
            group.alias("group_id"),
            pl.format(
                "Account placed {} fake orders with {} brushing sellers.",
                pl.col("orders"),
                pl.col("sellers").list.len(),
            ).alias("explanation"),
            pl.struct(pl.col("sellers"), "orders", "strong")
            .map_elements(lambda v: json.dumps(v), return_dtype=pl.String)
            .alias("evidence"),
        )
    )
    cols = ["entity_id", "score", "group_id", "explanation", "evidence"]
    return fd.combine(
        [
            fd.build(NAME, "seller", sellers.select(cols)),
            fd.build(NAME, "buyer", buyers.select(cols)),
            fd.build(NAME, "order", orders.select(cols)),
        ]
    )
