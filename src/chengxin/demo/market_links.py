"""``account_links`` (devices, IPs, addresses, phones, payment accounts, hashed as platforms send them) and
the optional ``traffic`` (the last seven days of item views, clicks and add-to-carts).

A value is the SHA-256 hex of a synthetic identity ``(type, owner, n)``: one person's accounts on several
platforms share the phone and payment account, a family's accounts share the first device, address and
home IP, and a buyer browsing shows that household's first device and IP in the traffic log.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

from chengxin.demo import market_data as md
from chengxin.demo.market_core import DAY, HOUR, I64, NULL, Params, i64, pick, running, stream
from chengxin.demo.market_frames import Namer, Table, choose, scramble, times
from chengxin.demo.market_prices import Timeline

LINK_TYPES = ("device", "ip", "address", "phone", "payment")
DEVICE, IP = 0, 1
_HOW_MANY = ((0.6, 0.3, 0.1), (0.4, 0.35, 0.25), (0.7, 0.22, 0.08), (0.9, 0.09, 0.01), (0.6, 0.3, 0.1))
_HOUSEHOLD_TYPES = (0, 1, 2)  # the first device, IP and address belong to the household
TRAFFIC_DAYS = 7
MAX_BROWSING = 2_000_000
EVENT_TYPES = ("view", "click", "cart")


def digests(seed: int, kind: I64, owner: I64, n: I64) -> tuple[pl.Series, I64]:
    """(the distinct hashed values, the position of each row's value among them)."""
    key = (owner * 3 + n) * 5 + kind
    distinct, position = np.unique(key, return_inverse=True)
    values = [
        hashlib.sha256(f"chengxin-market:{seed}:{LINK_TYPES[k % 5]}:{k // 15}:{k // 5 % 3}".encode()).hexdigest()
        for k in distinct.tolist()
    ]
    return pl.Series(values, dtype=pl.String), i64(position)


def account_links(p: Params, namer: Namer, timeline: Timeline) -> Table:
    rng = stream(p.seed, 7)
    pop = namer.pop
    n_s, n_b = len(pop.seller_platform), len(pop.buyer_platform)
    n_acc = n_s + n_b
    own = n_b + np.arange(n_s, dtype=np.int64)  # sellers own their values
    person = np.concatenate([own, pop.buyer_person])
    household = np.concatenate([own, pop.buyer_household])
    created = np.concatenate([timeline.seller_created, timeline.buyer_created])
    accounts, kinds, ns = [], [], []
    for link_type, odds in enumerate(_HOW_MANY):
        count = 1 + rng.choice(3, n_acc, p=odds)
        acc = np.repeat(np.arange(n_acc, dtype=np.int64), count)
        starts = np.cumsum(count) - count
        accounts.append(acc)
        kinds.append(np.full(len(acc), link_type, dtype=np.int64))
        ns.append(np.arange(len(acc), dtype=np.int64) - starts[acc])
    order = np.lexsort((np.concatenate(ns), np.concatenate(kinds), np.concatenate(accounts)))
    acc, kind, n = (i64(np.concatenate(x)[order]) for x in (accounts, kinds, ns))
    shared = (n == 0) & np.isin(kind, _HOUSEHOLD_TYPES)
    values, position = digests(p.seed, kind, np.where(shared, household[acc], person[acc]), n)
    seen = created[acc] + 60 + (rng.random(len(acc)) * np.maximum(p.t1 - created[acc] - 120, 1)).astype(np.int64)

    def build(lo: int, hi: int) -> pl.DataFrame:
        a = acc[lo:hi]
        is_seller = a < n_s
        seller = namer.seller(np.where(is_seller, a, 0))
        buyer = namer.buyer(np.where(is_seller, 0, a - n_s))
        return pl.DataFrame({
            "account_id": pl.select(pl.when(pl.Series(is_seller)).then(seller).otherwise(buyer)).to_series(),
            "link_type": choose(LINK_TYPES, kind[lo:hi]),
            "value": values.gather(position[lo:hi]),
            "seen_at": times(i64(seen[lo:hi])),
        })

    return Table(len(acc), build)


def traffic(p: Params, namer: Namer) -> Table:
    """Each order of the last week comes after its buyer's view and click (and often a cart); around
    them, browsing by buyers and anonymous visitors, eight visits per order, a third clicking."""
    rng = stream(p.seed, 8)
    pop, od = namer.pop, namer.orders
    n_s, n_b = len(pop.seller_platform), len(pop.buyer_platform)
    since = max(p.t0, p.t1 - TRAFFIC_DAYS * DAY)
    bought = np.flatnonzero(od.created >= since)
    view = od.created[bought] - rng.integers(120, HOUR, len(bought))
    click = view + rng.integers(5, 120, len(bought))
    carts = rng.random(len(bought)) < 0.5
    cart = click + ((od.created[bought] - click) * rng.uniform(0.1, 0.9, len(bought))).astype(np.int64)

    m = min(8 * len(bought) + 200, MAX_BROWSING)
    seller = pick(pop.seller_cum, np.zeros(m, dtype=np.int64), np.full(m, n_s), rng)
    item = pick(pop.item_cum, pop.item_offsets[seller], pop.item_offsets[seller + 1], rng)
    item[rng.random(m) < 0.1] = NULL  # the shop's front page
    plat = pop.seller_platform[seller]
    known = pick(pop.buyer_cum, pop.buyer_offsets[plat], pop.buyer_offsets[plat + 1], rng)
    anonymous = n_b + n_s + rng.integers(0, max(100, m // 4), m)
    visitor = np.where(rng.random(m) < 0.3, known, anonymous)
    hour = pick(running(np.array(md.HOUR_WEIGHTS)), np.zeros(m, dtype=np.int64), np.full(m, 24), rng)
    day = rng.integers(0, max(1, (p.t1 - since) // DAY), m)
    seen = since + day * DAY + hour * HOUR + rng.integers(0, HOUR, m)
    clicks = rng.random(m) < 0.3
    adds = clicks & (rng.random(m) < 0.25)
    b_click = seen + rng.integers(3, 90, m)
    b_cart = b_click + rng.integers(10, 600, m)

    parts = [
        (od.buyer[bought], od.seller[bought], od.item[bought], view, 0),
        (od.buyer[bought], od.seller[bought], od.item[bought], click, 1),
        (od.buyer[bought][carts], od.seller[bought][carts], od.item[bought][carts], cart[carts], 2),
        (visitor, seller, item, seen, 0),
        (visitor[clicks], seller[clicks], item[clicks], b_click[clicks], 1),
        (visitor[adds], seller[adds], item[adds], b_cart[adds], 2),
    ]
    who, shop, what, when = (i64(np.concatenate([part[k] for part in parts])) for k in range(4))
    event = i64(np.concatenate([np.full(len(part[0]), part[4]) for part in parts]))
    order = np.lexsort((event, who, when))
    who, shop, what, when, event = who[order], shop[order], what[order], when[order], event[order]
    is_buyer = who < n_b
    owner = np.where(is_buyer, pop.buyer_household[np.minimum(who, n_b - 1)], who)
    zero = np.zeros(len(who), dtype=np.int64)
    ips, ip_at = digests(p.seed, np.full(len(who), IP), owner, zero)
    devices, device_at = digests(p.seed, np.full(len(who), DEVICE), owner, zero)

    def build(lo: int, hi: int) -> pl.DataFrame:
        w = what[lo:hi]
        item_ids = namer.item(np.maximum(w, 0))
        digits = pl.Series(scramble(who[lo:hi], 60_493_000_007, 577_215_664)).cast(pl.String)
        return pl.DataFrame({
            "visitor_id": pl.select(pl.lit("V") + digits.str.zfill(12)).to_series(),
            "seller_account_id": namer.seller(shop[lo:hi]),
            "item_id": pl.select(pl.when(pl.Series(w >= 0)).then(item_ids)).to_series(),
            "event_time": times(when[lo:hi]),
            "event_type": choose(EVENT_TYPES, event[lo:hi]),
            "ip": ips.gather(ip_at[lo:hi]),
            "device": devices.gather(device_at[lo:hi]),
        })

    return Table(len(who), build)
