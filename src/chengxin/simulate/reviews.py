"""恶意评价 / 职业差评师: campaigns of bad ratings against an honest shop, and honest bad products.

A campaign hits a victim — an honest seller with normal ratings — with 5-30 accounts (fresh ones or
recruited buyers) that buy, mostly its cheapest item, within a few days and rate it bad with low
store ratings and angry texts; some demand compensation (不给退款就差评, 赔偿…), some add a follow-up.
The accounts share devices, IPs or payment accounts with each other, and in some campaigns with a
*competitor* seller account of the same platform. Look-alike: a bad product — an honest item whose
buyers, unlinked older accounts, rate it badly over months.
"""

from __future__ import annotations

import numpy as np

from chengxin.demo.market_core import COMPLETED, DAY, HOUR, I64, i64
from chengxin.simulate.ctx import (
    B2S,
    BAD,
    DEVICE,
    FOLLOW_UP,
    GOOD,
    INITIAL,
    IP,
    LINK_TYPES,
    NEUTRAL,
    PAYMENT,
    PHONE,
    S2B,
    Ctx,
    digest,
    honest_value,
)

_ANGRY = (
    "假货，和描述完全不符，大家千万别买", "质量太差，用一次就坏了，骗子店铺", "发来的是二手货，有使用痕迹",
    "收到有股怪味，怀疑是三无产品", "虚假宣传，跟图片差太多", "客服态度极差，问什么都不回", "包装破损，东西也是坏的",
    "垃圾东西，浪费钱", "以次充好，欺骗消费者", "和实体店的完全不一样，明显是假的",
)
_DEMANDS = (
    "不给退款就差评", "不赔偿就一直差评", "赔偿{}元，不然继续差评", "要求退一赔三，不处理就投诉到12315",
    "给我补偿{}元这事就算了", "不退款我就天天来差评", "已截图留证，不赔偿就曝光你们",
)
_FOLLOWS = (
    "追评：商家到现在都没处理，大家避雷", "追评：又联系了客服，还是不给解决", "追评：已经投诉了，等结果",
    "追评：用了几天更差了，千万别买", "追评：商家还威胁我删评价",
)
_PUNCT = ("", "！", "！！", "。", "!!!", "，")
_SELLER_REPLY = ("恶意差评，已向平台申诉。", "职业差评师，敲诈勒索，已报警。", "无理由要求赔偿还给差评。")


def _angry_texts(ctx: Ctx, n: int, demands: bool) -> list[str]:
    rng, out = ctx.rng, []
    for _ in range(n):
        text = _ANGRY[int(rng.integers(len(_ANGRY)))]
        if demands and rng.random() < 0.7:
            demand = _DEMANDS[int(rng.integers(len(_DEMANDS)))].format(int(rng.integers(3, 60)) * 10)
            text = demand + "，" + text if rng.random() < 0.5 else text + "，" + demand
        out.append(text + _PUNCT[int(rng.integers(len(_PUNCT)))])
    return out


def inject(ctx: Ctx) -> dict[str, int]:
    counts = np.bincount(ctx.od.seller, minlength=ctx.n_s)
    ok = (ctx.pop.seller_quality <= 1.3) & (counts >= 15)
    cands = [s for s in np.flatnonzero(ok).tolist() if s not in ctx.taken]
    k = min(len(cands), max(2, round(0.005 * ctx.n_s)))
    victims = ctx.rng.choice(np.array(cands, dtype=np.int64), k, replace=False) if k else np.zeros(0, np.int64)
    for c, v in enumerate(victims.tolist()):
        _campaign(ctx, int(v), c)
    looks = _bad_products(ctx)
    return {"campaigns": int(k), "bad_products": looks}


