"""Numeric core of the synthetic marketplace: who trades, what is sold, and the orders, as numpy arrays.

Times are int64 seconds since the epoch (UTC), ``NULL`` (-1) meaning none. Accounts, items and orders are
indices into these arrays; ``chengxin.demo.market`` turns them into the contract's ids only when it
writes, chunk by chunk, so a million orders stay a few hundred megabytes. Every stage draws from its
own random stream (``stream(seed, stage)``), so leaving a table out changes none of the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chengxin.demo import market_data as md
from chengxin.domains.subjects.identifiers import org_code_check_char, uscc_check_char

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]
DAY = 86_400
HOUR = 3_600
NULL = -1
EPOCH = date(1970, 1, 1)
COMPLETED, REFUNDED, CANCELLED = 0, 1, 2
STATUSES = ("completed", "refunded", "cancelled")
CATEGORY_NAMES = tuple(c[0] for c in md.CATEGORIES) + (md.TOP_UP_CATEGORY,)
TOP_UP = len(md.CATEGORIES)  # the category index of the 补差价 links


def midnight(d: date) -> int:
    """The start of ``d`` in Asia/Shanghai, in epoch seconds."""
    return (d - EPOCH).days * DAY - 8 * HOUR


def stream(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([seed, stage])


def i64(values: Any) -> I64:
    return np.asarray(values, dtype=np.int64)


def pick(cum: F64, lo: I64, hi: I64, rng: np.random.Generator) -> I64:
    """For each row an index in ``[lo, hi)`` drawn with probability ∝ weight (``cum``: running sum of the
    weights with a leading 0)."""
    a, b = cum[lo], cum[hi]
    found = i64(np.searchsorted(cum, a + rng.random(len(lo)) * (b - a), side="right")) - 1
    return i64(np.clip(found, lo, hi - 1))


def running(weights: NDArray[Any]) -> F64:
    return np.concatenate([[0.0], np.cumsum(weights, dtype=np.float64)])


def make_uscc(rng: np.random.Generator, division: str) -> str:
    """A valid-looking 统一社会信用代码 of an enterprise (91…) registered in ``division``."""
    body = f"{int(rng.integers(10**7, 10**8))}"
    first17 = "91" + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class Params:
    seed: int
    platforms: int
    sellers: int
    buyers: int
    orders: int
    start: date
    end: date
    merchant_usccs: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()

    @property
    def t0(self) -> int:
        return midnight(self.start)

    @property
    def t1(self) -> int:
        """The snapshot's cutoff: the end of ``end`` in Asia/Shanghai. No rating is later."""
        return midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Population:
    seller_platform: I64
    seller_division: I64
    seller_cum: F64  # popularity (Zipf-like), running sum
    seller_quality: F64  # > 1: more refunds and complaints
    seller_carrier: I64
    seller_subject: tuple[str | None, ...]
    buyer_offsets: I64  # buyers of platform p: [offsets[p], offsets[p + 1])
    buyer_platform: I64
    buyer_division: I64
    buyer_cum: F64
    buyer_lazy: Mask  # rarely rates
    buyer_person: I64  # the same person on several platforms shares a phone and a payment account
    buyer_household: I64  # a family shares a device, an address and the home IP
    item_offsets: I64  # items of seller s: [offsets[s], offsets[s + 1])
    item_seller: I64
    item_category: I64
    item_price: I64
    item_cum: F64
    carrier_usccs: tuple[str, ...]
    day_weight: F64
    spike_day: Mask
    peak_day: int  # the biggest promotion day, as a day index


def _split(n: int, parts: int) -> I64:
    """Counts per platform, larger platforms first, at least one each."""
    w = 1.0 / np.arange(1, parts + 1) ** 0.7
    counts = 1 + np.floor((n - parts) * w / w.sum()).astype(np.int64)
    counts[0] += n - counts.sum()
    return i64(counts)


