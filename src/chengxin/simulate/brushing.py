"""刷单炒信: brushing rings and sellers brushing themselves.

A *ring* is a 刷单 studio's (or task platform's) customers — a few to forty sellers of one platform —
and its pool of 刷手 (brusher accounts): half fresh accounts, half recruited buyers who already shop
there. Each seller's campaign runs for weeks; for it, some of the pool place one to three fake orders
each, mostly on the seller's one to three target items (cheap to medium priced), completed and rated
good quickly with full store ratings and template-like texts, a few refunded afterwards, some shipped
as empty parcels (``parcels``). Brushers sit in studio groups sharing devices, IPs, addresses, payment
accounts and phones — not all of them — and buy honestly from popular shops too. A *solo* seller
brushes with a handful of its own alt accounts, linked to the seller's own device, phone or payment
account, and ships them empty parcels.
"""

from __future__ import annotations

import numpy as np

from chengxin.demo import market_data as md
from chengxin.demo.market_core import COMPLETED, DAY, HOUR, I64, REFUNDED, i64, pick, running
from chengxin.simulate import parcels
from chengxin.simulate.ctx import (
    ADDRESS,
    B2S,
    DEVICE,
    FOLLOW_UP,
    INITIAL,
    IP,
    LINK_TYPES,
    PAYMENT,
    PHONE,
    S2B,
    Batch,
    Ctx,
    digest,
    honest_value,
)

_TEMPLATES = (
    "宝贝收到了，质量很好，和描述的一样", "非常满意，物流很快，包装也很好", "东西很不错，性价比高，推荐购买",
    "质量非常好，与卖家描述的完全一致", "很好用，下次还会再来", "做工精细，很满意的一次购物",
    "卖家服务态度很好，发货速度快", "好评，东西很好，值得购买",
)
_ENDINGS = ("", "！", "。", "，好评！", "，五星好评", "~", "，推荐！", "，满意")
_FOLLOW = ("用了几天，效果很好。", "追评：质量不错，值得回购。", "用了一段时间，依然很满意。")
_HOURS = running(np.array(md.HOUR_WEIGHTS) * np.array([1.0] * 18 + [1.4] * 6))


