"""Ids for honest and injected rows alike: one random permutation per kind of number.

The honest generator numbers buyers, orders, ratings and waybills by their position; here every
position — honest or injected — gets its number from one shuffled range, so injected accounts, orders,
ratings and waybills are neither the highest numbers nor distinguishable by how their number was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from chengxin.demo import market_frames as mf
from chengxin.demo.market_core import I64, i64

ORDER = (48_271_000_001, 3_141_592_653)
RATING = (91_815_541_003, 1_618_033_988)
WAYBILL = (73_939_133_001, 2_718_281_828)


@dataclass
class Space:
    buyer_no: I64
    buyer_platform: I64
    order_no: I64
    rating_no: I64
    waybill_no: I64


def make_space(seed: int, buyer_platform: I64, orders: int, ratings: int, waybills: int) -> Space:
    rng = np.random.default_rng([seed, 4242])
    n_b = len(buyer_platform)
    spare = n_b + max(10, n_b // 20)  # unused numbers too, as in any real account table
    return Space(
        buyer_no=i64(rng.permutation(spare)[:n_b]),
        buyer_platform=buyer_platform,
        order_no=i64(rng.permutation(orders)),
        rating_no=i64(rng.permutation(ratings)),
        waybill_no=i64(rng.permutation(waybills)),
    )


def digits(number: I64, constants: tuple[int, int]) -> pl.Series:
    return pl.Series(mf.scramble(number, *constants)).cast(pl.String).str.zfill(12)


@dataclass
class ExtNamer(mf.Namer):
    """The honest ``Namer`` with buyers (honest and injected) and orders numbered from a ``Space``."""

    space: Space = field(default_factory=lambda: Space(*(np.zeros(0, np.int64),) * 5))

    @property
    def buyer_digits(self) -> int:
        return mf.width(len(self.space.buyer_no) + len(self.space.buyer_no) // 20 + 10, 6)

    def buyer(self, b: I64) -> pl.Series:
        return mf.ids(self.space.buyer_platform[b], "B", self.space.buyer_no[b], self.buyer_digits)

    def order(self, o: I64) -> pl.Series:
        return self.order_of(self.pop.seller_platform[self.orders.seller[o]], o)

    def order_of(self, platform: I64, o: I64) -> pl.Series:
        return mf.ids(platform, "O", mf.scramble(self.space.order_no[o], *ORDER), 12)

    def rating_of(self, platform_prefix: pl.Series, r: I64) -> pl.Series:
        """``P01-R…`` from the order id's platform prefix and the rating's position."""
        return platform_prefix.str.slice(0, 3) + "-R" + digits(self.space.rating_no[r], RATING)

    def waybill_of(self, prefix: pl.Series, w: I64) -> pl.Series:
        """The carrier's prefix and the waybill's number; null where ``w`` is negative."""
        text = prefix + digits(self.space.waybill_no[np.maximum(w, 0)], WAYBILL)
        return pl.select(pl.when(pl.Series(w >= 0)).then(text)).to_series()
