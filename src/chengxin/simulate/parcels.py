"""空包裹代发: waybills bought from an empty-parcel service (空包网) for fake orders.

A service works through a few real outlets of a carrier — outlets that also collect honest sellers'
parcels — and sells waybill numbers with a made-up trip: often a weight far too low for the goods
(10-150 g), and tracking with no real movement (collected then signed; no arrival at the destination;
a detour through a county that is on no route; or never leaving the origin), signed sooner than the
distance allows. The rest copy a plausible weight and a plausible five-scan trip. Some numbers are sold
again: one waybill serves two to four orders.
"""

from __future__ import annotations

import numpy as np

from chengxin.demo import market_data as md
from chengxin.demo.market_core import HOUR, I64, Mask, i64
from chengxin.simulate.ctx import WEIGHT_MEDIAN, Batch, Ctx

HUB = 900


def services(ctx: Ctx) -> list[tuple[int, int, int]]:
    """A few empty-parcel services, each at an outlet some honest seller ships from."""
    if not ctx.services:
        k = max(4, min(12, ctx.n_s // 250))
        for s in ctx.rng.choice(ctx.n_s, k, replace=False).tolist():
            ctx.services.append((int(ctx.pop.seller_carrier[s]), int(ctx.pop.seller_division[s]), s % 37 + 1))
    return ctx.services


def empty_parcels(ctx: Ctx, batch: Batch, mask: Mask) -> None:
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    rng, kn, pop = ctx.rng, ctx.knobs, ctx.pop
    svc = np.array(services(ctx), dtype=np.int64)
    seller, buyer = batch.seller[idx], batch.buyer[idx]
    n = len(idx)
    choice = (seller * 7 + (rng.random(n) < 0.3)) % len(svc)  # a seller keeps to one or two services
    order = np.lexsort((batch.created[idx], choice))
    idx, seller, buyer, choice = idx[order], seller[order], buyer[order], choice[order]
    reuse = np.zeros(n, dtype=np.bool_)
    reuse[1:] = (choice[1:] == choice[:-1]) & (rng.random(n - 1) < 0.15)
    host = np.maximum.accumulate(np.where(reuse, 0, np.arange(n)))
    hosts = np.flatnonzero(~reuse)
    w = ctx.new_waybills(len(hosts))
    batch.waybill[idx] = w[np.searchsorted(hosts, host)]

    h = idx[hosts]
    m = len(h)
    carrier, s_div, s_num = svc[choice[hosts], 0], svc[choice[hosts], 1], svc[choice[hosts], 2]
    origin = i64(np.where(rng.random(m) < 0.7, s_div, pop.seller_division[seller[hosts]]))
    dest = ctx.buyer_division(buyer[hosts])
    grams = WEIGHT_MEDIAN[pop.item_category[batch.item[h]]] * rng.lognormal(0.0, 0.5, m) * batch.quantity[h] ** 0.8
    weight = i64(np.where(rng.random(m) < kn.obvious_weight, rng.integers(10, 151, m), np.maximum(20, grams)))
    paid, shipped = batch.paid[h], batch.shipped[h]
    ctx.waybills.add(waybill=w, carrier=carrier, origin=origin, dest=dest, weight=weight,
                     created=paid + ((shipped - paid) * rng.uniform(0.2, 0.9, m)).astype(np.int64))

    broken = rng.random(m) < kn.broken_tracking
    variant = np.where(broken, rng.integers(0, 4, m), 4)
    fast = shipped + rng.integers(3 * HOUR, 30 * HOUR, m)
    signed = i64(np.where(broken, fast, batch.signed[h]))
    batch.signed[h] = signed
    trip = signed - shipped
    at = [shipped, shipped + (trip * rng.uniform(0.05, 0.2, m)).astype(np.int64),
          shipped + (trip * rng.uniform(0.4, 0.7, m)).astype(np.int64),
          shipped + (trip * rng.uniform(0.75, 0.95, m)).astype(np.int64), signed]
    wrong = (dest + 1 + rng.integers(0, len(md.DIVISIONS) - 1, m)) % len(md.DIVISIONS)
    local_d = buyer[hosts] % 37 + 1
    # per variant: the scans (event type) present, and the division of each
    steps: dict[int, list[tuple[int, I64, I64]]] = {
        0: [(0, s_div, s_num), (4, dest, local_d)],
        1: [(0, s_div, s_num), (1, s_div, np.full(m, HUB)), (4, dest, local_d)],
        2: [(0, s_div, s_num), (1, s_div, np.full(m, HUB)), (2, i64(wrong), np.full(m, HUB)),
            (3, i64(wrong), local_d), (4, dest, local_d)],
        3: [(0, s_div, s_num), (1, s_div, np.full(m, HUB)), (2, s_div, np.full(m, HUB)), (3, s_div, local_d),
            (4, s_div, local_d)],
        4: [(0, s_div, s_num), (1, s_div, np.full(m, HUB)), (2, dest, np.full(m, HUB)), (3, dest, local_d),
            (4, dest, local_d)],
    }
    for v, scans in steps.items():
        on = variant == v
        for event, division, number in scans:
            ctx.add_tracking(w[on], at[event][on], np.full(int(on.sum()), event), division[on], carrier[on],
                             number[on])
    ctx.label("empty_parcel", "waybill", "waybill", w)
    ctx.label("empty_parcel", "order", "order", batch.o[idx])
