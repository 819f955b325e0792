"""先涨后降: a "discount" made by first raising the price, in ``price_history`` (and so in order amounts).

A price-fraud item is raised by 20-100 % (sometimes in two steps) one to five weeks before the biggest
promotion, then "discounted" for the promotion to a price at or above its price before the raise;
after the promotion it keeps the raised price or drops back. Look-alikes: honest items raised long
(two to five months) before the promotion and then really discounted, and honest items raised in the
weeks before the promotion with no promotion at all.

The definition labels follow: an item with a promotion price ``P`` from time ``T`` such that, with
``R`` the price in force at ``T − 42 days``, some price in ``(T − 42 days, T)`` was at least ``1.2 R``
and ``P ≥ R``. Honest items that would meet it by chance (two random raises before a shallow
discount) get a deeper discount instead, so labels and data agree.
"""

from __future__ import annotations

import numpy as np

from chengxin.demo.market_core import DAY, I64, Mask, i64
from chengxin.demo.market_prices import Prices
from chengxin.simulate.ctx import Ctx

WINDOW = 42 * DAY
_SHIFT = 2**33


def _sorted(item: I64, when: I64, price: I64, promotion: Mask) -> Prices:
    order = np.lexsort((when, item))
    item, when, price, promotion = item[order], when[order], price[order], promotion[order]
    fresh = np.ones(len(item), dtype=np.bool_)
    fresh[1:] = (item[1:] != item[:-1]) | (when[1:] != when[:-1])
    return Prices(i64(item[fresh]), i64(when[fresh]), i64(price[fresh]), promotion[fresh])


def _round_up(fen: np.ndarray) -> I64:
    return i64(np.maximum(10, np.ceil(fen / 10.0) * 10))


def _at(prices: Prices, item: I64, when: I64) -> I64:
    """The price in force (``when`` at or after the item's listing)."""
    first = np.searchsorted(prices.item, item, side="left")
    when = np.maximum(when, prices.valid_from[first])
    return prices.at(item, i64(when))


