"""The two computations of transaction credit agree: the service (ratings taken in one by one through
the import, points kept per pair, counts and DSR read from the stored ratings) and the batch pipeline
(Narwhals on Polars) over the same data — on random rating streams and on the demo marketplace."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.analytics.credit import compute_credit
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.market import contract, importer
from chengxin.domains.ratings import defaults, export, rules
from chengxin.security.actor import cli_actor
from tests.market_data import T0, order, rating

ACTOR = cli_actor("tests")
POLICY = rules.load_rules()
# After every initial rating of the streams (the service's points hold every stored rating; the
# batch counts those given before the end of the day)
DAY = (T0 + timedelta(days=120)).date()
_examples = itertools.count()


@st.composite
def streams(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A small market: 2 sellers, 3 buyers, 2 items each, up to 30 orders over 90 days, ratings in time
    order — some late, some by the wrong party, some twice, neutral and bad ones, follow-ups."""
    n = next(_examples)
    sellers, buyers = [f"x{n}-S{i}" for i in range(2)], [f"x{n}-B{i}" for i in range(3)]
    accounts = [
        {
            "account_id": a,
            "platform_id": "P1",
            "role": "seller" if "-S" in a else "buyer",
            "created_at": T0 - timedelta(days=9),
            "subject_id": None,
        }
        for a in sellers + buyers
    ]
    items = [
        {"item_id": f"{s}-I{k}", "seller_account_id": s, "category": "服装", "list_price_fen": 5000}
        for s in sellers
        for k in range(2)
    ]
    orders, ratings = [], []
    for i in range(draw(st.integers(1, 30))):
        s, b = draw(st.sampled_from(sellers)), draw(st.sampled_from(buyers))
        at = T0 + timedelta(days=draw(st.integers(0, 90)), hours=draw(st.integers(0, 23)))
        o = order(
            f"x{n}-O{i}",
            b,
            s,
            f"{s}-I{draw(st.integers(0, 1))}",
            at,
            amount=draw(st.sampled_from([50, 100, 101, 5000])),
            status=draw(st.sampled_from(["completed"] * 6 + ["refunded", "cancelled"])),
            signed_after=timedelta(days=draw(st.integers(1, 5))),
        )
        orders.append(o)
        scores = st.sampled_from(["good", "good", "good", "neutral", "bad"])
        for j, direction in enumerate(("buyer_to_seller", "seller_to_buyer")):
            if draw(st.booleans()):
                late = timedelta(days=draw(st.sampled_from([0, 3, 14, 16])))
                dsr = (draw(st.integers(1, 5)), None, draw(st.integers(1, 5))) if j == 0 else (None, None, None)
                wrong = draw(st.integers(0, 9)) == 0
                ratings.append(
                    rating(
                        f"x{n}-R{i}-{j}",
                        o,
                        draw(scores),
                        after=late,
                        direction=direction,
                        dsr=dsr,
                        rater=b if wrong and j == 1 else None,
                    )
                )
                if draw(st.integers(0, 4)) == 0:
                    ratings.append(
                        rating(f"x{n}-R{i}-{j}b", o, draw(scores), after=late + timedelta(hours=1), direction=direction)
                    )
                if draw(st.integers(0, 3)) == 0:
                    ratings.append(
                        rating(
                            f"x{n}-R{i}-{j}f",
                            o,
                            None,
                            kind="follow_up",
                            direction=direction,
                            after=late + timedelta(days=draw(st.integers(1, 30))),
                        )
                    )
    ratings.sort(key=lambda r: r["created_at"])
    return {
        "accounts": accounts,
        "items": items,
        "orders": orders,
        "ratings": ratings,
        "account_links": [],
        "waybills": [],
        "tracking_events": [],
    }


def _frames(tables: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[pl.DataFrame, str]]:
    out = {}
    for name, rows in tables.items():
        spec = contract.TABLES[name]
        data = {
            c: [
                None if r.get(c) is None else str(r[c]) if not hasattr(r[c], "isoformat") else r[c].isoformat()
                for r in rows
            ]
            for c in spec.names
        }
        out[name] = (pl.DataFrame(data, schema={c: pl.String for c in spec.names}), name)
    return out


def _mine(result: pl.DataFrame, prefix: str) -> pl.DataFrame:
    return result.filter(pl.col("account_id").str.starts_with(prefix)).sort("account_id", "side")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=streams())
def test_service_and_batch_agree_on_random_streams(db: Database, stream: dict[str, list[dict[str, Any]]]) -> None:
    prefix = stream["accounts"][0]["account_id"].split("-")[0] + "-"
    importer.import_frames(db, _frames(stream), actor=ACTOR, policy=POLICY)
    with unit_of_work(db) as s:
        defaults.apply_defaults(s, DAY, policy=POLICY, now=utcnow())
    with unit_of_work(db, readonly=True) as s:
        everything = compute_credit(export.frames(s), day=DAY, rules=POLICY)  # this example's and earlier ones'
        comparison = export.compare(s, everything, day=DAY, policy=POLICY, sample=0)
    assert comparison.differences == []
    assert comparison.details_checked == everything.height
    from_db = _mine(everything, prefix)
    # the batch over the platform's raw tables (invalid rows included) gives the same numbers
    raw = {
        name: contract.parse(frame, contract.TABLES[name], source=name)[0].drop("_row", "_error", "_detail")
        for name, (frame, _) in _frames(stream).items()
        if name in ("orders", "ratings")
    }
    from_input = _mine(compute_credit(raw, day=DAY, rules=POLICY), prefix)
    assert from_input.equals(from_db)


def test_service_and_batch_agree_on_the_demo_marketplace(db: Database, tmp_path: Any) -> None:
    from chengxin.demo.market import generate_market

    day = date(2025, 12, 31)
    generate_market(
        tmp_path, seed=11, platforms=2, sellers=40, buyers=400, orders=4000, start=date(2025, 6, 1), end=day, fmt="csv"
    )
    result = importer.import_dataset(db, tmp_path, actor=ACTOR, policy=POLICY)
    assert result.as_dict()["rejected"] == 0
    with unit_of_work(db) as s:
        assert defaults.apply_defaults(s, day, policy=POLICY, now=utcnow()) > 0
    with unit_of_work(db, readonly=True) as s:
        batch = compute_credit(export.frames(s), day=day, rules=POLICY)
        comparison = export.compare(s, batch, day=day, policy=POLICY, sample=200)
    assert comparison.differences == []
    assert comparison.points_checked == batch.height > 400
    assert (
        compute_credit(tmp_path, day=day, rules=POLICY)
        .sort("account_id", "side")
        .equals(batch.sort("account_id", "side"))
    )