def _day_weights(p: Params) -> tuple[F64, Mask, int]:
    factors = np.ones(p.days)
    promos: list[tuple[int, float]] = []
    for k in range(p.days):
        day = p.start + timedelta(days=k)
        factors[k] = md.WEEKDAY_WEIGHTS[day.weekday()] * (1 + 0.25 * k / p.days)
        if (f := md.PROMOTION_DAYS.get((day.month, day.day))) is not None:
            promos.append((k, f))
    if not promos:
        promos.append((p.days // 2, 5.0))  # a store festival
    for k, f in promos:
        if f >= 2.5:
            factors[max(0, k - 10) : k] *= md.PRESALE_FACTOR
    spike = np.zeros(p.days, dtype=np.bool_)
    for k, f in promos:
        factors[k] *= f
        spike[k] = f >= 2.5
    peak = max(promos, key=lambda kf: kf[1])[0]
    return factors, spike, peak


def make_population(p: Params) -> Population:
    if p.sellers < p.platforms or p.buyers < p.platforms or p.platforms < 1 or p.days < 1:
        raise ValueError("need at least one platform, one seller and one buyer per platform, and end >= start")
    rng = stream(p.seed, 1)
    n_div, n_cat = len(md.DIVISIONS), len(md.CATEGORIES)
    seller_w = np.array([d[1] for d in md.DIVISIONS]) / sum(d[1] for d in md.DIVISIONS)
    buyer_w = np.array([d[2] for d in md.DIVISIONS]) / sum(d[2] for d in md.DIVISIONS)
    shares = np.array([c[4] for c in md.CATEGORIES]) / sum(c[4] for c in md.CATEGORIES)
    n_s, n_b = p.sellers, p.buyers
    n_carriers = len(p.carriers) or 6

    seller_platform = i64(np.repeat(np.arange(p.platforms), _split(n_s, p.platforms)))
    popularity = (rng.permutation(n_s) + 1.0) ** -0.85
    carrier_w = 1.0 / np.arange(1, n_carriers + 1)
    carrier = i64(rng.choice(n_carriers, n_s, p=carrier_w / carrier_w.sum()))
    main_cat = rng.choice(n_cat, n_s, p=shares)
    n_items = i64(np.floor(np.exp(rng.uniform(np.log(5), np.log(51), n_s))))
    top_up = rng.random(n_s) < 0.3
    has_subject = rng.random(n_s) < 0.6
    pool = p.merchant_usccs or tuple(
        make_uscc(rng, md.DIVISIONS[int(d)][0]) for d in rng.choice(n_div, max(1, int(0.5 * n_s)), p=seller_w)
    )
    subjects: list[str | None] = [None] * n_s  # in list order from the busiest shop down: the first
    busiest = np.flatnonzero(has_subject)  # merchants given (a demo's walkthrough merchant) get a busy shop
    for k, s in enumerate(busiest[np.argsort(-popularity[busiest], kind="stable")]):
        subjects[int(s)] = pool[k % len(pool)]

    b_counts = _split(n_b, p.platforms)
    buyer_offsets = i64(np.concatenate([[0], np.cumsum(b_counts)]))
    buyer_platform = i64(np.repeat(np.arange(p.platforms), b_counts))
    person = np.arange(n_b, dtype=np.int64)
    elsewhere = (buyer_platform > 0) & (rng.random(n_b) < 0.15)
    person[elsewhere] = rng.integers(0, b_counts[0], int(elsewhere.sum()))
    household = person.copy()
    members = rng.choice(n_b, int(0.03 * n_b), replace=False)
    if len(members):
        starts = rng.random(len(members)) < 0.4
        starts[0] = True
        heads = np.flatnonzero(starts)[np.cumsum(starts) - 1]
        household[members] = person[members[heads]]

    item_counts = n_items + top_up
    item_offsets = i64(np.concatenate([[0], np.cumsum(item_counts)]))
    n_i = int(item_offsets[-1])
    item_seller = i64(np.repeat(np.arange(n_s), item_counts))
    is_top_up = top_up[item_seller] & (np.arange(n_i) - item_offsets[item_seller] == n_items[item_seller])
    category = i64(np.where(rng.random(n_i) < 0.75, main_cat[item_seller], rng.choice(n_cat, n_i, p=shares)))
    category[is_top_up] = TOP_UP
    median = np.array([c[1] for c in md.CATEGORIES] + [md.TOP_UP_PRICE_FEN], dtype=np.float64)
    sigma = np.array([c[2] for c in md.CATEGORIES] + [0.0])
    price = i64(np.maximum(1, np.round(median[category] * np.exp(sigma[category] * rng.standard_normal(n_i)))))
    price = np.where(price > 1000, price // 100 * 100 - 10 * (rng.random(n_i) < 0.6), price)
    item_w = rng.lognormal(0.0, 1.2, n_i) * np.where(is_top_up, 0.3, 1.0)

    day_weight, spike, peak = _day_weights(p)
    return Population(
        seller_platform=seller_platform,
        seller_division=i64(rng.choice(n_div, n_s, p=seller_w)),
        seller_cum=running(popularity),
        seller_quality=rng.lognormal(0.0, 0.6, n_s),
        seller_carrier=carrier,
        seller_subject=tuple(subjects),
        buyer_offsets=buyer_offsets,
        buyer_platform=buyer_platform,
        buyer_division=i64(rng.choice(n_div, n_b, p=buyer_w)),
        buyer_cum=running(rng.lognormal(0.0, 1.0, n_b)),
        buyer_lazy=rng.random(n_b) < 0.08,
        buyer_person=person,
        buyer_household=household,
        item_offsets=item_offsets,
        item_seller=item_seller,
        item_category=category,
        item_price=i64(price),
        item_cum=running(item_w),
        carrier_usccs=p.carriers
        or tuple(make_uscc(rng, md.DIVISIONS[int(d)][0]) for d in rng.choice(n_div, n_carriers, replace=False)),
        day_weight=running(day_weight),
        spike_day=spike,
        peak_day=peak,
    )


@dataclass
class Orders:
    seller: I64
    buyer: I64
    item: I64
    quantity: I64
    created: I64
    paid: I64
    shipped: I64
    signed: I64
    status: I64
    waybill: I64  # index of the order's waybill, or NULL
    amount: I64  # filled by ``price_orders``

    def __len__(self) -> int:
        return len(self.seller)


def _loyal_pairs(n: int, rng: np.random.Generator) -> tuple[I64, I64]:
    """(kind, number of orders) of the repeat buyer–seller pairs placing ``n`` orders: 0 returning
    customers, 1 re-buying the favourite item every few days, 2 buying more than six times a month."""
    if n <= 0:
        return i64([]), i64([])
    size = n // 2 + 2
    kind = i64(rng.choice(3, size, p=[0.6, 0.34, 0.06]))
    count = i64(np.select(
        [kind == 0, kind == 1], [2 + rng.geometric(0.35, size), 2 + rng.geometric(0.45, size)],
        rng.integers(8, 15, size),
    ))
    cum = np.cumsum(count)
    k = int(np.searchsorted(cum, n)) + 1
    count = count[:k]
    count[-1] -= int(cum[k - 1]) - n
    return kind[:k], count


def make_orders(p: Params, pop: Population) -> Orders:
    rng = stream(p.seed, 2)
    n, n_days = p.orders, p.days

    def sellers(m: int) -> I64:
        return pick(pop.seller_cum, np.zeros(m, dtype=np.int64), np.full(m, len(pop.seller_platform)), rng)

    def buyers(s: I64) -> I64:
        plat = pop.seller_platform[s]
        return pick(pop.buyer_cum, pop.buyer_offsets[plat], pop.buyer_offsets[plat + 1], rng)

    def items(s: I64) -> I64:
        return pick(pop.item_cum, pop.item_offsets[s], pop.item_offsets[s + 1], rng)

    def days(m: int) -> I64:
        return pick(pop.day_weight, np.zeros(m, dtype=np.int64), np.full(m, n_days), rng)

    kind, count = _loyal_pairs(int(n * 0.3), rng)
    n_pairs, n_loyal = len(kind), int(count.sum())
    pair_seller = sellers(n_pairs)
    pair_buyer, pair_item, pair_day = buyers(pair_seller), items(pair_seller), days(n_pairs)
    of = np.repeat(np.arange(n_pairs), count)
    first = np.cumsum(count) - count
    k = kind[of]
    gap = np.select([k == 0, k == 1], [np.ceil(rng.exponential(25.0, n_loyal)), rng.integers(2, 14, n_loyal)],
                    rng.integers(0, 3, n_loyal))
    gap[first] = 0
    walk = np.cumsum(gap)
    loyal_day = (pair_day[of] + walk - walk[first][of]) % n_days
    loyal_seller = pair_seller[of]
    favourite = rng.random(n_loyal) < np.array([0.6, 1.0, 0.5])[k]
    loyal_item = np.where(favourite, pair_item[of], items(loyal_seller))

    n_free = n - n_loyal
    free_seller = sellers(n_free)
    seller = i64(np.concatenate([loyal_seller, free_seller]))
    buyer = i64(np.concatenate([pair_buyer[of], buyers(free_seller)]))
    item = i64(np.concatenate([loyal_item, items(free_seller)]))
    day = i64(np.concatenate([loyal_day, days(n_free)]))
    hours = np.array(md.HOUR_WEIGHTS)
    rush = hours.copy()
    rush[0] *= md.SPIKE_MIDNIGHT_FACTOR
    zero, full = np.zeros(n, dtype=np.int64), np.full(n, 24)
    hour = np.where(pop.spike_day[day], pick(running(rush), zero, full, rng), pick(running(hours), zero, full, rng))
    created = p.t0 + day * DAY + hour * HOUR + rng.integers(0, HOUR, n)
    order = np.argsort(created, kind="stable")
    seller, buyer, item, day, created = seller[order], buyer[order], item[order], day[order], i64(created[order])

    quantity = i64(np.where(rng.random(n) < 0.18, 1 + np.minimum(rng.geometric(0.5, n), 9), 1))
    u = rng.random(n)
    refund_p = np.minimum(0.045 * pop.seller_quality[seller], 0.3)
    status = i64(np.where(u < 0.045, CANCELLED, np.where(u < 0.045 + refund_p, REFUNDED, COMPLETED)))
    paid = created + 15 + np.minimum(rng.lognormal(np.log(90.0), 0.9, n), HOUR).astype(np.int64)
    paid[(status == CANCELLED) & (rng.random(n) < 0.7)] = NULL
    virtual = pop.item_category[item] == TOP_UP
    ships = ~virtual & ((status == COMPLETED) | ((status == REFUNDED) & (rng.random(n) < 0.5)))
    handling = np.clip(rng.lognormal(np.log(14.0 * HOUR), 0.7, n), 1800, 4 * DAY) * np.where(
        pop.spike_day[day], 1.8, 1.0
    )
    shipped = i64(np.where(ships, paid + handling.astype(np.int64), NULL))
    province = np.array([int(d[0][:2]) for d in md.DIVISIONS])
    near = province[pop.seller_division[seller]] == province[pop.buyer_division[buyer]]
    transit = np.where(near, rng.uniform(1.0, 2.0, n), rng.uniform(1.5, 5.0, n)) * DAY
    signed = i64(np.where(ships, shipped + transit.astype(np.int64), NULL))
    waybill = i64(np.where(ships, np.cumsum(ships) - 1, NULL))
    return Orders(seller, buyer, item, quantity, created, paid, shipped, signed, status, waybill,
                  np.zeros(n, dtype=np.int64))


def first_use(index: I64, created: I64, size: int) -> I64:
    """The first order time per account/item (orders are in time order), NULL where never used."""
    first = np.full(size, NULL, dtype=np.int64)
    used, pos = np.unique(index, return_index=True)
    first[used] = created[pos]
    return first


def created_before(first: I64, p: Params, rng: np.random.Generator) -> I64:
    """Creation times: well before the first order, or anywhere up to the cutoff for the unused."""
    gap = HOUR + rng.exponential(400.0 * DAY, len(first))
    lo = p.t0 - 3 * 365 * DAY
    idle = lo + rng.random(len(first)) * (p.t1 - HOUR - lo)
    return i64(np.where(first >= 0, first - gap, idle))
