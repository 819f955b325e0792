"""``simulate_market``: an honest synthetic marketplace with fraud injected, and the labels of the fraud.

Steps: the honest model (``chengxin.demo.market``) → price fraud in its price history (before the
orders are priced, so amounts follow) → same-city look-alikes → brushing rings (with empty parcels) →
malicious-review campaigns and bad products → fake traffic → flash-sale crowds → ids for everything
from shuffled ranges → each table written in chunks, injected rows merged in time order among the
honest ones → ``labels.<fmt>`` (detector, entity_type, entity_id) as MARKETPLACE.md defines them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from chengxin.demo import market_frames as mf
from chengxin.demo.market import ALL_TABLES, CSV_TIME, Market
from chengxin.demo.market_core import Params, i64
from chengxin.demo.market_links import EVENT_TYPES as TRAFFIC_EVENTS
from chengxin.demo.market_logistics import DIVISION_CODES
from chengxin.demo.market_logistics import EVENT_TYPES as SCAN_EVENTS
from chengxin.demo.market_ratings import DIRECTIONS, KINDS, SCORES
from chengxin.simulate import brushing, lookalikes, prices, reviews, traffic
from chengxin.simulate.ctx import DIFFICULTIES, LINK_TYPES, Ctx
from chengxin.simulate.ids import ExtNamer, Space, make_space

CHUNK_ROWS = 500_000
Fmt = Literal["parquet", "csv"]


def simulate_market(
    out: Path, *, seed: int = 7, platforms: int = 3, sellers: int = 2000, buyers: int = 30000,
    orders: int = 200_000, start: date = date(2025, 1, 1), end: date = date(2025, 12, 31),
    difficulty: str = "default", fmt: Fmt = "parquet", merchant_usccs: Sequence[str] = (),
    carriers: Sequence[str] = (),
) -> dict[str, object]:
    """Write the nine tables and ``labels`` into ``out``; a summary (rows per table, labels per
    detector and entity type, what was injected). ``merchant_usccs`` and ``carriers``: as for
    ``generate_market`` (the shops' companies from the busiest shop down; the carriers' USCCs)."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}, not {difficulty!r}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be parquet or csv, not {fmt!r}")
    if end < start or orders < 1000 or sellers < 50 * platforms or buyers < 500 * platforms:
        raise ValueError("need end >= start, at least 1000 orders, 50 sellers and 500 buyers per platform")
    params = Params(seed, platforms, sellers, buyers, orders, start, end, tuple(merchant_usccs), tuple(carriers))
    market = Market(params)
    ctx = Ctx(market, DIFFICULTIES[difficulty], seed, np.random.default_rng([seed, 1001]))
    injected: dict[str, int] = {}
    new_prices, stats = prices.inject(ctx, market.prices)
    market.__dict__["prices"] = new_prices  # before the orders are priced: amounts follow
    injected.update(stats)
    injected["same_city_fast"] = lookalikes.same_city(ctx)
    injected.update(brushing.inject(ctx))
    injected.update(reviews.inject(ctx))
    injected.update(traffic.inject(ctx))
    injected["flash_crowd_orders"] = lookalikes.flash_crowds(ctx)
    n_r = len(market.ratings)
    space = make_space(seed, ctx.all_buyer_platforms(), ctx.n_o + len(ctx.orders), n_r + ctx.rating_offsets,
                       ctx.n_w + len(ctx.waybills))
    namer = ExtNamer(market.pop, market.orders, space)
    market.__dict__["namer"] = namer
    extra = _Injected(ctx, namer, space, n_r)
    out.mkdir(parents=True, exist_ok=True)
    rows = {name: _write(_table(market, ctx, namer, extra, name), out / f"{name}.{fmt}", fmt) for name in ALL_TABLES}
    labels = extra.labels()
    rows["labels"] = _write(iter([labels]), out / f"labels.{fmt}", fmt)
    per = labels.group_by("detector", "entity_type").len().sort("detector", "entity_type")
    return {
        "seed": seed, "difficulty": difficulty, "format": fmt, "rows": rows,
        "labels": {f"{d}/{t}": int(k) for d, t, k in per.iter_rows()}, "injected": injected,
    }


