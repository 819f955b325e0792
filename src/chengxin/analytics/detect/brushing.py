"""Brushing (刷单炒信, "增信"): the sellers that bought fake orders, the accounts that placed them, the orders.

A brushing studio's customers (sellers) get fake orders from its pool of brusher accounts (刷手): paid,
"shipped" (often as an empty parcel), rated good at once with full store ratings, sometimes refunded after
the rating; the accounts share devices, IPs and payment accounts, and one pool serves several shops, so the
same brushers turn up at several of them. A seller may also brush alone with accounts of its own. Brushers
camouflage: they buy honestly from popular shops too, and a brushing shop sells honestly as well.

Steps (relational work on Narwhals in ``features``; the rest in Polars/numpy):

1. **Order signals** (``order_signals``): served by an empty parcel (the ``empty_parcel`` detector's
   orders), buyer linked to the seller's own account (shared device, phone, payment …), rated good with
   full store ratings sooner than nine in ten good ratings of the dataset, refunded after a good rating.
   These are *strong*: a brushing order often has one, an honest one rarely. A new account is weak alone.
2. **Sellers** (``_sellers``, ``_flag``): the chance ``p`` of the seller's count of strong orders if its
   orders were like the dataset's (binomial tail). Flagged when ``p`` is below ``alpha`` / sellers
   (Bonferroni), or small and corroborated: brushers shared with another suspect seller (the studio's
   pool) or accounts linked to the seller itself.
3. **Fake orders** (``_fake_orders``): a latent two-class model (``latent``, EM) over the orders of the
   flagged sellers, with the signals above plus the buyer's strong orders at other flagged sellers, links
   to other brushers, another strong order on the same buyer–seller pair and the seller's target items
   (刷单款), and the seller's campaign window (lockstep in time: between the 5th and 95th percentile of its
   strong orders' times, a week's margin each side — a campaign runs weeks, a shop sells all year); the
   honest class's rates are measured on the other sellers' orders, except the campaign window's, which the
   model learns (it has no outside reference). An order is fake when its posterior is at least ½; its
   account is a brusher.
4. **The pool's other customers** (``_via_brushers``): a seller whose orders from those brushers look fake
   (full store ratings, quick rating, empty parcel, new account) far more often than chance allows is
   flagged too (one account's repeat purchases counting as at most three), and step 3 runs again.
5. **Rings** (``_blocks``): the flagged sellers' brusher×seller edges peeled into dense blocks
   (``peeling.blocks``, FRAUDAR-weighted), every block reported, densest first: the ``group_id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import binom  # type: ignore[import-untyped]

from chengxin.analytics.detect import features, latent, rules
from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect import peeling as pe
from chengxin.analytics.detect.dataset import Dataset

NAME = "brushing"
NEEDS = ("accounts", "account_links", "orders", "ratings")


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights: ``defaults.toml`` [brushing] (each one explained there)."""

    quick_quantile: float
    new_account_days: float
    alpha: float
    candidate_p: float
    min_shared: int
    min_self: int
    self_p: float
    min_strong: int
    fake_posterior: float
    item_min_strong: int
    min_brusher_share: float
    max_per_brusher: int
    min_block_density: float
    campaign_quantile: float
    campaign_margin_days: float


SETTINGS = rules.load(Settings, "brushing")
EM_SIGNALS = (
    "empty_parcel", "self_linked", "quick_top", "refund_after_good", "new_account", "dsr_top", "rated_good",
    "edge_strong", "ring_elsewhere", "ring_linked", "brushed_item", "in_campaign",
)  # fmt: skip
LEARN_HONEST_RATE = ("in_campaign",)  # honest rate learnt by the latent model (no outside reference)


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
    pool = (pl.col("p") < s.candidate_p) & (pl.col("shared") >= s.min_shared)
    own = (pl.col("p") < s.self_p) & (pl.col("self_accounts") >= s.min_self)
    return with_shared.filter((pl.col("k") >= s.min_strong) & ((pl.col("p") < sure) | pool | own))


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


