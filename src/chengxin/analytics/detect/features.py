"""Per-order facts the brushing and malicious-review detectors share, written once on Narwhals.

``order_facts`` gives one row per order with its parties, item, amount, status, times as epoch seconds
(UTC), the buyer account's age when it ordered, and the buyer's initial rating of the seller (score,
store ratings, text, how long after the deal it came). ``link_groups`` clusters accounts that share a
device, IP, address, phone or payment account. ``noisy_or`` combines weighted signals into one score.
"""

from __future__ import annotations

from collections.abc import Iterable

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from chengxin.analytics.detect.dataset import Dataset

DAY = 86_400


def noisy_or(weights: Iterable[tuple[str, float]]) -> pl.Expr:
    """1 − Π(1 − wᵢ·xᵢ) over ``(column, weight)``: each signal xᵢ (boolean, or a strength in [0, 1]) alone
    would make the row suspect with probability wᵢ, independently of the others."""
    clear = pl.lit(1.0)
    for name, weight in weights:
        clear = clear * (1.0 - weight * pl.col(name).cast(pl.Float64))
    return 1.0 - clear


def epoch_seconds(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Datetime columns as int64 seconds since the epoch (in Polars, after collecting: Narwhals has no
    epoch on Spark), renamed ``{old: new}``."""
    return frame.with_columns(pl.col(old).dt.epoch("s").alias(new) for old, new in columns.items()).drop(
        [old for old, new in columns.items() if old != new]
    )


def order_facts(data: Dataset) -> pl.DataFrame:
    orders = data.table("orders").select(
        "order_id", "buyer_account_id", "seller_account_id", "item_id", "quantity", "amount_fen", "status",
        "waybill_no", "created_at", "paid_at", "shipped_at", "signed_at",
    )  # fmt: skip
    accounts = data.table("accounts").select(
        nw.col("account_id").alias("buyer_account_id"), nw.col("created_at").alias("buyer_created_at")
    )
    ratings = (
        data.table("ratings")
        .filter((nw.col("direction") == "buyer_to_seller") & (nw.col("kind") == "initial"))
        .select(
            "order_id",
            "score",
            "dsr_description",
            "dsr_service",
            "dsr_logistics",
            "text",
            nw.col("created_at").alias("rated_at"),
        )  # fmt: skip
        .unique(["order_id"], keep="any")
    )
    facts = (
        orders.join(accounts, on="buyer_account_id", how="left")
        .join(ratings, on="order_id", how="left")
        .with_columns(
            ((nw.col("dsr_description") == 5) & (nw.col("dsr_service") == 5) & (nw.col("dsr_logistics") == 5))
            .fill_null(False)
            .alias("dsr_top"),
        )
    )
    seconds = {"created_at": "created_s", "paid_at": "paid_s", "shipped_at": "shipped_s", "signed_at": "signed_s",
               "buyer_created_at": "buyer_created_s", "rated_at": "rated_s"}  # fmt: skip
    deal = pl.coalesce("signed_s", "paid_s", "created_s")
    return epoch_seconds(data.collect(facts), seconds).with_columns(
        ((pl.col("created_s") - pl.col("buyer_created_s")) / DAY).alias("buyer_age_days"),
        ((pl.col("rated_s") - deal) / 3600).alias("rating_delay_h"),
    )


def link_groups(data: Dataset, accounts: pl.Series | None = None, *, max_share: int = 12) -> pl.DataFrame:
    """``account_id, group`` for accounts joined by a shared link value (device, ip, address, phone,
    payment) used by 2..``max_share`` accounts — a value shared by more (a public or carrier-grade IP, a
    parcel locker address) links nobody. ``accounts`` limits the accounts considered."""
    links = data.table("account_links").select("account_id", "link_type", "value").unique()
    if accounts is not None:
        links = links.filter(nw.col("account_id").is_in(accounts.to_list()))
    shared = (
        links.with_columns(nw.len().over("link_type", "value").alias("n"))
        .filter((nw.col("n") >= 2) & (nw.col("n") <= max_share))
        .select("account_id", "link_type", "value")
    )
    pairs = data.collect(shared)
    if pairs.height == 0:
        return pl.DataFrame(schema={"account_id": pl.String, "group": pl.Int64})
    ids = pairs.get_column("account_id").unique().sort()
    idx = ids.search_sorted(pairs.get_column("account_id")).to_numpy()
    key = pairs.select(pl.struct("link_type", "value").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
    n, k = len(ids), int(key.max()) + 1
    incidence = coo_matrix((np.ones(len(idx)), (idx, n + key)), shape=(n + k, n + k))
    _, labels = connected_components(incidence, directed=False)
    return pl.DataFrame({"account_id": ids, "group": np.asarray(labels[:n], dtype=np.int64)})