def _times(seconds: np.ndarray) -> pl.Series:
    return mf.times(i64(seconds))


class _Injected:
    """The injected rows as contract frames (ids from the shared ``Space``)."""

    def __init__(self, ctx: Ctx, namer: ExtNamer, space: Space, n_r: int) -> None:
        self.ctx, self.namer, self.space, self.n_r = ctx, namer, space, n_r
        od = ctx.orders
        self.o_seller, self.o_buyer = od.get("seller"), od.get("buyer")
        wb = ctx.waybills
        self.w_carrier = np.zeros(len(wb), dtype=np.int64)
        self.w_carrier[wb.get("waybill") - ctx.n_w] = wb.get("carrier")

    def waybill_ids(self, w: np.ndarray) -> pl.Series:
        carrier = self.w_carrier[np.maximum(w - self.ctx.n_w, 0)]
        prefix = mf.choose(self.ctx.market.prefixes, i64(np.where(w >= 0, carrier, -1))).fill_null("")
        return self.namer.waybill_of(prefix, i64(w))

    def order_ids(self, o: np.ndarray) -> pl.Series:
        seller = self.o_seller[o - self.ctx.n_o]
        return self.namer.order_of(self.ctx.pop.seller_platform[seller], i64(o))

    def accounts(self) -> pl.DataFrame:
        a = self.ctx.accounts
        b = a.get("buyer")
        return pl.DataFrame({
            "account_id": self.namer.buyer(b), "platform_id": mf.platform_ids(a.get("platform")),
            "role": pl.Series(["buyer"] * len(b), dtype=pl.String), "created_at": _times(a.get("created")),
            "subject_id": pl.Series([None] * len(b), dtype=pl.String),
        })

    def account_links(self) -> pl.DataFrame:
        lk = self.ctx.links
        acc, seller = lk.get("account"), lk.get("seller", np.bool_)
        sid = self.namer.seller(np.where(seller, acc, 0))
        bid = self.namer.buyer(np.where(seller, 0, acc))
        return pl.DataFrame({
            "account_id": pl.select(pl.when(pl.Series(seller)).then(sid).otherwise(bid)).to_series(),
            "link_type": mf.choose(LINK_TYPES, lk.get("link_type")),
            "value": pl.Series(self.ctx.values).gather(lk.get("value")),
            "seen_at": _times(lk.get("seen")),
        })

    def orders(self) -> pl.DataFrame:
        od, n = self.ctx.orders, self.namer
        o, seller = od.get("order"), self.o_seller
        return pl.DataFrame({
            "order_id": self.order_ids(o), "platform_id": mf.platform_ids(self.ctx.pop.seller_platform[seller]),
            "buyer_account_id": n.buyer(self.o_buyer), "seller_account_id": n.seller(seller),
            "item_id": n.item(od.get("item")), "quantity": pl.Series(od.get("quantity")),
            "amount_fen": pl.Series(od.get("amount")), "created_at": _times(od.get("created")),
            "paid_at": _times(od.get("paid")), "shipped_at": _times(od.get("shipped")),
            "signed_at": _times(od.get("signed")), "waybill_no": self.waybill_ids(od.get("waybill")),
            "status": mf.choose(("completed", "refunded", "cancelled"), od.get("status")),
        })

    def ratings(self) -> pl.DataFrame:
        r, n = self.ctx.ratings, self.namer
        o = r.get("order")
        b2s = r.get("direction") == 0
        seller, buyer = self.o_seller[o - self.ctx.n_o], self.o_buyer[o - self.ctx.n_o]
        order_ids = self.order_ids(o)
        sid, bid = n.seller(seller), n.buyer(buyer)
        dsr = r.get("dsr").reshape(-1, 3) if len(r) else np.zeros((0, 3), np.int64)
        texts = pl.Series(self.ctx.texts, dtype=pl.String)
        t = r.get("text")
        return pl.DataFrame({
            "rating_id": n.rating_of(order_ids, i64(self.n_r + r.get("rating"))), "order_id": order_ids,
            "rater_account_id": pl.select(pl.when(pl.Series(b2s)).then(bid).otherwise(sid)).to_series(),
            "ratee_account_id": pl.select(pl.when(pl.Series(b2s)).then(sid).otherwise(bid)).to_series(),
            "direction": mf.choose(DIRECTIONS, r.get("direction")), "kind": mf.choose(KINDS, r.get("kind")),
            "score": mf.choose(SCORES, r.get("score")),
            **{name: pl.select(pl.when(pl.Series(dsr[:, k]) > 0).then(pl.Series(dsr[:, k]))).to_series()
               for k, name in enumerate(("dsr_description", "dsr_service", "dsr_logistics"))},
            "text": pl.select(pl.when(pl.Series(t) >= 0).then(texts.gather(np.maximum(t, 0)))).to_series(),
            "created_at": _times(r.get("created")),
        })

    def waybills(self) -> pl.DataFrame:
        wb = self.ctx.waybills
        return pl.DataFrame({
            "waybill_no": self.waybill_ids(wb.get("waybill")),
            "carrier_uscc": mf.choose(self.ctx.pop.carrier_usccs, wb.get("carrier")),
            "origin_division": mf.choose(DIVISION_CODES, wb.get("origin")),
            "dest_division": mf.choose(DIVISION_CODES, wb.get("dest")),
            "weight_g": pl.Series(i64(wb.get("weight"))), "created_at": _times(wb.get("created")),
        })

    def tracking_events(self) -> pl.DataFrame:
        tr = self.ctx.tracking
        return pl.DataFrame({
            "waybill_no": self.waybill_ids(tr.get("waybill")), "event_time": _times(tr.get("time")),
            "event_type": mf.choose(SCAN_EVENTS, tr.get("event")),
            "division": mf.choose(DIVISION_CODES, tr.get("division")),
            "outlet_id": pl.Series(self.ctx.outlets, dtype=pl.String).gather(tr.get("outlet")),
        })

    def traffic(self) -> pl.DataFrame:
        tf, texts = self.ctx.traffic, pl.Series(self.ctx.texts, dtype=pl.String)
        item = tf.get("item")
        ids = self.namer.item(np.maximum(item, 0))
        return pl.DataFrame({
            "visitor_id": texts.gather(tf.get("visitor")), "seller_account_id": self.namer.seller(tf.get("seller")),
            "item_id": pl.select(pl.when(pl.Series(item >= 0)).then(ids)).to_series(),
            "event_time": _times(tf.get("time")), "event_type": mf.choose(TRAFFIC_EVENTS, tf.get("event")),
            "ip": texts.gather(tf.get("ip")), "device": texts.gather(tf.get("device")),
        }).unique(TRAFFIC_KEY, keep="first", maintain_order=True)  # one event per key, as the contract keys it

    def labels(self) -> pl.DataFrame:
        parts = []
        rating_ids = self.ratings().select("rating_id").with_row_index("_i")
        rating_pos = self.ctx.ratings.get("rating")
        for detector, entity_type, kind, index in self.ctx.labels:
            if kind == "seller":
                ids = self.namer.seller(index)
            elif kind == "buyer":
                ids = self.namer.buyer(index)
            elif kind == "order":
                ids = self.order_ids(index)
            elif kind == "rating":
                ids = rating_ids["rating_id"].gather(np.searchsorted(rating_pos, index))
            elif kind == "waybill":
                ids = self.waybill_ids(index)
            elif kind == "item":
                ids = self.namer.item(index)
            else:
                ids = pl.Series(self.ctx.texts, dtype=pl.String).gather(index)
            parts.append(pl.DataFrame({"detector": detector, "entity_type": entity_type, "entity_id": ids}))
        return pl.concat(parts).unique().sort("detector", "entity_type", "entity_id")