def _blocks(orders: pl.DataFrame, flagged: pl.Series, s: Settings) -> pl.DataFrame:
    """``seller_account_id, block, block_density``: each flagged seller's ring — the dense block of
    brusher×seller edges (orders with a strong signal) it belongs to. Every block of every component is
    peeled out in turn (``peeling.blocks``), densest first; a seller in none keeps its component's number."""
    edges = (
        orders.filter(pl.col("strong") & pl.col("seller_account_id").is_in(flagged.implode()))
        .group_by("buyer_account_id", "seller_account_id")
        .len()
        .sort("buyer_account_id", "seller_account_id")  # sums in one order: the same densities on every run
    )
    schema = {"seller_account_id": pl.String, "block": pl.Int64, "block_density": pl.Float64}
    if edges.height == 0:
        return pl.DataFrame(schema=schema)
    buyers = edges.get_column("buyer_account_id").unique().sort()
    sellers = edges.get_column("seller_account_id").unique().sort()
    rows = buyers.search_sorted(edges.get_column("buyer_account_id")).to_numpy().astype(np.int64)
    cols = sellers.search_sorted(edges.get_column("seller_account_id")).to_numpy().astype(np.int64)
    g = pe.Graph(rows, cols, pe.column_weights(cols, len(sellers)), len(buyers), len(sellers))
    block = np.full(len(sellers), -1, dtype=np.int64)
    density = np.zeros(len(sellers))
    for k, b in enumerate(pe.blocks(g, tau=0.0, min_density=s.min_block_density, min_rows=1)):
        fresh = b.cols[block[b.cols] < 0]
        block[fresh], density[fresh] = k, b.density
    component = np.zeros(len(sellers), dtype=np.int64)
    component[cols] = pe.components(g)  # one component per seller: its edges are connected through it
    block = np.where(block >= 0, block, len(sellers) + component)
    return pl.DataFrame({"seller_account_id": sellers, "block": block, "block_density": density}, schema=schema)


