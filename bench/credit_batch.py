"""Benchmark of the batch transaction-credit pipeline (``chengxin.analytics.credit.compute_credit``).

``run(n_ratings, engine)`` generates a seeded in-memory marketplace (vectorised with NumPy and Polars)
holding ``n_ratings`` ratings on about half as many orders, then times ``compute_credit`` on it
(loading into the engine, the pipeline and collecting the result) and reports the process's peak RSS.

    .venv/bin/python bench/credit_batch.py --ratings 10000000 --engine polars
    .venv/bin/python bench/credit_batch.py --ratings 200000 --engine spark --check   # same result as Polars?

The shape of the data: 95 % of orders completed (the rest refunded or cancelled); every completed order
gets a buyer→seller rating and most also a seller→buyer one; sellers skewed (a few with very many
orders), a few items per seller, buyers mildly skewed, 30 % of orders placed with the buyer's usual
shop (so pairs repeat and the same-item rule and monthly cap have work); orders over the 400 days before
the day, deal (signing) within a week, ratings within 16 days of the deal (so a few fall outside the
window, and orders without a seller's rating get a default one); 95 % good, 3 % neutral, 2 % bad; 3 %
of orders of ¥1 or less; store ratings (DSR) on most buyers' ratings.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from chengxin.analytics.credit import compute_credit
from chengxin.analytics.engines import stop_spark
from chengxin.domains.ratings import rules as rr

DAY = date(2026, 6, 30)
SEED = 20260630
US_PER_DAY = 86_400_000_000
RATINGS_PER_ORDER = 1.8  # 0.95 completed × (1 buyer's + ~0.9 seller's rating)
REPEAT_SHARE = 0.3  # orders placed with the buyer's usual shop (repeat purchases between a pair)


def _ids(prefix: str, values: np.ndarray[Any, Any]) -> pl.Series:
    """``prefix`` followed by each number, as text ("o17")."""
    return pl.select(pl.lit(prefix) + pl.Series(values, dtype=pl.Int64).cast(pl.String)).to_series()


def _pick(rng: np.random.Generator, words: list[str], n: int, p: list[float]) -> pl.Series:
    """``n`` of ``words`` drawn with probabilities ``p`` (gathered by index: no NumPy text arrays)."""
    return pl.Series(words, dtype=pl.String).gather(rng.choice(len(words), n, p=p))


def _times(us: np.ndarray[Any, Any]) -> pl.Series:
    return pl.Series(us, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def _dsr(rng: np.random.Generator, m: int) -> pl.Series:
    """Store ratings of ``m`` buyers' ratings: mostly 5 and 4, one in ten not given."""
    values = pl.Series(rng.choice(np.array([5, 4, 3, 2, 1]), m, p=[0.7, 0.2, 0.05, 0.03, 0.02]), dtype=pl.Int64)
    return values.scatter(np.flatnonzero(rng.random(m) < 0.1), None)