# --- writing ----------------------------------------------------------------------------------------

TRAFFIC_KEY = ["visitor_id", "seller_account_id", "item_id", "event_time", "event_type"]


def _honest(market: Market, name: str) -> Iterator[tuple[int, int, pl.DataFrame]]:
    table = market.table(name)
    step = max(1, CHUNK_ROWS // table.per_unit)
    for lo in range(0, max(table.units, 1), step):
        hi = min(lo + step, table.units)
        yield lo, hi, table.build(lo, hi)


def _merge(chunks: Iterator[pl.DataFrame], extra: pl.DataFrame, key: str,
           by: list[str] | None = None) -> Iterator[pl.DataFrame]:
    """Honest chunks with the injected rows of their time span merged in, each chunk sorted by ``by``."""
    by = by or [key]
    extra = extra.sort(key)
    keys = extra[key].to_physical().to_numpy()
    pos, ahead = 0, next(chunks, None)
    while ahead is not None:
        chunk, ahead = ahead, next(chunks, None)
        top = int(chunk[key].to_physical().max() or 0)  # type: ignore[arg-type]
        end = len(extra) if ahead is None else int(np.searchsorted(keys, top, "right"))
        part = extra.slice(pos, max(0, end - pos)).select([pl.col(c).cast(t) for c, t in chunk.schema.items()])
        pos = max(pos, end)
        yield pl.concat([chunk, part]).sort(by, maintain_order=True)


def _table(market: Market, ctx: Ctx, namer: ExtNamer, extra: _Injected, name: str) -> Iterator[pl.DataFrame]:
    od = market.orders
    if name in ("accounts", "account_links"):
        honest = pl.concat([f for _, _, f in _honest(market, name)])
        add = extra.accounts() if name == "accounts" else extra.account_links()
        both = pl.concat([honest, add.select([pl.col(c).cast(t) for c, t in honest.schema.items()])])
        if name == "accounts":
            return iter([both.sort("account_id")])
        rank = pl.col("link_type").replace_strict(LINK_TYPES, list(range(5)), return_dtype=pl.Int64)
        return iter([both.sort([pl.col("account_id"), rank, pl.col("value")])])
    if name in ("items", "price_history"):
        return (f for _, _, f in _honest(market, name))
    if name == "orders":
        chunks = (f.with_columns(namer.waybill_of(f["waybill_no"].str.head(-12).fill_null(""),
                                                  i64(od.waybill[lo:hi])).alias("waybill_no"))
                  for lo, hi, f in _honest(market, name))
        return _merge(chunks, extra.orders(), "created_at")
    if name == "ratings":
        chunks = (f.with_columns(namer.rating_of(f["order_id"], i64(np.arange(lo, hi))).alias("rating_id"))
                  for lo, hi, f in _honest(market, name))
        return _merge(chunks, extra.ratings(), "created_at")
    if name == "waybills":
        chunks = (f.with_columns(namer.waybill_of(f["waybill_no"].str.head(-12), i64(np.arange(lo, hi))))
                  for lo, hi, f in _honest(market, name))
        return _merge(chunks, extra.waybills(), "created_at")
    if name == "tracking_events":
        first = pl.col("event_time").min().over("waybill_no").alias("_k")
        chunks = (f.with_columns(namer.waybill_of(f["waybill_no"].str.head(-12),
                                                  i64(np.repeat(np.arange(lo, hi), 5)))).with_columns(first)
                  for lo, hi, f in _honest(market, name))
        added = extra.tracking_events().with_columns(first)
        return (f.drop("_k") for f in _merge(chunks, added, "_k", ["_k", "waybill_no", "event_time"]))
    if name == "traffic":
        return _merge((f for _, _, f in _honest(market, name)), extra.traffic(), "event_time")
    raise ValueError(f"unknown table {name!r}")


def _write(frames: Iterator[pl.DataFrame], path: Path, fmt: Fmt) -> int:
    rows = 0
    if fmt == "csv":
        with path.open("wb") as out:
            for k, frame in enumerate(frames):
                frame.write_csv(out, include_header=k == 0, datetime_format=CSV_TIME)
                rows += frame.height
        return rows
    writer = None
    try:
        for frame in frames:
            arrow = frame.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, arrow.schema, compression="zstd")
            writer.write_table(arrow.cast(writer.schema))
            rows += frame.height
    finally:
        if writer is not None:
            writer.close()
    return rows
