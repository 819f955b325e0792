"""Ratings of completed orders, valid under the transaction-credit rules (``chengxin.domains.ratings.rules``).

Buyers rate ~85% of completed orders (lazy buyers seldom), mostly good, worse for poor sellers and late
parcels, with store ratings (DSR) on most; sellers rate ~70% of buyers, often right after the buyer; ~5%
of orders get a follow-up review (追评, no score of its own). Every initial rating falls inside the rating
window after the deal, every follow-up after its initial and inside the follow-up window, and none after
the snapshot's cutoff: orders left unrated then lapse into default ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chengxin.demo import market_data as md
from chengxin.demo.market_core import COMPLETED, DAY, HOUR, I64, NULL, Orders, Params, Population, i64, stream
from chengxin.domains.ratings.rules import load_rules

B2S, S2B = 0, 1
INITIAL, FOLLOW_UP = 0, 1
GOOD, NEUTRAL, BAD = 0, 1, 2
DIRECTIONS = ("buyer_to_seller", "seller_to_buyer")
KINDS = ("initial", "follow_up")
SCORES = ("good", "neutral", "bad")

TEXT_POOL: tuple[str, ...] = tuple(t for group in md.TEXTS.values() for t in group)
_GROUPS = {key: i for i, key in enumerate(md.TEXTS)}
_TEXT_START = np.concatenate([[0], np.cumsum([len(g) for g in md.TEXTS.values()])]).astype(np.int64)
_DSR_VALUES = np.array([[5, 4, 3], [4, 3, 2], [3, 2, 1]])  # by score: the likely store ratings…
_DSR_CUM = np.array([[0.78, 0.97, 1.0], [0.3, 0.8, 1.0], [0.15, 0.5, 1.0]])  # …and their running odds


@dataclass
class Ratings:
    order: I64
    direction: I64
    kind: I64
    score: I64  # NULL for follow-ups
    dsr: I64  # (n, 3): description, service, logistics; 0 = none
    text: I64  # index into TEXT_POOL, NULL = no text
    created: I64

    def __len__(self) -> int:
        return len(self.order)


def _texts(direction: int, kind: int, score: I64, null_p: np.ndarray, rng: np.random.Generator) -> I64:
    groups = np.array([_GROUPS[(DIRECTIONS[direction], KINDS[kind], s)] for s in SCORES])[score]
    start, size = _TEXT_START[groups], _TEXT_START[groups + 1] - _TEXT_START[groups]
    chosen = start + (rng.random(len(score)) * size).astype(np.int64)
    return i64(np.where(rng.random(len(score)) < null_p, NULL, chosen))


def _late_window(offset: np.ndarray, limit: int) -> I64:
    """Offsets after the deal folded into (60 s, limit − 60 s)."""
    return i64(60 + offset.astype(np.int64) % (limit - 120))


def make_ratings(p: Params, pop: Population, orders: Orders) -> Ratings:
    rng = stream(p.seed, 5)
    rules = load_rules()
    window, follow = rules.rating_window_days * DAY, rules.follow_up_window_days * DAY
    done = np.flatnonzero(orders.status == COMPLETED)
    n = len(done)
    seller, buyer = orders.seller[done], orders.buyer[done]
    signed, paid = orders.signed[done], orders.paid[done]
    deal = np.where(signed >= 0, signed, np.where(paid >= 0, paid, orders.created[done]))
    late = (signed >= 0) & (signed - orders.shipped[done] > 3.5 * DAY)

    b_rates = rng.random(n) < np.where(pop.buyer_lazy[buyer], 0.25, 0.9)
    risk = pop.seller_quality[seller] * np.where(late, 2.0, 1.0)
    u = rng.random(n)
    b_score = i64(np.where(u < 0.012 * risk, BAD, np.where(u < 0.034 * risk, NEUTRAL, GOOD)))
    b_time = deal + _late_window(rng.exponential(2.5 * DAY, n), window)
    column = (rng.random(n)[:, None] > _DSR_CUM[b_score]).sum(axis=1)
    jitter = rng.random((n, 3))
    dsr = _DSR_VALUES[b_score, column][:, None] + (jitter > 0.9) - (jitter < 0.1)
    dsr[:, 2] -= late
    dsr = np.clip(dsr, 1, 5) * (rng.random(n) < 0.92)[:, None]

    s_rates = rng.random(n) < np.where(b_rates, 0.76, 0.45)
    v = rng.random(n)
    retaliates = b_rates & (b_score == BAD) & (v < 0.12)
    s_score = i64(np.where(retaliates | (v < 0.002), BAD, np.where(v > 0.996, NEUTRAL, GOOD)))
    replies = b_rates & (rng.random(n) < 0.6)
    s_offset = np.where(replies, b_time - deal + rng.exponential(6.0 * HOUR, n), rng.exponential(3.0 * DAY, n))
    s_time = deal + _late_window(s_offset, window)

    f_rates = b_rates & (rng.random(n) < 0.06)
    f_start = b_time + HOUR
    room = np.maximum(deal + follow - 60 - f_start, 1)
    f_time = f_start + rng.exponential(20.0 * DAY, n).astype(np.int64) % room

    good_quiet = np.where(b_score == GOOD, 0.35, 0.05)
    parts = [
        (b_rates, B2S, INITIAL, b_score, dsr, _texts(B2S, INITIAL, b_score, good_quiet, rng), b_time),
        (s_rates, S2B, INITIAL, s_score, np.zeros((n, 3), dtype=np.int64),
         _texts(S2B, INITIAL, s_score, np.where(s_score == GOOD, 0.5, 0.05), rng), s_time),
        (f_rates, B2S, FOLLOW_UP, np.full(n, NULL), np.zeros((n, 3), dtype=np.int64),
         _texts(B2S, FOLLOW_UP, b_score, np.zeros(n), rng), f_time),
    ]
    keep = [mask & (when < p.t1) for mask, *_, when in parts]
    cat = np.concatenate
    order = i64(cat([done[k] for k in keep]))
    direction = i64(cat([np.full(int(k.sum()), part[1]) for k, part in zip(keep, parts, strict=True)]))
    kind = i64(cat([np.full(int(k.sum()), part[2]) for k, part in zip(keep, parts, strict=True)]))
    score = i64(cat([part[3][k] for k, part in zip(keep, parts, strict=True)]))
    dsr_all = i64(cat([part[4][k] for k, part in zip(keep, parts, strict=True)]))
    text = i64(cat([part[5][k] for k, part in zip(keep, parts, strict=True)]))
    created = i64(cat([part[6][k] for k, part in zip(keep, parts, strict=True)]))
    by_time = np.lexsort((kind, direction, order, created))
    return Ratings(order[by_time], direction[by_time], kind[by_time], score[by_time], dsr_all[by_time],
                   text[by_time], created[by_time])
