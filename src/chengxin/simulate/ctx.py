"""The simulation's shared state: the honest market's numeric model, the difficulty knobs, and the rows
each pattern injects, kept as numbers (account, order, rating and waybill *indices*) until the end.

Indices extend the honest ones: honest buyers are ``0 … n_b-1`` and injected buyer accounts continue
from ``n_b``; the same for orders, ratings and waybills. ``chengxin.simulate.ids`` turns every index,
honest or injected, into an id through one random permutation per kind, so injected ids look exactly
like honest ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from chengxin.demo import market_data as md
from chengxin.demo.market import Market
from chengxin.demo.market_core import (
    COMPLETED,
    DAY,
    HOUR,
    I64,
    NULL,
    REFUNDED,
    Mask,
    Orders,
    Params,
    Population,
    i64,
    pick,
    running,
)
from chengxin.demo.market_prices import Prices
from chengxin.demo.market_ratings import TEXT_POOL, Ratings
from chengxin.simulate.knobs import DIFFICULTIES, Knobs

LINK_TYPES = ("device", "ip", "address", "phone", "payment")
DEVICE, IP, ADDRESS, PHONE, PAYMENT = range(5)
B2S, S2B = 0, 1
INITIAL, FOLLOW_UP = 0, 1
GOOD, NEUTRAL, BAD = 0, 1, 2
PROVINCE = np.array([int(d[0][:2]) for d in md.DIVISIONS], dtype=np.int64)
WEIGHT_MEDIAN = np.array([c[3] for c in md.CATEGORIES] + [10], dtype=np.float64)
_HOW_MANY = ((0.6, 0.3, 0.1), (0.4, 0.35, 0.25), (0.7, 0.22, 0.08), (0.9, 0.09, 0.01), (0.6, 0.3, 0.1))
__all__ = ["DIFFICULTIES", "Knobs"]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def honest_value(seed: int, link_type: int, owner: int, n: int = 0) -> str:
    """The hashed link value the honest generator gives ``(type, owner, n)`` (``market_links.digests``)."""
    return digest(f"chengxin-market:{seed}:{LINK_TYPES[link_type]}:{owner}:{n}")


@dataclass
class Rows:
    """Columns of numpy arrays appended part by part; ``get`` concatenates."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **cols: np.ndarray) -> None:
        for k, v in cols.items():
            self.parts.setdefault(k, []).append(np.asarray(v))

    def get(self, name: str, dtype: type = np.int64) -> np.ndarray:
        got = self.parts.get(name, [])
        return np.concatenate(got) if got else np.zeros(0, dtype=dtype)

    def __len__(self) -> int:
        first = next(iter(self.parts.values()), [])
        return int(sum(len(x) for x in first))


@dataclass
class Batch:
    o: I64
    seller: I64
    buyer: I64
    item: I64
    quantity: I64
    created: I64
    paid: I64
    shipped: I64
    signed: I64
    status: I64
    waybill: I64
    unshipped: Mask  # shipped, but the parcel is the caller's to make

    def deal(self) -> I64:
        return i64(np.where(self.signed >= 0, self.signed, np.where(self.paid >= 0, self.paid, self.created)))