def _campaign(ctx: Ctx, victim: int, c: int) -> None:
    rng, kn, p, pop = ctx.rng, ctx.knobs, ctx.p, ctx.pop
    ctx.taken.add(victim)
    plat = int(pop.seller_platform[victim])
    size = int(rng.integers(5, 31))
    days = int(rng.integers(kn.attack_days[0], kn.attack_days[1] + 1))
    start = p.t0 + int(rng.integers(20, max(21, p.days - days - 20))) * DAY
    fresh = rng.random(size) < 0.55
    lo, hi = int(pop.buyer_offsets[plat]), int(pop.buyer_offsets[plat + 1])
    accounts = np.zeros(size, dtype=np.int64)
    accounts[~fresh] = rng.choice(np.arange(lo, hi), int((~fresh).sum()), replace=False)
    made = start - HOUR - rng.exponential(6 * DAY, int(fresh.sum())).astype(np.int64)
    accounts[fresh] = ctx.new_buyers(np.full(int(fresh.sum()), plat), i64(made))
    accounts = i64(accounts)

    # links: among the group, and (some campaigns) to a competitor shop of the same platform
    linked = rng.random(size) < kn.link_share
    same = np.flatnonzero((pop.seller_platform == plat) & (np.arange(ctx.n_s) != victim))
    competitor = int(rng.choice(same)) if rng.random() < 0.4 and len(same) else -1
    for link_type, prob in ((DEVICE, 0.7), (IP, 0.6), (PAYMENT, 0.3), (PHONE, 0.2)):
        on = np.flatnonzero(linked & (rng.random(size) < prob))
        if not len(on):
            continue
        if competitor >= 0 and link_type in (DEVICE, IP, PHONE, PAYMENT) and rng.random() < 0.6:
            vals = [honest_value(ctx.seed, link_type, ctx.n_b + competitor)] * len(on)
        else:
            vals = [digest(f"chengxin-sim:{ctx.seed}:attack:{c}:{LINK_TYPES[link_type]}:{int(w)}")
                    for w in rng.integers(0, 2, len(on))]
        ctx.add_links(accounts[on], link_type, vals, i64(start - rng.integers(0, HOUR, len(on))))
    if competitor >= 0:
        ctx.taken.add(competitor)

    # the orders: one each (a few twice), mostly the cheapest item
    per = np.where(rng.random(size) < 0.1, 2, 1)
    who = np.repeat(accounts, per)
    n = len(who)
    lo_i, hi_i = int(pop.item_offsets[victim]), int(pop.item_offsets[victim + 1])
    items = np.arange(lo_i, hi_i)
    items = items[pop.item_category[items] < pop.item_category.max()] if len(items) > 1 else items
    cheapest = items[np.argsort(pop.item_price[items])][: max(1, min(3, len(items)))]
    item = i64(np.where(rng.random(n) < 0.75, rng.choice(cheapest, n), rng.choice(items, n)))
    created = start + (rng.random(n) * days * DAY).astype(np.int64)
    batch = ctx.add_orders(np.full(n, victim), who, item, i64(created), status=np.full(n, COMPLETED),
                           quantity=np.ones(n, dtype=np.int64))
    ctx.browse_before(batch.o, who, batch.seller, item, batch.created)
    deal = batch.deal()
    rated = batch.signed >= 0
    o, deal, n = batch.o[rated], deal[rated], int(rated.sum())
    demands = rng.random() < 0.45
    r_time = i64(deal + rng.integers(HOUR, 3 * DAY, n))
    dsr = i64(np.clip(1 + (rng.random((n, 3)) < np.array([0.15, 0.2, 0.4])), 1, 5))
    text = ctx.text(_angry_texts(ctx, n, demands))
    text = i64(np.where(rng.random(n) < 0.08, -1, text))
    initial = ctx.add_ratings(o, B2S, INITIAL, np.full(n, BAD), dsr, text, r_time)
    follow = rng.random(n) < 0.3
    f = int(follow.sum())
    f_text = ctx.text([_FOLLOWS[int(k)] + _PUNCT[int(j)] for k, j in
                       zip(rng.integers(0, len(_FOLLOWS), f), rng.integers(0, len(_PUNCT), f), strict=True)])
    follows = ctx.add_ratings(o[follow], B2S, FOLLOW_UP, np.full(f, -1), np.zeros((f, 3), np.int64), f_text,
                              i64(r_time[follow] + rng.integers(DAY, 12 * DAY, f)))
    replies = rng.random(n) < 0.35
    r = int(replies.sum())
    ctx.add_ratings(o[replies], S2B, INITIAL, np.where(rng.random(r) < 0.6, BAD, NEUTRAL),
                    np.zeros((r, 3), np.int64), ctx.text([_SELLER_REPLY[int(k)] for k in rng.integers(0, 3, r)]),
                    i64(np.minimum(r_time[replies] + rng.integers(HOUR, 2 * DAY, r), deal[replies] + 15 * DAY - 60)))
    ctx.label("malicious_review", "rating", "rating", np.concatenate([initial, follows]))
    ctx.label("malicious_review", "buyer", "buyer", batch.buyer[rated])
    # the fresh accounts shop a little elsewhere too
    _honest_extra(ctx, accounts[fresh], plat, start)


def _honest_extra(ctx: Ctx, accounts: I64, plat: int, since: int) -> None:
    rng, pop = ctx.rng, ctx.pop
    n = rng.poisson(1.0 + ctx.knobs.camouflage, len(accounts))
    who = np.repeat(accounts, n)
    if not len(who):
        return
    s_lo = int(np.searchsorted(pop.seller_platform, plat, side="left"))
    s_hi = int(np.searchsorted(pop.seller_platform, plat, side="right"))
    from chengxin.demo.market_core import pick

    m = len(who)
    seller = pick(pop.seller_cum, np.full(m, s_lo), np.full(m, s_hi), rng)
    item = pick(pop.item_cum, pop.item_offsets[seller], pop.item_offsets[seller + 1], rng)
    created = i64(since + (rng.random(m) * np.maximum(ctx.p.t1 - DAY - since, DAY)).astype(np.int64))
    batch = ctx.add_orders(seller, who, item, created)
    ctx.rate_like_honest(batch.o, batch.status, batch.deal())
    ctx.browse_before(batch.o, who, seller, item, created)


def _bad_products(ctx: Ctx) -> int:
    """Honest items that are simply bad: many of their buyers rate them bad or neutral, over months."""
    rng, r, od = ctx.rng, ctx.honest_ratings, ctx.od
    per_item = np.bincount(od.item, minlength=len(ctx.pop.item_seller))
    sellers_ok = np.array([s not in ctx.taken for s in range(ctx.n_s)])
    ok = (per_item >= 12) & sellers_ok[ctx.pop.item_seller]
    cands = np.flatnonzero(ok)
    k = min(len(cands), max(2, round(0.004 * ctx.n_s)))
    if not k:
        return 0
    bad_items = rng.choice(cands, k, replace=False)
    ctx.taken.update(ctx.pop.item_seller[bad_items].tolist())
    hit = np.flatnonzero(np.isin(od.item[r.order], bad_items) & (r.direction == B2S) & (r.kind == INITIAL))
    u = rng.random(len(hit))
    score = i64(np.where(u < 0.45, BAD, np.where(u < 0.65, NEUTRAL, GOOD)))
    r.score[hit] = score
    worse = np.array([5, 3, 1])[score][:, None] + (rng.random((len(hit), 3)) < 0.3)
    r.dsr[hit] = np.where(r.dsr[hit] > 0, np.clip(worse, 1, 5), 0)
    r.text[hit] = ctx.honest_text(B2S, score, np.where(score == GOOD, 0.35, 0.05))
    return int(k)
