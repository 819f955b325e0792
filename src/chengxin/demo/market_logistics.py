"""Waybills and their tracking events: one parcel per shipped order, five scans from pickup to signature.

collected (the seller's outlet, at ``shipped_at``) → departed (the origin sorting hub) → arrived (the
destination hub) → out_for_delivery → signed (the buyer's outlet, at ``signed_at``). Outlet ids are the
carrier's prefix, the county code and a three-digit number (900 = the county's sorting hub).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from chengxin.demo import market_data as md
from chengxin.demo.market_core import I64, Params, i64, stream
from chengxin.demo.market_frames import Namer, Table, carrier_of, choose, times, waybill_numbers

EVENT_TYPES = ("collected", "departed", "arrived", "out_for_delivery", "signed")
DIVISION_CODES = tuple(d[0] for d in md.DIVISIONS)
HUB = 900


def prefixes_for(carriers: int) -> tuple[str, ...]:
    """Waybill prefixes of the carriers (SF, YT, …; SF2, YT2, … when there are more than eight)."""
    base = md.CARRIER_PREFIXES
    return tuple(base[k % len(base)] + (str(k // len(base) + 1) if k >= len(base) else "") for k in range(carriers))


def _outlets(prefix: pl.Series, division: I64, number: I64) -> pl.Series:
    digits = pl.Series(number).cast(pl.String).str.zfill(3)
    return prefix + choose(DIVISION_CODES, division) + digits


def logistics(p: Params, namer: Namer, prefixes: tuple[str, ...]) -> tuple[Table, Table]:
    """(waybills, tracking_events)."""
    pop, od = namer.pop, namer.orders
    rng = stream(p.seed, 6)
    of = i64(np.flatnonzero(od.waybill >= 0))  # waybills are numbered in order sequence
    n = len(of)
    median = np.array([c[3] for c in md.CATEGORIES] + [10], dtype=np.float64)
    grams = median[pop.item_category[od.item[of]]] * rng.lognormal(0.0, 0.5, n) * od.quantity[of] ** 0.8
    weight = i64(np.maximum(20, np.round(grams)))
    paid, shipped, signed = od.paid[of], od.shipped[of], od.signed[of]
    label_time = paid + ((shipped - paid) * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    trip = signed - shipped
    departed = shipped + (trip * rng.uniform(0.05, 0.2, n)).astype(np.int64)
    arrived = shipped + (trip * rng.uniform(0.5, 0.8, n)).astype(np.int64)
    out = arrived + ((signed - arrived) * rng.uniform(0.6, 0.95, n)).astype(np.int64)
    events = np.stack([shipped, departed, arrived, out, signed], axis=1)
    origin, dest = pop.seller_division[od.seller[of]], pop.buyer_division[od.buyer[of]]
    carrier = carrier_of(pop, od, of)

    def waybills(lo: int, hi: int) -> pl.DataFrame:
        return pl.DataFrame({
            "waybill_no": waybill_numbers(pop, od, of[lo:hi], prefixes),
            "carrier_uscc": choose(pop.carrier_usccs, carrier[lo:hi]),
            "origin_division": choose(DIVISION_CODES, origin[lo:hi]),
            "dest_division": choose(DIVISION_CODES, dest[lo:hi]),
            "weight_g": pl.Series(weight[lo:hi]),
            "created_at": times(label_time[lo:hi]),
        })

    def tracking(lo: int, hi: int) -> pl.DataFrame:
        m = hi - lo
        row = np.repeat(np.arange(m), 5)
        kind = np.tile(np.arange(5), m)
        at_origin = kind < 2
        w = lo + row
        division = np.where(at_origin, origin[w], dest[w])
        local = np.where(at_origin, od.seller[of[w]], od.buyer[of[w]]) % 37 + 1
        number = np.where((kind == 1) | (kind == 2), HUB, local)
        return pl.DataFrame({
            "waybill_no": waybill_numbers(pop, od, of[lo:hi], prefixes).gather(row),
            "event_time": times(i64(events[lo:hi].ravel())),
            "event_type": choose(EVENT_TYPES, i64(kind)),
            "division": choose(DIVISION_CODES, i64(division)),
            "outlet_id": _outlets(choose(prefixes, carrier[w]), i64(division), i64(number)),
        })

    return Table(n, waybills), Table(n, tracking, per_unit=5)