@dataclass
class Ctx:
    market: Market
    knobs: Knobs
    seed: int
    rng: np.random.Generator
    texts: list[str] = field(default_factory=lambda: list(TEXT_POOL))
    accounts: Rows = field(default_factory=Rows)  # buyer, platform, division, created
    links: Rows = field(default_factory=Rows)  # seller (bool), account, link_type, value (index), seen
    values: list[str] = field(default_factory=list)
    orders: Rows = field(default_factory=Rows)
    ratings: Rows = field(default_factory=Rows)
    waybills: Rows = field(default_factory=Rows)  # waybill, carrier, origin, dest, weight, created
    tracking: Rows = field(default_factory=Rows)  # waybill, time, event, division, outlet (index)
    outlets: list[str] = field(default_factory=list)
    traffic: Rows = field(default_factory=Rows)  # visitor (text index), seller, item, time, event, ip, device
    labels: list[tuple[str, str, str, np.ndarray]] = field(default_factory=list)  # detector, type, kind, index
    services: list[tuple[int, int, int]] = field(default_factory=list)  # 空包 outlets: carrier, division, number
    taken: set[int] = field(default_factory=set)  # sellers a pattern has used (patterns stay apart)
    _new_platform: list[I64] = field(default_factory=list)
    _new_division: list[I64] = field(default_factory=list)
    _new_household: list[I64] = field(default_factory=list)
    _n_new_orders: int = 0
    _n_new_ratings: int = 0
    _n_new_waybills: int = 0

    # --- the honest model -------------------------------------------------------------------------
    @property
    def p(self) -> Params:
        return self.market.params

    @property
    def pop(self) -> Population:
        return self.market.pop

    @property
    def od(self) -> Orders:
        return self.market.orders

    @property
    def honest_ratings(self) -> Ratings:
        return self.market.ratings

    @property
    def prices(self) -> Prices:
        return self.market.prices

    @property
    def n_s(self) -> int:
        return len(self.pop.seller_platform)

    @property
    def n_b(self) -> int:
        return len(self.pop.buyer_platform)

    @property
    def n_o(self) -> int:
        return len(self.od)

    @property
    def n_w(self) -> int:
        return int((self.od.waybill >= 0).sum())

    @property
    def rating_offsets(self) -> int:
        """Injected rating positions handed out (some dropped for falling after the cutoff)."""
        return self._n_new_ratings

    # --- allocation -------------------------------------------------------------------------------
    def new_buyers(self, platform: I64, created: I64) -> I64:
        """Fresh buyer accounts (index ≥ n_b) with their own device, IP, address, phone and payment."""
        k = len(platform)
        start = self.n_b + sum(len(x) for x in self._new_platform)
        b = i64(np.arange(start, start + k))
        division = pick(running(np.array([d[2] for d in md.DIVISIONS])), np.zeros(k, dtype=np.int64),
                        np.full(k, len(md.DIVISIONS)), self.rng)
        self._new_platform.append(i64(platform))
        self._new_division.append(division)
        self._new_household.append(b)
        self.accounts.add(buyer=b, platform=platform, created=created)
        for link_type, odds in enumerate(_HOW_MANY):
            count = 1 + self.rng.choice(3, k, p=odds)
            owner = np.repeat(b, count)
            nth = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
            vals = [digest(f"chengxin-sim:{self.seed}:{LINK_TYPES[link_type]}:{o}:{n}")
                    for o, n in zip(owner.tolist(), nth.tolist(), strict=True)]
            seen = np.repeat(created, count)
            self.add_links(owner, link_type, vals, seen + 60 + (self.rng.random(len(owner)) * np.maximum(
                self.p.t1 - seen - 120, 1)).astype(np.int64))
        return b

    def _ext(self, parts: list[I64], honest: I64, b: I64) -> I64:
        extra = np.concatenate(parts) if parts else np.zeros(1, dtype=np.int64)
        inside = b < self.n_b
        return i64(np.where(inside, honest[np.minimum(b, self.n_b - 1)], extra[np.maximum(b - self.n_b, 0)]))

    def buyer_platform(self, b: I64) -> I64:
        return self._ext(self._new_platform, self.pop.buyer_platform, b)

    def buyer_division(self, b: I64) -> I64:
        return self._ext(self._new_division, self.pop.buyer_division, b)

    def all_buyer_platforms(self) -> I64:
        return i64(np.concatenate([self.pop.buyer_platform, *self._new_platform]))

    def device_of(self, b: I64) -> list[str]:
        """The device a buyer browses with (the household's first, as in the honest traffic)."""
        owner = self._ext(self._new_household, self.pop.buyer_household, b)
        return [honest_value(self.seed, DEVICE, int(o)) if o < self.n_b
                else digest(f"chengxin-sim:{self.seed}:device:{int(o)}:0") for o in owner]

    def ip_of(self, b: I64) -> list[str]:
        owner = self._ext(self._new_household, self.pop.buyer_household, b)
        return [honest_value(self.seed, IP, int(o)) if o < self.n_b
                else digest(f"chengxin-sim:{self.seed}:ip:{int(o)}:0") for o in owner]

    def text(self, values: list[str]) -> I64:
        start = len(self.texts)
        self.texts.extend(values)
        return i64(np.arange(start, start + len(values)))

    def add_links(self, account: I64, link_type: int | I64, values: list[str], seen: I64, *,
                  seller: bool = False) -> None:
        start = len(self.values)
        self.values.extend(values)
        n = len(values)
        self.links.add(seller=np.full(n, seller), account=i64(account), link_type=np.broadcast_to(
            i64(link_type), (n,)).copy(), value=i64(np.arange(start, start + n)), seen=i64(seen))

    def label(self, detector: str, entity_type: str, kind: str, index: np.ndarray) -> None:
        """``kind``: seller, buyer, order, rating, waybill, item or visitor (an index of that kind)."""
        self.labels.append((detector, entity_type, kind, i64(np.unique(index))))

    # --- honest-looking order life ----------------------------------------------------------------
    def add_orders(
        self, seller: I64, buyer: I64, item: I64, created: I64, *, status: I64 | None = None,
        ship: Mask | None = None, quantity: I64 | None = None,
    ) -> Batch:
        """Orders shaped like the honest ones (payment, handling, transit); ``ship`` False leaves the
        parcel to the caller (empty parcels). Amounts follow the price history. The batch's arrays are the
        stored ones: a caller may still change signed times and waybills."""
        rng, n = self.rng, len(seller)
        seller, buyer, item, created = i64(seller), i64(buyer), i64(item), i64(created)
        start = self.n_o + self._n_new_orders
        self._n_new_orders += n
        o = i64(np.arange(start, start + n))
        if status is None:
            u = rng.random(n)
            status = i64(np.where(u < 0.02, 2, np.where(u < 0.07, REFUNDED, COMPLETED)))
        if quantity is None:
            quantity = i64(np.where(rng.random(n) < 0.15, 1 + np.minimum(rng.geometric(0.5, n), 4), 1))
        paid = created + 15 + np.minimum(rng.lognormal(np.log(90.0), 0.9, n), HOUR).astype(np.int64)
        paid = i64(np.where((status == 2) & (rng.random(n) < 0.7), NULL, paid))
        virtual = self.pop.item_category[item] == len(md.CATEGORIES)
        ships = ~virtual & ((status == COMPLETED) | ((status == REFUNDED) & (rng.random(n) < 0.5)))
        handling = np.clip(rng.lognormal(np.log(14.0 * HOUR), 0.7, n), 1800, 4 * DAY).astype(np.int64)
        shipped = i64(np.where(ships, paid + handling, NULL))
        near = PROVINCE[self.pop.seller_division[seller]] == PROVINCE[self.buyer_division(buyer)]
        transit = (np.where(near, rng.uniform(1.0, 2.0, n), rng.uniform(1.5, 5.0, n)) * DAY).astype(np.int64)
        signed = i64(np.where(ships, shipped + transit, NULL))
        amount = self.prices.at(item, created) * quantity
        waybill = np.full(n, NULL, dtype=np.int64)
        self.orders.add(order=o, seller=seller, buyer=buyer, item=item, quantity=quantity, amount=amount,
                        created=created, paid=paid, shipped=shipped, signed=signed, status=status, waybill=waybill)
        real = ships if ship is None else ships & ship
        if real.any():
            waybill[real] = self.parcels(o[real], seller[real], buyer[real], item[real], quantity[real],
                                         paid[real], shipped[real], signed[real])
        return Batch(o, seller, buyer, item, quantity, created, paid, shipped, signed, status, waybill,
                     ships & ~real)

    def new_waybills(self, n: int) -> I64:
        start = self.n_w + self._n_new_waybills
        self._n_new_waybills += n
        return i64(np.arange(start, start + n))

    def carrier(self, seller: I64) -> I64:
        n = len(self.pop.carrier_usccs)
        other = self.rng.random(len(seller)) < 0.2
        return i64(np.where(other, (self.pop.seller_carrier[seller] + 1 + self.rng.integers(0, max(n - 1, 1),
                                                                                       len(seller))) % n,
                            self.pop.seller_carrier[seller]))

    def outlet(self, carrier: I64, division: I64, number: I64) -> I64:
        """Outlet ids as the honest tracking writes them (prefix, county code, three digits)."""
        prefixes = self.market.prefixes
        vals = [f"{prefixes[int(c)]}{md.DIVISIONS[int(d)][0]}{int(k):03d}"
                for c, d, k in zip(carrier.tolist(), division.tolist(), number.tolist(), strict=True)]
        return self.text_outlets(vals)

    def text_outlets(self, values: list[str]) -> I64:
        start = len(self.outlets)
        self.outlets.extend(values)
        return i64(np.arange(start, start + len(values)))

    def parcels(self, o: I64, seller: I64, buyer: I64, item: I64, quantity: I64, paid: I64, shipped: I64,
                signed: I64) -> I64:
        """Real parcels: an honest-looking waybill and five scans per order; their waybill indices."""
        rng, n = self.rng, len(o)
        w = self.new_waybills(n)
        grams = WEIGHT_MEDIAN[self.pop.item_category[item]] * rng.lognormal(0.0, 0.5, n) * quantity ** 0.8
        carrier = self.carrier(seller)
        origin, dest = self.pop.seller_division[seller], self.buyer_division(buyer)
        self.waybills.add(waybill=w, carrier=carrier, origin=origin, dest=dest,
                          weight=i64(np.maximum(20, np.round(grams))),
                          created=paid + ((shipped - paid) * rng.uniform(0.2, 0.9, n)).astype(np.int64))
        trip = signed - shipped
        times = np.stack([shipped, shipped + (trip * rng.uniform(0.05, 0.2, n)).astype(np.int64),
                          shipped + (trip * rng.uniform(0.5, 0.8, n)).astype(np.int64), np.zeros(n, np.int64),
                          signed], axis=1)
        times[:, 3] = times[:, 2] + ((signed - times[:, 2]) * rng.uniform(0.6, 0.95, n)).astype(np.int64)
        local_o, local_d = seller % 37 + 1, buyer % 37 + 1
        number = np.stack([local_o, np.full(n, 900), np.full(n, 900), local_d, local_d], axis=1)
        division = np.stack([origin, origin, dest, dest, dest], axis=1)
        self.add_tracking(np.repeat(w, 5), times.ravel(), np.tile(np.arange(5), n), division.ravel(),
                          np.repeat(carrier, 5), number.ravel())
        return w

    def add_tracking(self, w: I64, time: I64, event: I64, division: I64, carrier: I64, number: I64) -> None:
        self.tracking.add(waybill=i64(w), time=i64(time), event=i64(event), division=i64(division),
                          outlet=self.outlet(i64(carrier), i64(division), i64(number)))

    # --- ratings -----------------------------------------------------------------------------------
    def add_ratings(self, order: I64, direction: int, kind: int, score: I64, dsr: I64, text: I64,
                    created: I64) -> I64:
        n = len(order)
        start = self._n_new_ratings
        self._n_new_ratings += n
        r = i64(np.arange(start, start + n))  # offsets past the honest ratings
        keep = created < self.p.t1
        self.ratings.add(rating=r[keep], order=order[keep], direction=np.full(int(keep.sum()), direction),
                         kind=np.full(int(keep.sum()), kind), score=score[keep], dsr=dsr[keep],
                         text=text[keep], created=created[keep])
        return r[keep]

    def rate_like_honest(self, o: I64, status: I64, deal: I64, *, bad_p: float = 0.012) -> None:
        """Buyer and seller ratings of completed orders as honest customers give them."""
        rng = self.rng
        done = status == COMPLETED
        o, deal = o[done], deal[done]
        n = len(o)
        window = 15 * DAY
        rates = rng.random(n) < 0.85
        u = rng.random(n)
        score = i64(np.where(u < bad_p, BAD, np.where(u < bad_p + 0.022, NEUTRAL, GOOD)))
        b_time = deal + 60 + rng.exponential(2.5 * DAY, n).astype(np.int64) % (window - 120)
        base = np.array([5, 3, 2])[score]
        dsr = np.clip(base[:, None] - (rng.random((n, 3)) < np.array([0.22, 0.5, 0.6])[score][:, None])
                      + (rng.random((n, 3)) > 0.9) - (rng.random((n, 3)) < 0.1), 1, 5)
        dsr = i64(dsr * (rng.random(n) < 0.92)[:, None])
        text = self.honest_text(B2S, score, np.where(score == GOOD, 0.35, 0.05))
        self.add_ratings(o[rates], B2S, INITIAL, score[rates], dsr[rates], text[rates], b_time[rates])
        s_rates = rng.random(n) < np.where(rates, 0.76, 0.45)
        s_time = np.where(rates, b_time + rng.exponential(6.0 * HOUR, n).astype(np.int64),
                          deal + 60 + rng.exponential(3.0 * DAY, n).astype(np.int64) % (window - 120))
        s_time = i64(np.minimum(s_time, deal + window - 60))
        good = np.zeros(n, dtype=np.int64)
        self.add_ratings(o[s_rates], S2B, INITIAL, good[s_rates], np.zeros((int(s_rates.sum()), 3), np.int64),
                         self.honest_text(S2B, good, np.full(n, 0.5))[s_rates], s_time[s_rates])

    def honest_text(self, direction: int, score: I64, null_p: np.ndarray) -> I64:
        key = ("buyer_to_seller", "seller_to_buyer")[direction]
        starts, sizes = [], []
        for s in ("good", "neutral", "bad"):
            group = md.TEXTS[(key, "initial", s)]
            starts.append(TEXT_POOL.index(group[0]))
            sizes.append(len(group))
        st, sz = np.array(starts)[score], np.array(sizes)[score]
        chosen = st + (self.rng.random(len(score)) * sz).astype(np.int64)
        return i64(np.where(self.rng.random(len(score)) < null_p, NULL, chosen))

    # --- traffic before an order ----------------------------------------------------------------
    def browse_before(self, o: I64, buyer: I64, seller: I64, item: I64, created: I64) -> None:
        """The view, click and (half the time) cart the honest traffic shows before each order of its week."""
        since = max(self.p.t0, self.p.t1 - 7 * DAY)
        inside = created >= since
        if not inside.any():
            return
        rng = self.rng
        b, s, it, t = buyer[inside], seller[inside], item[inside], created[inside]
        n = len(b)
        view = t - rng.integers(120, HOUR, n)
        click = view + rng.integers(5, 120, n)
        cart = click + ((t - click) * rng.uniform(0.1, 0.9, n)).astype(np.int64)
        carts = rng.random(n) < 0.5
        visitor = self.visitor_of(b)
        dev, ip = self.text(self.device_of(b)), self.text(self.ip_of(b))
        for mask, when, event in ((np.ones(n, bool), view, 0), (np.ones(n, bool), click, 1), (carts, cart, 2)):
            self.traffic.add(visitor=visitor[mask], seller=s[mask], item=it[mask], time=when[mask],
                             event=np.full(int(mask.sum()), event), ip=ip[mask], device=dev[mask])

    def visitor_of(self, b: I64) -> I64:
        """Visitor ids (as text indices): a known buyer's as the honest traffic gives it, else a fresh one."""
        from chengxin.demo.market_frames import scramble

        honest = scramble(np.minimum(b, self.n_b - 1), 60_493_000_007, 577_215_664)
        fresh = (b * 7_919_000_013 + self.seed * 104_729 + 12_345) % 10**12
        number = np.where(b < self.n_b, honest, fresh)
        return self.text([f"V{int(v):012d}" for v in number])