def dataset(n_ratings: int, *, seed: int = SEED) -> dict[str, pl.DataFrame]:
    """``orders`` and ``ratings`` frames as the marketplace contract has them, with ``n_ratings`` ratings."""
    rng = np.random.default_rng(seed)
    n = max(2, int(np.ceil(n_ratings / RATINGS_PER_ORDER)))
    n_sellers, n_buyers = max(2, n // 60), max(4, n // 4)
    buyer = np.floor(n_buyers * rng.random(n) ** 1.5).astype(np.int64)
    seller = np.floor(n_sellers * rng.random(n) ** 3).astype(np.int64)  # skewed: low ids sell a lot
    home = np.floor(n_sellers * rng.random(n_buyers) ** 3).astype(np.int64)  # each buyer's usual shop
    loyal = np.flatnonzero(rng.random(n) < REPEAT_SHARE)
    seller[loyal] = home[buyer[loyal]]
    del home, loyal
    end = int(rr.end_of_day(DAY).timestamp() * 1_000_000)
    created = end - rng.integers(0, 400 * US_PER_DAY, n)
    paid = created + rng.integers(0, 3_600_000_000, n)
    deal = paid + rng.integers(US_PER_DAY, 7 * US_PER_DAY, n)  # signing; one in ten orders is never signed
    unsigned = np.flatnonzero(rng.random(n) < 0.1)
    cheap = rng.random(n) < 0.03
    amount = np.where(cheap, rng.integers(1, 101, n), np.exp(rng.normal(8.5, 1.0, n)).astype(np.int64))
    status = _pick(rng, ["completed", "refunded", "cancelled"], n, [0.95, 0.03, 0.02])
    orders = pl.DataFrame(
        {
            "order_id": _ids("o", np.arange(n)),
            "platform_id": pl.repeat("p1", n, eager=True),
            "buyer_account_id": _ids("b", buyer),
            "seller_account_id": _ids("s", seller),
            "item_id": _ids("i", seller * 8 + rng.integers(0, 8, n)),
            "quantity": pl.Series(rng.integers(1, 4, n)),
            "amount_fen": pl.Series(amount),
            "created_at": _times(created),
            "paid_at": _times(paid),
            "shipped_at": _times(paid + 3_600_000_000),
            "signed_at": _times(deal).scatter(unsigned, None),
            "waybill_no": pl.repeat(None, n, dtype=pl.String, eager=True),
            "status": status,
        }
    )
    del created, amount, cheap
    deal[unsigned] = paid[unsigned]
    del paid
    done = np.flatnonzero((status == "completed").to_numpy())
    n_s2b = int(np.clip(n_ratings - done.size, 0, done.size))
    b2s_orders = done[: max(0, n_ratings - n_s2b)]
    s2b_orders = np.sort(rng.choice(done, n_s2b, replace=False))
    parts = []
    for b2s, rows in ((True, b2s_orders), (False, s2b_orders)):
        m = rows.size
        rater, ratee = (buyer, seller) if b2s else (seller, buyer)
        no_dsr = pl.repeat(None, m, dtype=pl.Int64, eager=True)
        parts.append(
            pl.DataFrame(
                {
                    "order_id": _ids("o", rows),
                    "rater_account_id": _ids("b" if b2s else "s", rater[rows]),
                    "ratee_account_id": _ids("s" if b2s else "b", ratee[rows]),
                    "direction": pl.repeat("buyer_to_seller" if b2s else "seller_to_buyer", m, eager=True),
                    "kind": pl.repeat("initial", m, eager=True),
                    "score": _pick(rng, ["good", "neutral", "bad"], m, [0.95, 0.03, 0.02]),
                    **{f: _dsr(rng, m) if b2s else no_dsr for f in rr.DSR_FIELDS},
                    "text": pl.repeat(None, m, dtype=pl.String, eager=True),
                    "created_at": _times(deal[rows] + rng.integers(0, 16 * US_PER_DAY, m)),
                }
            )
        )
    ratings = pl.concat(parts)
    del parts
    rating_ids = _ids("r", np.arange(ratings.height))
    return {"orders": orders, "ratings": ratings.select(rating_ids.alias("rating_id"), *ratings.columns)}


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run(n_ratings: int, engine: str, *, keep_result: bool = False) -> dict[str, Any]:
    """Generate ``n_ratings`` ratings, time ``compute_credit`` on ``engine``; seconds and peak RSS (MiB),
    all JSON-able (plus the result frame under ``result`` when ``keep_result``).

    ``peak_rss_mib`` is the Python process's high-water mark (generation included); with Spark the JVM
    is a separate process and is not in it."""
    started = time.perf_counter()
    data = dataset(n_ratings)
    generated = time.perf_counter()
    rss_before = _peak_rss_mib()
    result = compute_credit(data, day=DAY, rules=rr.load_rules(str(rr.DEFAULTS)), engine=engine)
    seconds = time.perf_counter() - generated
    outcome: dict[str, Any] = {
        "engine": engine,
        "n_ratings": data["ratings"].height,
        "n_orders": data["orders"].height,
        "accounts": result.height,
        "seconds": round(seconds, 2),
        "generate_seconds": round(generated - started, 2),
        "peak_rss_mib_after_generation": round(rss_before),
        "peak_rss_mib": round(_peak_rss_mib()),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if keep_result:
        outcome["result"] = result
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--engine", default="polars", choices=["polars", "duckdb", "spark"])
    parser.add_argument("--check", action="store_true", help="compare the result with Polars on the same data")
    args = parser.parse_args(argv)
    outcome = run(args.ratings, args.engine, keep_result=args.check)
    result = outcome.pop("result", None)
    if args.check:
        expected = compute_credit(dataset(args.ratings), day=DAY, rules=rr.load_rules(str(rr.DEFAULTS)))
        outcome["same_as_polars"] = result is not None and result.equals(expected)
    stop_spark()
    print(json.dumps(outcome))
    return 0 if outcome.get("same_as_polars", True) else 1


if __name__ == "__main__":
    sys.exit(main())
