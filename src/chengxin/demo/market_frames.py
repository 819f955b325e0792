"""The contract's tables (../shared/contracts/MARKETPLACE.md) from the numeric market, a row range at a time.

Ids: platforms ``P01``…; accounts ``P01-S000123`` (seller) and ``P02-B004567`` (buyer), numbered across the
whole dataset; items ``P01-I0000042``; orders ``P01-O…`` and ratings ``P01-R…`` with twelve scrambled
digits (an affine bijection of the row number, so unique without looking sequential). Times are UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from chengxin.demo.market_core import CATEGORY_NAMES, I64, NULL, STATUSES, Mask, Orders, Population
from chengxin.demo.market_prices import Prices, Timeline
from chengxin.demo.market_ratings import DIRECTIONS, KINDS, SCORES, TEXT_POOL, Ratings

UTC_TIME = pl.Datetime("us", "UTC")
TWELVE = 10**12


@dataclass(frozen=True)
class Table:
    """``units`` rows of the numeric model; ``build(lo, hi)`` gives the frame of units [lo, hi), which may
    be ``per_unit`` rows each (a waybill has five tracking events)."""

    units: int
    build: Callable[[int, int], pl.DataFrame]
    per_unit: int = 1


def scramble(index: I64, multiplier: int, offset: int) -> I64:
    """A bijection of [0, 10^12): unique twelve-digit numbers that do not count up."""
    return (index * multiplier + offset) % TWELVE


def width(n: int, least: int) -> int:
    return max(least, len(str(max(n - 1, 0))))


def ids(platform: I64, letter: str, number: I64, digits: int, valid: Mask | None = None) -> pl.Series:
    ok = np.ones(len(number), dtype=np.bool_) if valid is None else valid
    frame = pl.DataFrame({"p": platform + 1, "n": number, "v": ok})
    text = pl.format(
        "P{}-" + letter + "{}", pl.col("p").cast(pl.String).str.zfill(2), pl.col("n").cast(pl.String).str.zfill(digits)
    )
    return frame.select(pl.when(pl.col("v")).then(text)).to_series()


def platform_ids(platform: I64) -> pl.Series:
    frame = pl.DataFrame({"p": platform + 1})
    return frame.select(pl.format("P{}", pl.col("p").cast(pl.String).str.zfill(2))).to_series()


def times(seconds: I64) -> pl.Series:
    s = pl.Series(seconds * 1_000_000)
    return pl.select(pl.when(s >= 0).then(s).cast(UTC_TIME)).to_series()


def choose(labels: tuple[str, ...], codes: I64) -> pl.Series:
    """``labels[code]``, null where the code is NULL."""
    index = pl.Series(codes)
    return pl.Series(labels).gather(pl.select(pl.when(index >= 0).then(index)).to_series())


@dataclass
class Namer:
    """Ids of the accounts, items and orders of one market."""

    pop: Population
    orders: Orders

    @property
    def seller_digits(self) -> int:
        return width(len(self.pop.seller_platform), 6)

    @property
    def buyer_digits(self) -> int:
        return width(len(self.pop.buyer_platform), 6)

    def seller(self, s: I64) -> pl.Series:
        return ids(self.pop.seller_platform[s], "S", s, self.seller_digits)

    def buyer(self, b: I64) -> pl.Series:
        return ids(self.pop.buyer_platform[b], "B", b, self.buyer_digits)

    def item(self, i: I64) -> pl.Series:
        return ids(self.pop.seller_platform[self.pop.item_seller[i]], "I", i, width(len(self.pop.item_seller), 7))

    def order(self, o: I64) -> pl.Series:
        return ids(self.pop.seller_platform[self.orders.seller[o]], "O", scramble(o, 48_271_000_001, 3_141_592_653), 12)


def accounts(namer: Namer, timeline: Timeline) -> Table:
    pop = namer.pop
    n_s, n_b = len(pop.seller_platform), len(pop.buyer_platform)

    def build(lo: int, hi: int) -> pl.DataFrame:
        s = np.arange(lo, min(hi, n_s), dtype=np.int64)
        b = np.arange(max(lo, n_s), hi, dtype=np.int64) - n_s
        return pl.DataFrame({
            "account_id": pl.concat([namer.seller(s), namer.buyer(b)]),
            "platform_id": platform_ids(np.concatenate([pop.seller_platform[s], pop.buyer_platform[b]])),
            "role": pl.Series(["seller"] * len(s) + ["buyer"] * len(b)),
            "created_at": times(np.concatenate([timeline.seller_created[s], timeline.buyer_created[b]])),
            "subject_id": pl.Series([pop.seller_subject[int(k)] for k in s] + [None] * len(b), dtype=pl.String),
        })

    return Table(n_s + n_b, build)


def items(namer: Namer) -> Table:
    pop = namer.pop

    def build(lo: int, hi: int) -> pl.DataFrame:
        i = np.arange(lo, hi, dtype=np.int64)
        return pl.DataFrame({
            "item_id": namer.item(i),
            "seller_account_id": namer.seller(pop.item_seller[i]),
            "category": choose(CATEGORY_NAMES, pop.item_category[i]),
            "list_price_fen": pl.Series(pop.item_price[i]),
        })

    return Table(len(pop.item_seller), build)


def waybill_numbers(pop: Population, orders: Orders, o: I64, prefixes: tuple[str, ...]) -> pl.Series:
    """The waybill number of orders ``o`` (null where nothing shipped): carrier prefix + twelve digits."""
    w = orders.waybill[o]
    carrier = carrier_of(pop, orders, o)
    digits = pl.Series(scramble(np.maximum(w, 0), 73_939_133_001, 2_718_281_828)).cast(pl.String).str.zfill(12)
    prefix = choose(prefixes, carrier)
    return pl.select(pl.when(pl.Series(w >= 0)).then(prefix + digits)).to_series()


def carrier_of(pop: Population, orders: Orders, o: I64) -> I64:
    """The seller's usual carrier, another one for one order in five (fixed by the order's number)."""
    n = len(pop.carrier_usccs)
    other = (o * 2_654_435_761 >> 7) % 5 == 0
    return np.where(other, (pop.seller_carrier[orders.seller[o]] + 1 + o % max(n - 1, 1)) % n,
                    pop.seller_carrier[orders.seller[o]])


def orders_table(namer: Namer, prefixes: tuple[str, ...]) -> Table:
    pop, od = namer.pop, namer.orders

    def build(lo: int, hi: int) -> pl.DataFrame:
        o = np.arange(lo, hi, dtype=np.int64)
        return pl.DataFrame({
            "order_id": namer.order(o),
            "platform_id": platform_ids(pop.seller_platform[od.seller[o]]),
            "buyer_account_id": namer.buyer(od.buyer[o]),
            "seller_account_id": namer.seller(od.seller[o]),
            "item_id": namer.item(od.item[o]),
            "quantity": pl.Series(od.quantity[o]),
            "amount_fen": pl.Series(od.amount[o]),
            "created_at": times(od.created[o]),
            "paid_at": times(od.paid[o]),
            "shipped_at": times(od.shipped[o]),
            "signed_at": times(od.signed[o]),
            "waybill_no": waybill_numbers(pop, od, o, prefixes),
            "status": choose(STATUSES, od.status[o]),
        })

    return Table(len(od), build)


def price_history(namer: Namer, prices: Prices) -> Table:
    def build(lo: int, hi: int) -> pl.DataFrame:
        return pl.DataFrame({
            "item_id": namer.item(prices.item[lo:hi]),
            "valid_from": times(prices.valid_from[lo:hi]),
            "price_fen": pl.Series(prices.price[lo:hi]),
            "promotion": pl.Series(prices.promotion[lo:hi]),
        })

    return Table(len(prices.item), build)


def ratings(namer: Namer, r: Ratings) -> Table:
    od = namer.orders

    def build(lo: int, hi: int) -> pl.DataFrame:
        o, b2s = r.order[lo:hi], r.direction[lo:hi] == 0
        buyer, seller = namer.buyer(od.buyer[o]), namer.seller(od.seller[o])
        plat = namer.pop.seller_platform[od.seller[o]]
        dsr = r.dsr[lo:hi]
        return pl.DataFrame({
            "rating_id": ids(plat, "R", scramble(np.arange(lo, hi, dtype=np.int64), 91_815_541_003, 1_618_033_988), 12),
            "order_id": namer.order(o),
            "rater_account_id": pl.select(pl.when(pl.Series(b2s)).then(buyer).otherwise(seller)).to_series(),
            "ratee_account_id": pl.select(pl.when(pl.Series(b2s)).then(seller).otherwise(buyer)).to_series(),
            "direction": choose(DIRECTIONS, r.direction[lo:hi]),
            "kind": choose(KINDS, r.kind[lo:hi]),
            "score": choose(SCORES, r.score[lo:hi]),
            **{
                name: pl.select(pl.when(pl.Series(dsr[:, k]) > 0).then(pl.Series(dsr[:, k]))).to_series()
                for k, name in enumerate(("dsr_description", "dsr_service", "dsr_logistics"))
            },
            "text": choose(TEXT_POOL, r.text[lo:hi]),
            "created_at": times(r.created[lo:hi]),
        })

    return Table(len(r), build)


__all__ = ["NULL", "Namer", "Table", "accounts", "items", "orders_table", "price_history", "ratings", "times"]
