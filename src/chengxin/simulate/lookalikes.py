"""Honest behaviour that looks like fraud at first sight, added to (or made visible in) the honest data.

* flash-sale crowds: on a promotion day, hundreds of ordinary buyers of a popular shop order one item
  within an hour (秒杀);
* same-city deliveries: a third of the parcels whose seller and buyer are in the same county are
  signed within hours;
* already in the honest generator and kept: loyal repeat buyers (one buyer, one shop, many orders),
  families sharing a device, address and home IP, busy outlets and sorting hubs, light goods (小商品
  of 20-100 g), small shops with few buyers, honest bad ratings; bad products (``reviews``), prices
  raised long before a promotion or without one (``prices``) and heavy honest shoppers (``traffic``).
"""

from __future__ import annotations

import numpy as np

from chengxin.demo.market_core import DAY, HOUR, i64
from chengxin.simulate.ctx import Ctx


def same_city(ctx: Ctx) -> int:
    """Honest parcels within one county signed within hours (before ratings and tracking are made)."""
    od, pop, rng = ctx.od, ctx.pop, ctx.rng
    near = (od.signed >= 0) & (pop.seller_division[od.seller] == pop.buyer_division[od.buyer])
    fast = np.flatnonzero(near & (rng.random(len(od)) < 0.35))
    od.signed[fast] = od.shipped[fast] + rng.integers(2 * HOUR, 8 * HOUR, len(fast))
    return int(len(fast))


def flash_crowds(ctx: Ctx) -> int:
    rng, pop, p = ctx.rng, ctx.pop, ctx.p
    days = np.flatnonzero(pop.spike_day)
    total = 0
    for plat in range(p.platforms):
        lo = int(np.searchsorted(pop.seller_platform, plat, side="left"))
        hi = int(np.searchsorted(pop.seller_platform, plat, side="right"))
        counts = np.bincount(ctx.od.seller, minlength=ctx.n_s)[lo:hi]
        popular = lo + np.argsort(-counts)[: max(1, (hi - lo) // 20)]
        popular = np.array([s for s in popular.tolist() if s not in ctx.taken] or popular.tolist())
        seller = int(rng.choice(popular))
        day = int(rng.choice(days)) if len(days) else pop.peak_day
        n = int(rng.integers(150, 601)) * max(1, p.orders // 1_000_000)
        b_lo, b_hi = int(pop.buyer_offsets[plat]), int(pop.buyer_offsets[plat + 1])
        buyers = i64(rng.choice(np.arange(b_lo, b_hi), min(n, b_hi - b_lo), replace=False))
        n = len(buyers)
        i_lo, i_hi = int(pop.item_offsets[seller]), int(pop.item_offsets[seller + 1])
        goods = np.arange(i_lo, i_hi)
        goods = goods[pop.item_category[goods] < pop.item_category.max()]
        star = int(rng.choice(goods)) if len(goods) else i_lo
        item = i64(np.where(rng.random(n) < 0.85, star, rng.integers(i_lo, i_hi, n)))
        item = i64(np.where(pop.item_category[item] == pop.item_category.max(), star, item))
        hour = int(rng.choice([0, 10, 20]))
        created = i64(p.t0 + day * DAY + hour * HOUR + rng.beta(1.2, 4.0, n) * HOUR)
        batch = ctx.add_orders(np.full(n, seller), buyers, item, created, quantity=np.ones(n, dtype=np.int64))
        ctx.rate_like_honest(batch.o, batch.status, batch.deal())
        ctx.browse_before(batch.o, buyers, batch.seller, item, created)
        ctx.taken.add(seller)
        total += n
    return total
