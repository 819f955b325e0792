"""刷流量: bot visitors and paid clickers in the week of ``traffic``, and heavy honest shoppers.

* Bots (crawlers, view bots) run in farms of a few: each hits hundreds to thousands of items of many
  shops at a nearly fixed interval of a few seconds (many events a minute), views and some clicks, no
  cart, from its farm's few devices and IPs.
* Paid clickers (a click farm hired by one shop): 30-150 visitor ids from a handful of phones and IPs,
  in a few bursts of 10-40 minutes, viewing and clicking that shop's items with a dwell of seconds, no
  cart and no order.
* Look-alike: heavy honest shoppers — known buyers browsing hundreds of items of many shops over days,
  at human, irregular pace, with carts.
"""

from __future__ import annotations

import numpy as np

from chengxin.demo.market_core import DAY, HOUR, I64, i64, pick
from chengxin.simulate.ctx import Ctx, digest


def _fresh_visitors(ctx: Ctx, n: int) -> I64:
    return ctx.text([f"V{int(v):012d}" for v in ctx.rng.integers(0, 10**12, n)])


def _item_of(ctx: Ctx, seller: I64) -> I64:
    pop = ctx.pop
    item = pick(pop.item_cum, pop.item_offsets[seller], pop.item_offsets[seller + 1], ctx.rng)
    return i64(np.where(ctx.rng.random(len(seller)) < 0.05, -1, item))


def _values(ctx: Ctx, tag: str, count: int, pick_from: I64) -> I64:
    vals = ctx.text([digest(f"chengxin-sim:{ctx.seed}:{tag}:{k}") for k in range(count)])
    return i64(vals[pick_from])


def inject(ctx: Ctx) -> dict[str, int]:
    p = ctx.p
    since = max(p.t0, p.t1 - 7 * DAY)
    bought = int((ctx.od.created >= since).sum())
    n_bots = max(4, round(bought * 0.004))
    n_campaigns = max(2, round(ctx.n_s * 0.002))
    bots = _bots(ctx, since, n_bots)
    clickers = sum(_click_farm(ctx, since, c) for c in range(n_campaigns))
    _heavy_shoppers(ctx, since, max(8, round(bought * 0.004)))
    return {"bots": bots, "clickers": clickers}


def _bots(ctx: Ctx, since: int, n: int) -> int:
    rng, pop = ctx.rng, ctx.pop
    visitors = _fresh_visitors(ctx, n)
    farm = np.arange(n) // 5
    active = np.zeros(n, dtype=np.bool_)
    for b in range(n):
        events = int(rng.integers(300, 3000))
        interval = rng.uniform(2.0, 20.0)
        gaps = np.maximum(0.5, interval * (1 + ctx.knobs.bot_jitter * rng.standard_normal(events)))
        start = since + int(rng.integers(0, 6 * DAY))
        when = i64(start + np.cumsum(gaps).astype(np.int64))
        when = when[when < ctx.p.t1]
        m = len(when)
        active[b] = m > 0
        plat = int(rng.integers(0, ctx.p.platforms))
        lo = int(np.searchsorted(pop.seller_platform, plat, side="left"))
        hi = int(np.searchsorted(pop.seller_platform, plat, side="right"))
        seller = i64(rng.integers(lo, hi, m))
        event = i64((rng.random(m) < 0.3).astype(np.int64))
        devices = _values(ctx, f"botdev:{farm[b]}", 3, i64(rng.integers(0, 1 + int(rng.integers(0, 3)), m)))
        ips = _values(ctx, f"botip:{farm[b]}", 4, i64(rng.integers(0, 1 + int(rng.integers(0, 4)), m)))
        ctx.traffic.add(visitor=np.full(m, visitors[b]), seller=seller, item=_item_of(ctx, seller), time=when,
                        event=event, ip=ips, device=devices)
    ctx.label("fake_traffic", "visitor", "visitor", visitors[active])
    return int(active.sum())


