"""When accounts and items appeared, and what each item cost when (the optional ``price_history``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chengxin.demo.market_core import DAY, I64, Mask, Orders, Params, Population, created_before, first_use, i64, stream

_SHIFT = 2**33  # item * _SHIFT + time: one sortable key (times stay below 2^33 s, year 2242)


@dataclass
class Timeline:
    seller_created: I64
    buyer_created: I64
    item_created: I64


@dataclass
class Prices:
    """Price rows sorted by item and time; the first row of an item is its listing."""

    item: I64
    valid_from: I64
    price: I64
    promotion: Mask

    def at(self, item: I64, when: I64) -> I64:
        """The price in force for each (item, time); every item's first row precedes its first order."""
        key = self.item * _SHIFT + self.valid_from
        row = np.searchsorted(key, item * _SHIFT + when, side="right") - 1
        return i64(self.price[row])


def make_timeline(p: Params, pop: Population, orders: Orders) -> Timeline:
    rng = stream(p.seed, 3)
    n_s, n_b, n_i = len(pop.seller_platform), len(pop.buyer_platform), len(pop.item_seller)
    seller_created = created_before(first_use(orders.seller, orders.created, n_s), p, rng)
    buyer_created = created_before(first_use(orders.buyer, orders.created, n_b), p, rng)
    first_sale = first_use(orders.item, orders.created, n_i)
    opened = seller_created[pop.item_seller]
    limit = np.where(first_sale >= 0, first_sale, p.t1) - 60
    item_created = opened + (rng.random(n_i) * (limit - opened)).astype(np.int64)
    return Timeline(seller_created, buyer_created, i64(item_created))


def _sorted(item: I64, when: I64, price: I64, promotion: Mask) -> Prices:
    order = np.lexsort((when, item))
    item, when, price, promotion = item[order], when[order], price[order], promotion[order]
    fresh = np.ones(len(item), dtype=np.bool_)
    fresh[1:] = (item[1:] != item[:-1]) | (when[1:] != when[:-1])
    return Prices(item[fresh], when[fresh], price[fresh], promotion[fresh])


def _round(fen: np.ndarray) -> I64:
    return i64(np.maximum(1, np.round(fen / 10.0) * 10))


def make_prices(p: Params, pop: Population, timeline: Timeline) -> Prices:
    """The listing price, a few changes, and a discount before the biggest promotion day for some items
    (restored the day after). Items of ¥1 or less keep their price."""
    rng = stream(p.seed, 4)
    n_i = len(pop.item_seller)
    base, born = pop.item_price, timeline.item_created
    fixed = base <= 100
    n_changes = np.where(fixed, 0, rng.choice(4, n_i, p=[0.4, 0.3, 0.2, 0.1]))
    c_item = i64(np.repeat(np.arange(n_i), n_changes))
    span = np.maximum(p.t1 - born[c_item] - 120, 1)
    c_time = born[c_item] + 60 + (rng.random(len(c_item)) * span).astype(np.int64)
    c_price = _round(base[c_item] * rng.uniform(0.85, 1.2, len(c_item)))

    peak = p.t0 + pop.peak_day * DAY
    on_sale = ~fixed & (born < peak - 11 * DAY) & (rng.random(n_i) < 0.4)
    s_item = i64(np.flatnonzero(on_sale))
    begin = np.zeros(n_i, dtype=np.int64)
    begin[s_item] = peak - rng.integers(1, 11, len(s_item)) * DAY
    stop = peak + DAY
    inside = on_sale[c_item] & (c_time >= begin[c_item] - DAY) & (c_time <= stop + DAY)
    c_item, c_time, c_price = c_item[~inside], c_time[~inside], c_price[~inside]
    listed = np.arange(n_i, dtype=np.int64)
    regular = _sorted(
        i64(np.concatenate([listed, c_item])), i64(np.concatenate([born, c_time])),
        i64(np.concatenate([base, c_price])), np.zeros(n_i + len(c_item), dtype=np.bool_),
    )
    s_begin = begin[s_item]
    s_price = _round(regular.at(s_item, s_begin) * rng.uniform(0.6, 0.9, len(s_item)))
    back = s_item if stop < p.t1 else s_item[:0]
    back_time = np.full(len(back), stop, dtype=np.int64)
    return _sorted(
        i64(np.concatenate([regular.item, s_item, back])),
        i64(np.concatenate([regular.valid_from, s_begin, back_time])),
        i64(np.concatenate([regular.price, s_price, regular.at(back, back_time)])),
        np.concatenate([regular.promotion, np.ones(len(s_item), dtype=np.bool_), np.zeros(len(back), dtype=np.bool_)]),
    )


def price_orders(orders: Orders, prices: Prices) -> None:
    orders.amount = prices.at(orders.item, orders.created) * orders.quantity