def _em_frame(orders: pl.DataFrame, flagged: pl.Series, s: Settings) -> pl.DataFrame:
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
            (
                (pl.col("item_k") >= s.item_min_strong) & (pl.col("item_k") / pl.col("item_n") >= pl.col("seller_rate"))
            ).alias("brushed_item")
        )
        .select("seller_account_id", "item_id", "brushed_item")
    )
    q, margin = s.campaign_quantile, s.campaign_margin_days * 86400
    campaign = (
        orders.filter(pl.col("strong"))
        .group_by("seller_account_id")
        .agg(
            pl.len().alias("campaign_k"),
            (pl.col("created_s").quantile(q) - margin).alias("campaign_from"),
            (pl.col("created_s").quantile(1 - q) + margin).alias("campaign_to"),
        )
        .filter(pl.col("campaign_k") >= s.min_strong)
    )
    edge_strong = (
        pl.col("strong").cast(pl.Int64).sum().over("buyer_account_id", "seller_account_id")
        - pl.col("strong").cast(pl.Int64)
    ) > 0
    return (
        orders.join(ring_sellers, on="buyer_account_id", how="left")
        .join(ring_groups.drop_nulls("buyer_group"), on="buyer_group", how="left")
        .join(item_share, on=["seller_account_id", "item_id"], how="left")
        .join(campaign, on="seller_account_id", how="left")
        .with_columns(
            pl.col("created_s")
            .is_between(pl.col("campaign_from"), pl.col("campaign_to"))
            .fill_null(False)
            .alias("in_campaign"),
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
    frame = _em_frame(orders, flagged, s)
    honest = frame.filter(~pl.col("at_flagged")).select(EM_SIGNALS).mean()
    theta0 = honest.to_numpy()[0].astype(np.float64) if frame.height else np.zeros(len(EM_SIGNALS))
    at = frame.filter(pl.col("at_flagged"))
    if at.height == 0:
        return at.with_columns(pl.lit(0.0).alias("fake_p"))
    x = at.select(EM_SIGNALS).to_numpy().astype(np.bool_)
    group = at.get_column("seller_account_id").rank("dense").cast(pl.Int64).to_numpy() - 1
    init = np.where(at.get_column("strong").to_numpy(), 0.9, 0.1)
    learn0 = np.asarray([name in LEARN_HONEST_RATE for name in EM_SIGNALS])
    post, _, _ = latent.fit(x, group, np.nan_to_num(np.asarray(theta0, dtype=np.float64)), init, learn0=learn0)
    return at.with_columns(pl.Series("fake_p", post))


def _via_brushers(orders: pl.DataFrame, flagged: pl.Series, brushers: pl.Series, s: Settings) -> pl.Series:
    """Sellers not yet flagged that get far more fake-looking orders from known brushers than chance allows:
    the pool's other customers, whose own orders carry fewer of the strong signals. A brusher's order
    "looks fake" when it has full store ratings, a quick rating, an empty parcel or a new account —
    brushers' camouflage purchases (rated like anyone's) rarely do."""
    rest = orders.filter(~pl.col("seller_account_id").is_in(flagged.implode())).with_columns(
        pl.col("buyer_account_id").is_in(brushers.implode()).alias("by_brusher")
    )
    if rest.height == 0:
        return pl.Series("seller_account_id", [], pl.String)
    looks = pl.col("by_brusher") & (
        pl.col("dsr_top") | pl.col("quick_top") | pl.col("empty_parcel") | pl.col("new_account")
    )
    p0 = min(max(float(rest.select(looks.mean()).item() or 0.0), 1e-5), 0.5)
    # one account's repeat purchases count as at most ``max_per_brusher`` fake-looking orders: a heavy
    # (honest) shopper taken for a brusher must not make a shop look like the pool's customer on its own
    pairs = rest.group_by("seller_account_id", "buyer_account_id").agg(
        pl.len().alias("n"),
        looks.sum().clip(upper_bound=s.max_per_brusher).alias("k"),
        pl.col("by_brusher").any().alias("brusher"),
        pl.col("strong").sum().alias("strong"),
    )
    per = pairs.group_by("seller_account_id").agg(
        pl.col("n").sum(),
        pl.col("k").sum(),
        pl.col("brusher").sum().alias("brushers"),
        pl.col("strong").sum(),
    )
    k = per.get_column("k").to_numpy().astype(np.int64)
    p = binom.sf(k - 1, per.get_column("n").to_numpy().astype(np.int64), p0)
    sure = s.alpha / max(orders.get_column("seller_account_id").n_unique(), 1)
    chosen = per.with_columns(pl.Series("p_brushers", p)).filter(
        (pl.col("p_brushers") < sure)
        & (pl.col("k") >= s.min_brusher_share * pl.col("n"))  # a material share, not a big shop's few
        & (pl.col("brushers") >= s.min_shared)
        & (pl.col("strong") >= 1)
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
    extra = _via_brushers(orders, ids, brushers, s)
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
    fake = fake.join(_blocks(orders, ids, s), on="seller_account_id", how="left")
    return _findings(flagged, fake)


def _findings(flagged: pl.DataFrame, fake: pl.DataFrame) -> pl.DataFrame:
    block_of = fake.group_by("seller_account_id").agg(pl.col("block").first(), pl.col("block_density").first())
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
        pl.struct("n", "k", "p", "shared", "self_accounts", "block_density")
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
            pl.col("order_id").sort().alias("orders"),  # sorted: the same evidence on every run
            pl.col("seller_account_id").unique().sort().alias("sellers"),
            pl.col("strong").sum().alias("strong"),
            pl.col("block").min(),  # the lowest-numbered ring of its sellers: the same on every run
        )
        .with_columns(
            pl.col("buyer_account_id").alias("entity_id"),
            (0.6 + 0.1 * pl.col("strong").clip(0, 4)).alias("score"),
            group.alias("group_id"),
            pl.format(
                "Account placed {} fake orders with {} brushing sellers.",
                pl.col("orders").list.len(),
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