def inject(ctx: Ctx, prices: Prices) -> tuple[Prices, dict[str, int]]:
    rng, pop, p = ctx.rng, ctx.pop, ctx.p
    peak = p.t0 + pop.peak_day * DAY
    n_i = len(pop.item_seller)
    first = np.searchsorted(prices.item, np.arange(n_i), side="left")
    born = prices.valid_from[first]
    cut = max(p.t0 + DAY, peak - 160 * DAY)  # rows of touched items from here on are rewritten
    ok = (pop.item_price > 1000) & (born < cut) & (pop.item_category < pop.item_category.max())
    ok &= peak + DAY < p.t1
    sellers_ok = np.array([s not in ctx.taken for s in range(ctx.n_s)])
    ok &= sellers_ok[pop.item_seller]
    if ok.sum() < 10:
        return _fix_honest(prices, np.zeros(0, np.int64)), {"price_fraud_items": 0}
    # fraud: sellers with one to five items each, about 0.5% of the priced items
    target = max(3, round(0.005 * ok.sum()))
    fraud_l: list[int] = []
    for s in rng.permutation(np.unique(pop.item_seller[ok])).tolist():
        mine = np.flatnonzero(ok & (pop.item_seller == s))
        fraud_l.extend(rng.choice(mine, min(len(mine), int(rng.integers(1, 6))), replace=False).tolist())
        ctx.taken.add(int(s))
        if len(fraud_l) >= target:
            break
    fraud = i64(fraud_l)
    rest = np.flatnonzero(ok & ~np.isin(np.arange(n_i), fraud))
    k = min(len(rest), max(2, round(0.004 * ok.sum())))
    early, silent = np.array_split(rng.choice(rest, 2 * (k // 2), replace=False), 2)
    touched = np.concatenate([fraud, early, silent])
    keep = ~(np.isin(prices.item, touched) & (prices.valid_from >= cut))
    base = Prices(prices.item[keep], prices.valid_from[keep], prices.price[keep], prices.promotion[keep])
    rows: list[tuple[I64, I64, I64, Mask]] = [(base.item, base.valid_from, base.price, base.promotion)]

    def add(item: I64, when: I64, price: I64, promo: bool) -> None:
        rows.append((i64(item), i64(when), i64(price), np.full(len(item), promo)))

    kn = ctx.knobs
    # fraud: raise within weeks before the promotion, then "discount" to at least the old price
    n = len(fraud)
    p0 = _at(base, fraud, np.full(n, cut))
    begin = peak - rng.integers(1, 11, n) * DAY
    lead = np.minimum(rng.integers(kn.raise_weeks[0] * 7, kn.raise_weeks[1] * 7 + 1, n) * DAY, 36 * DAY)
    raised_at = np.maximum(begin - lead, cut + 7 * DAY)
    factor = rng.uniform(1.2, 2.0, n)
    two = rng.random(n) < (0.3 if kn.raise_weeks[1] >= 5 else 0.0)
    add(fraud[two], raised_at[two] - rng.integers(3, 6, int(two.sum())) * DAY,
        _round_up(p0[two] * np.sqrt(factor[two])), False)
    raised = _round_up(p0 * factor)
    add(fraud, raised_at + rng.integers(0, 20 * 3600, n), raised, False)
    add(fraud, begin, _round_up(p0 * rng.uniform(1.0, 1.12, n)), True)
    after = np.where(rng.random(n) < 0.5, raised, _round_up(p0 * rng.uniform(1.0, 1.08, n)))
    add(fraud, np.full(n, peak + DAY), after, False)
    # look-alike: raised months before, then a real discount
    m = len(early)
    q0 = _at(base, early, np.full(m, cut))
    e_raised = _round_up(q0 * rng.uniform(1.2, 1.6, m))
    e_begin = peak - rng.integers(1, 11, m) * DAY
    add(early, np.maximum(peak - rng.integers(60, 150, m) * DAY, cut + DAY), e_raised, False)
    add(early, e_begin, _round_up(np.minimum(e_raised * rng.uniform(0.6, 0.9, m), q0 * 0.95)), True)
    add(early, np.full(m, peak + DAY), e_raised, False)
    # look-alike: raised before the promotion, no promotion
    m2 = len(silent)
    r0 = _at(base, silent, np.full(m2, cut))
    s_at = np.maximum(peak - rng.integers(7, 36, m2) * DAY, cut + DAY)
    add(silent, s_at, _round_up(r0 * rng.uniform(1.2, 2.0, m2)), False)
    cat = [np.concatenate([r[k] for r in rows]) for k in range(4)]
    out = _sorted(i64(cat[0]), i64(cat[1]), i64(cat[2]), cat[3].astype(np.bool_))
    out = _fix_honest(out, fraud)
    ctx.label("price_fraud", "item", "item", fraud)
    return out, {"price_fraud_items": int(n), "raised_early": int(m), "raised_no_promotion": int(m2)}


def matches(prices: Prices) -> Mask:
    """Per price row: a promotion row meeting the definition above."""
    item, when, price = prices.item, prices.valid_from, prices.price
    promo = np.flatnonzero(prices.promotion)
    ref = _at(prices, item[promo], when[promo] - WINDOW)
    top = np.zeros(len(promo), dtype=np.int64)
    for back in range(1, 10):
        j = promo - back
        same = (j >= 0) & (item[np.maximum(j, 0)] == item[promo]) & (when[np.maximum(j, 0)] > when[promo] - WINDOW)
        top = np.where(same & ~prices.promotion[np.maximum(j, 0)], np.maximum(top, price[np.maximum(j, 0)]), top)
    hit = (top >= 1.2 * ref) & (price[promo] >= ref)
    out = np.zeros(len(item), dtype=np.bool_)
    out[promo[hit]] = True
    return out


def _fix_honest(prices: Prices, fraud: I64) -> Prices:
    """Honest promotion rows that meet the definition by chance get a deeper discount."""
    hit = np.flatnonzero(matches(prices) & ~np.isin(prices.item, fraud))
    if len(hit):
        ref = _at(prices, prices.item[hit], prices.valid_from[hit] - WINDOW)
        price = prices.price.copy()
        price[hit] = np.maximum(10, (ref * 0.85 // 10) * 10)
        prices = Prices(prices.item, prices.valid_from, i64(price), prices.promotion)
    return prices


def fraud_items(prices: Prices) -> I64:
    return i64(np.unique(prices.item[matches(prices)]))


__all__ = ["inject", "matches", "fraud_items", "_SHIFT"]