def _click_farm(ctx: Ctx, since: int, c: int) -> int:
    rng, pop = ctx.rng, ctx.pop
    seller = int(rng.integers(0, ctx.n_s))
    lo, hi = int(pop.item_offsets[seller]), int(pop.item_offsets[seller + 1])
    k = int(rng.integers(30, 151))
    visitors = _fresh_visitors(ctx, k)
    phones, nets = max(2, k // int(rng.integers(3, 8))), int(rng.integers(2, 6))
    phone_of = rng.integers(0, phones, k)
    jitter = ctx.knobs.bot_jitter
    active = np.zeros(k, dtype=np.bool_)
    for _ in range(int(rng.integers(2, 7))):
        start = since + int(rng.integers(0, 7 * DAY - HOUR))
        length = int(rng.integers(10, 41)) * 60
        who = np.flatnonzero(rng.random(k) < 0.7)
        hits = rng.integers(1, 5, len(who))
        v = np.repeat(who, hits)
        active[who] = True
        m = len(v)
        view = i64(start + rng.random(m) * length * (1 + jitter))
        item = i64(rng.integers(lo, hi, m))
        dwell = i64(rng.integers(1, 6, m) + (rng.exponential(3 * jitter * 10, m)).astype(np.int64))
        clicks = rng.random(m) < 0.85
        dev = _values(ctx, f"farmdev:{c}", phones, i64(phone_of[v]))
        ip = _values(ctx, f"farmip:{c}", nets, i64(rng.integers(0, nets, m)))
        vis = visitors[v]
        s = np.full(m, seller)
        ctx.traffic.add(visitor=vis, seller=s, item=item, time=view, event=np.zeros(m, np.int64), ip=ip, device=dev)
        ctx.traffic.add(visitor=vis[clicks], seller=s[clicks], item=item[clicks], time=(view + dwell)[clicks],
                        event=np.ones(int(clicks.sum()), np.int64), ip=ip[clicks], device=dev[clicks])
    ctx.label("fake_traffic", "visitor", "visitor", visitors[active])
    return int(active.sum())


def _heavy_shoppers(ctx: Ctx, since: int, n: int) -> None:
    """Honest buyers who browse a lot: sessions of many views at a human pace, many shops, carts."""
    rng, pop = ctx.rng, ctx.pop
    buyers = i64(rng.choice(ctx.n_b, min(n, ctx.n_b), replace=False))
    for b in buyers.tolist():
        plat = int(pop.buyer_platform[b])
        lo = int(np.searchsorted(pop.seller_platform, plat, side="left"))
        hi = int(np.searchsorted(pop.seller_platform, plat, side="right"))
        sessions = int(rng.integers(4, 15))
        starts = since + rng.integers(0, 7 * DAY - 2 * HOUR, sessions)
        sizes = rng.integers(15, 60, sessions)
        m = int(sizes.sum())
        gaps = rng.lognormal(np.log(25.0), 0.9, m).astype(np.int64) + 2
        first = np.cumsum(sizes) - sizes
        walk = np.cumsum(gaps)
        when = i64(np.repeat(starts, sizes) + walk - np.repeat(walk[first], sizes))
        seller = pick(pop.seller_cum, np.full(m, lo), np.full(m, hi), rng)
        event = i64(np.where(rng.random(m) < 0.4, 1, 0) + (rng.random(m) < 0.08))
        vis = ctx.visitor_of(np.array([b]))
        dev = ctx.text(ctx.device_of(np.array([b])))
        ip = ctx.text(ctx.ip_of(np.array([b])))
        keep = when < ctx.p.t1
        ctx.traffic.add(visitor=np.full(int(keep.sum()), vis[0]), seller=seller[keep],
                        item=_item_of(ctx, seller)[keep], time=when[keep], event=event[keep],
                        ip=np.full(int(keep.sum()), ip[0]), device=np.full(int(keep.sum()), dev[0]))