def _times(ctx: Ctx, lo: I64, hi: I64) -> I64:
    """Uniform days in [lo, hi), honest hours of the day (Beijing)."""
    rng, n = ctx.rng, len(lo)
    day0 = (lo - ctx.p.t0) // DAY
    days = day0 + (rng.random(n) * np.maximum((hi - lo) // DAY, 1)).astype(np.int64)
    hour = pick(_HOURS, np.zeros(n, dtype=np.int64), np.full(n, 24), rng)
    return i64(np.clip(ctx.p.t0 + days * DAY + hour * HOUR + rng.integers(0, HOUR, n), ctx.p.t0, ctx.p.t1 - DAY))


def _candidates(ctx: Ctx, platform: int) -> I64:
    """Shops of the platform a studio would serve: selling already, not the very biggest."""
    counts = np.bincount(ctx.od.seller, minlength=ctx.n_s)
    ok = (ctx.pop.seller_platform == platform) & (counts >= 6)
    ok &= counts <= np.quantile(counts[counts > 0], 0.995)
    return i64([s for s in np.flatnonzero(ok).tolist() if s not in ctx.taken])


def _ring_sizes(ctx: Ctx, budget: int) -> list[tuple[int, int]]:
    """(sellers, pool) per ring: one large ring when the budget allows, the rest small."""
    rng, sizes = ctx.rng, []
    rem = budget
    while rem >= 10:
        k = min(int(rng.integers(10, 41)), rem if rem < 12 else rem - 2)
        sizes.append((k, int(rng.integers(100, 401))))
        rem -= k
    while rem > 0:
        k = min(int(rng.integers(2, 5)), rem)
        sizes.append((k, int(rng.integers(8, 21))))
        rem -= k
    return sizes


def inject(ctx: Ctx) -> dict[str, int]:
    counts = np.bincount(ctx.od.seller, minlength=ctx.n_s)
    share = np.bincount(ctx.pop.seller_platform, minlength=ctx.p.platforms) / ctx.n_s
    budget = max(2 * ctx.p.platforms, round(0.017 * ctx.n_s))
    rings = solos = 0
    for plat in range(ctx.p.platforms):
        for k, pool in _ring_sizes(ctx, max(2, round(budget * share[plat]))):
            cands = _candidates(ctx, plat)
            if len(cands) < k:
                break
            # studios serve shops that sell already; the larger a shop, the likelier it buys brushing
            w = counts[cands] ** (0.8 if pool < 50 else 1.2)
            sellers = i64(ctx.rng.choice(cands, k, replace=False, p=w / w.sum()))
            _ring(ctx, plat, sellers, pool, rings)
            rings += 1
        for _ in range(max(1, round(0.0025 * ctx.n_s * share[plat]))):
            cands = _candidates(ctx, plat)
            if len(cands):
                _solo(ctx, plat, int(ctx.rng.choice(cands)))
                solos += 1
    return {"rings": rings, "solo_sellers": solos}


def _targets(ctx: Ctx, seller: int, n: int) -> I64:
    """Fake orders' items: 80% on one to three cheap-to-medium target items, the rest on any item."""
    pop, rng = ctx.pop, ctx.rng
    lo, hi = int(pop.item_offsets[seller]), int(pop.item_offsets[seller + 1])
    items = np.arange(lo, hi)
    real = items[pop.item_category[items] < len(md.CATEGORIES)]
    cheap = real[pop.item_price[real] <= np.quantile(pop.item_price[real], 0.7)] if len(real) else real
    if not len(cheap):
        cheap = real if len(real) else items
    target = rng.choice(cheap, min(len(cheap), int(rng.integers(1, 4))), replace=False)
    other = pick(pop.item_cum, np.full(n, lo), np.full(n, hi), rng)
    other = np.where(pop.item_category[other] < len(md.CATEGORIES), other, target[0])
    return i64(np.where(rng.random(n) < 0.8, rng.choice(target, n), other))


def _ring(ctx: Ctx, plat: int, sellers: I64, pool: int, ring: int) -> None:
    rng, kn, p = ctx.rng, ctx.knobs, ctx.p
    ctx.taken.update(sellers.tolist())
    honest = np.bincount(ctx.od.seller, minlength=ctx.n_s)[sellers]
    r = rng.uniform(0.1, 0.6, len(sellers))
    fake = np.maximum(3, np.round(honest * r / (1 - r))).astype(np.int64)
    pool = max(pool, int(np.ceil(fake.max() / 2.2)))
    slot_l, seller_l, time_l = [], [], []
    for s, f in zip(sellers.tolist(), fake.tolist(), strict=True):
        per = rng.choice(3, pool, p=[0.45, 0.35, 0.2]) + 1
        chosen = rng.permutation(pool)
        upto = int(np.searchsorted(np.cumsum(per[chosen]), f)) + 1
        slots = np.repeat(chosen[:upto], per[chosen[:upto]])
        length = int(rng.integers(*kn.campaign_days)) * DAY
        begin = p.t0 + int(rng.integers(0, max(1, p.t1 - p.t0 - length - 5 * DAY)))
        slot_l.append(slots)
        seller_l.append(np.full(len(slots), s))
        time_l.append(_times(ctx, np.full(len(slots), begin), np.full(len(slots), begin + length)))
    slot, seller, created = i64(np.concatenate(slot_l)), i64(np.concatenate(seller_l)), i64(np.concatenate(time_l))
    used, back = np.unique(slot, return_inverse=True)
    slot, pool = i64(back), len(used)
    buyers = _pool(ctx, plat, pool, slot, created)
    _studio_links(ctx, buyers, slot, created, f"{plat}:{ring}")
    _fake_orders(ctx, seller, buyers[slot], created, kn.empty_share)


def _pool(ctx: Ctx, plat: int, pool: int, slot: I64, created: I64) -> I64:
    """The pool's accounts: fresh ones made some days before their first order, and recruited buyers."""
    rng, p = ctx.rng, ctx.p
    fresh = rng.random(pool) < ctx.knobs.new_share
    first = np.full(pool, p.t1 - DAY, dtype=np.int64)
    np.minimum.at(first, slot, created)
    buyers = np.zeros(pool, dtype=np.int64)
    lo, hi = int(ctx.pop.buyer_offsets[plat]), int(ctx.pop.buyer_offsets[plat + 1])
    buyers[~fresh] = rng.choice(np.arange(lo, hi), int((~fresh).sum()), replace=hi - lo < pool)
    n_new = int(fresh.sum())
    made = first[fresh] - HOUR - rng.exponential(12 * DAY, n_new).astype(np.int64)
    buyers[fresh] = ctx.new_buyers(np.full(n_new, plat), i64(np.maximum(made, p.t0 - 30 * DAY)))
    _camouflage(ctx, buyers, slot, i64(np.maximum(first - 20 * DAY, p.t0)))
    return i64(buyers)


def _camouflage(ctx: Ctx, buyers: I64, slot: I64, since: I64) -> None:
    """Honest purchases of the pool from popular shops of its platform, about ``camouflage`` per fake order."""
    rng, pop = ctx.rng, ctx.pop
    per = np.bincount(slot, minlength=len(buyers))
    n = rng.poisson(ctx.knobs.camouflage * per)
    who = np.repeat(np.arange(len(buyers)), n)
    if not len(who):
        return
    b = buyers[who]
    plat = ctx.buyer_platform(b)
    s_lo = np.searchsorted(pop.seller_platform, plat, side="left")
    s_hi = np.searchsorted(pop.seller_platform, plat, side="right")
    seller = pick(pop.seller_cum, i64(s_lo), i64(s_hi), rng)
    item = pick(pop.item_cum, pop.item_offsets[seller], pop.item_offsets[seller + 1], rng)
    created = _times(ctx, since[who], np.full(len(who), ctx.p.t1 - DAY))
    batch = ctx.add_orders(seller, b, item, created)
    ctx.rate_like_honest(batch.o, batch.status, batch.deal())
    ctx.browse_before(batch.o, b, seller, item, created)


def _studio_links(ctx: Ctx, buyers: I64, slot: I64, created: I64, ring: str) -> None:
    """Studio groups of 3-12 accounts; a linked account shares some of its group's devices, IPs, …"""
    rng, pool = ctx.rng, len(buyers)
    first = np.full(pool, ctx.p.t1 - DAY, dtype=np.int64)
    np.minimum.at(first, slot, created)
    group = np.cumsum(rng.random(pool) < 1 / 7.0)
    linked = rng.random(pool) < ctx.knobs.link_share
    odds = {DEVICE: 0.9, IP: 0.8, ADDRESS: 0.35, PAYMENT: 0.3, PHONE: 0.15}
    values = {DEVICE: 3, IP: 2, ADDRESS: 2, PAYMENT: 1, PHONE: 1}
    for link_type, prob in odds.items():
        shares = linked & (rng.random(pool) < prob)
        if link_type == DEVICE:
            shares |= linked & ~(rng.random(pool) < 0.8)  # every linked account shows something
        k = np.flatnonzero(shares)
        which = rng.integers(0, values[link_type], len(k))
        vals = [digest(f"chengxin-sim:{ctx.seed}:studio:{ring}:{g}:{LINK_TYPES[link_type]}:{w}")
                for g, w in zip(group[k].tolist(), which.tolist(), strict=True)]
        seen = first[k] - rng.integers(0, HOUR, len(k))  # accounts are made at least an hour before
        ctx.add_links(buyers[k], link_type, vals, i64(seen))


def _fake_orders(ctx: Ctx, seller: I64, buyer: I64, created: I64, empty_share: float) -> Batch:
    rng = ctx.rng
    n = len(seller)
    item = np.zeros(n, dtype=np.int64)
    for s in np.unique(seller).tolist():
        at = seller == s
        item[at] = _targets(ctx, s, int(at.sum()))
    status = i64(np.where(rng.random(n) < 0.08, REFUNDED, COMPLETED))
    empty = rng.random(n) < empty_share
    qty = i64(np.where(rng.random(n) < 0.08, 2, 1))
    batch = ctx.add_orders(seller, buyer, item, created, status=status, ship=~empty, quantity=qty)
    parcels.empty_parcels(ctx, batch, batch.unshipped)
    _rate_fake(ctx, batch)
    ctx.browse_before(batch.o, buyer, seller, item, created)
    ctx.label("brushing", "seller", "seller", seller)
    ctx.label("brushing", "buyer", "buyer", buyer)
    ctx.label("brushing", "order", "order", batch.o)
    return batch


def _rate_fake(ctx: Ctx, batch: Batch) -> None:
    rng, kn = ctx.rng, ctx.knobs
    done = batch.status == COMPLETED
    o, deal = batch.o[done], batch.deal()[done]
    n = len(o)
    quick = rng.random(n) < kn.quick_rating
    delay = np.where(quick, rng.integers(600, 12 * HOUR, n), 60 + rng.exponential(2.5 * DAY, n).astype(np.int64))
    b_time = i64(deal + np.minimum(delay, 15 * DAY - 120))
    fives = rng.random(n) < kn.all_fives
    dsr = np.where(fives[:, None], 5, 5 - (rng.random((n, 3)) < 0.2))
    template = rng.random(n) < kn.template_text
    words = [_TEMPLATES[int(a)] + _ENDINGS[int(b)]
             for a, b in zip(rng.integers(0, len(_TEMPLATES), n), rng.integers(0, len(_ENDINGS), n), strict=True)]
    texts = ctx.text(words)
    honest = ctx.honest_text(B2S, np.zeros(n, dtype=np.int64), np.full(n, 0.35))
    text = np.where(template, np.where(rng.random(n) < 0.2, -1, texts), honest)
    rates = rng.random(n) < 0.97
    zero = np.zeros(n, dtype=np.int64)
    ctx.add_ratings(o[rates], B2S, INITIAL, zero[rates], i64(dsr[rates]), i64(text[rates]), b_time[rates])
    s_rates = rates & (rng.random(n) < 0.8)
    s_time = i64(np.minimum(b_time + rng.exponential(4 * HOUR, n).astype(np.int64), deal + 15 * DAY - 60))
    s_text = ctx.honest_text(S2B, zero, np.full(n, 0.5))
    ctx.add_ratings(o[s_rates], S2B, INITIAL, zero[s_rates], np.zeros((int(s_rates.sum()), 3), np.int64),
                    s_text[s_rates], s_time[s_rates])
    follow = rates & (rng.random(n) < 0.04)
    f_text = ctx.text([_FOLLOW[int(k)] for k in rng.integers(0, len(_FOLLOW), int(follow.sum()))])
    f_time = b_time[follow] + rng.integers(3 * DAY, 20 * DAY, int(follow.sum()))
    ctx.add_ratings(o[follow], B2S, FOLLOW_UP, np.full(int(follow.sum()), -1), np.zeros((int(follow.sum()), 3),
                    np.int64), f_text, i64(f_time))


def _solo(ctx: Ctx, plat: int, seller: int) -> None:
    """A seller brushing with 2-6 alt accounts linked to its own device, phone or payment account."""
    rng, p = ctx.rng, ctx.p
    ctx.taken.add(seller)
    k = int(rng.integers(2, 7))
    per = rng.integers(2, 9, k)
    slot = i64(np.repeat(np.arange(k), per))
    length = int(rng.integers(*ctx.knobs.campaign_days)) * DAY
    begin = p.t0 + int(rng.integers(0, max(1, p.t1 - p.t0 - length - 5 * DAY)))
    created = _times(ctx, np.full(len(slot), begin), np.full(len(slot), begin + length))
    made = begin - HOUR - rng.exponential(10 * DAY, k).astype(np.int64)
    alts = ctx.new_buyers(np.full(k, plat), i64(np.maximum(made, p.t0 - 30 * DAY)))
    _camouflage(ctx, alts, slot, np.full(k, begin))
    owner = ctx.n_b + seller  # the honest generator's owner number of the seller's own values
    for link_type in (DEVICE, PHONE, PAYMENT, IP):
        on = rng.random(k) < (0.6 if link_type in (DEVICE, IP) else 0.3) * (ctx.knobs.link_share + 0.3)
        if on.any():
            ctx.add_links(alts[on], link_type, [honest_value(ctx.seed, link_type, owner)] * int(on.sum()),
                          i64(begin + rng.integers(0, 3 * DAY, int(on.sum()))))
    _fake_orders(ctx, np.full(len(slot), seller), alts[slot], created, 0.7)
