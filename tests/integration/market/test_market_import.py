"""Platform data intake: per-row refusals with reasons, idempotent re-runs, updates, rating changes,
points kept as ratings arrive, the hash chain, default ratings — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select, text

from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.market import importer
from chengxin.domains.ratings import chain, defaults, rules, service
from chengxin.domains.ratings.models import CreditPoints, Rating
from chengxin.errors import UnusableInput
from chengxin.security.actor import cli_actor
from tests.market_data import T0, order, rating, shop, write

ACTOR = cli_actor("tests")
POLICY = rules.load_rules()


def _run(db: Database, folder: Path) -> importer.MarketImport:
    return importer.import_dataset(db, folder, actor=ACTOR, policy=POLICY)


def _bad_input_dataset(tmp_path: Path, fmt: str = "csv") -> Path:
    t = shop()
    t["accounts"].append(
        {"account_id": "X1", "platform_id": "P1", "role": "admin", "created_at": T0, "subject_id": None}
    )
    t["accounts"].append(
        {
            "account_id": "S9",
            "platform_id": "P1",
            "role": "seller",
            "created_at": T0,
            "subject_id": "91350100M000100Y44",
        }
    )
    o1 = order("O1", "B1", "S1", "S1-I1", T0)
    o2 = order("O2", "B2", "S1", "S1-I1", T0, status="cancelled")
    o3 = order("O3", "B2", "S1", "S1-I1", T0 + timedelta(days=1))
    bad_item = order("O4", "B2", "S1", "NOPE", T0)
    t["orders"] = [o1, o2, o3, bad_item]
    t["ratings"] = [
        rating("R1", o1, "good", dsr=(5, 5, 4), text="很好"),  # 2: accepted
        rating("R2", o1, "good", direction="seller_to_buyer"),  # 3: accepted
        rating("R3", o2, "bad"),  # 4: order_not_completed
        rating("R4", o3, "bad", rater="B1"),  # 5: not_a_party
        rating("R5", o3, "bad", dsr=(6, None, None)),  # 6: dsr_out_of_range
        rating("R6", o3, "bad", after=timedelta(days=16)),  # 7: outside_window
        rating("R7", o3, None, kind="follow_up", text="追评"),  # 8: follow_up_without_initial
        rating("R8", o1, "neutral"),  # 9: duplicate_rating
        rating("R9", o3, "neutral"),  # 10: accepted
        rating("R10", o3, None, kind="follow_up", after=timedelta(days=3)),  # 11: accepted
        {**rating("R11", o1, "good"), "order_id": "O99"},  # 12: order_unknown
        rating("R12", o3, "good", direction="seller_to_buyer", dsr=(5, None, None)),  # 13: dsr_not_allowed
        {**rating("R13", o3, "good"), "score": "excellent"},  # 14: value_not_allowed
    ]
    return write(tmp_path / "ds", t, fmt)


EXPECTED_REFUSALS = {
    ("accounts", 5): "value_not_allowed",
    ("accounts", 6): "uscc_invalid",
    ("orders", 5): "item_unknown",
    ("ratings", 4): "order_not_completed",
    ("ratings", 5): "not_a_party",
    ("ratings", 6): "dsr_out_of_range",
    ("ratings", 7): "outside_window",
    ("ratings", 8): "follow_up_without_initial",
    ("ratings", 9): "duplicate_rating",
    ("ratings", 12): "order_unknown",
    ("ratings", 13): "dsr_not_allowed",
    ("ratings", 14): "value_not_allowed",
}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_each_bad_row_is_refused_with_its_reason_and_the_rest_lands(db: Database, tmp_path: Path, fmt: str) -> None:
    folder = _bad_input_dataset(tmp_path, fmt)
    result = _run(db, folder)
    got = {(r.table, r.row): r.code for r in result.rejections}
    assert got == EXPECTED_REFUSALS
    assert all(r.detail for r in result.rejections)
    summary = result.as_dict()["tables"]
    assert {k: v for k, v in summary["ratings"].items() if k != "seconds"} == {
        "read": 13,
        "inserted": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 9,
    }
    assert summary["orders"]["inserted"] == 3 and summary["accounts"]["inserted"] == 3
    with unit_of_work(db, readonly=True) as s:
        stored = set(s.scalars(select(Rating.rating_id)))
    assert stored == {"R1", "R2", "R9", "R10"}


def test_the_row_by_row_path_gives_the_same_outcome(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch naming a rating twice goes row by row (``take_in_rows``); on any batch it must say
    what the batch check says."""
    from chengxin.domains.ratings import intake

    monkeypatch.setattr(intake, "take_in", lambda session, frame, **kw: intake.take_in_rows(
        session, frame.filter(pl.col("_error").is_null()).sort("_row"), **kw))  # fmt: skip
    result = _run(db, _bad_input_dataset(tmp_path))
    assert {(r.table, r.row): r.code for r in result.rejections} == EXPECTED_REFUSALS
    with unit_of_work(db, readonly=True) as s:
        assert set(s.scalars(select(Rating.rating_id))) == {"R1", "R2", "R9", "R10"}
        assert chain.verify(s)[1] == []


def test_a_rating_and_its_change_in_one_file(db: Database, tmp_path: Path) -> None:
    t = shop()
    o1 = order("O1", "B1", "S1", "S1-I1", T0)
    t["orders"] = [o1]
    first = rating("R1", o1, "bad")
    t["ratings"] = [{**first, "changed_at": None}, {**first, "score": "good", "changed_at": T0 + timedelta(days=5)}]
    result = _run(db, write(tmp_path / "a", t))
    assert result.rejections == []
    assert (result.tables["ratings"].inserted, result.tables["ratings"].updated) == (1, 1)
    with unit_of_work(db, readonly=True) as s:
        versions = [(r.version, r.score, r.is_current) for r in s.scalars(select(Rating).order_by(Rating.version))]
        assert versions == [(1, "bad", False), (2, "good", True)]
        assert s.scalar(select(CreditPoints.points).where(CreditPoints.account_id == "S1")) == 1
        assert chain.verify(s)[1] == []


def test_a_merge_of_new_rows_that_meet_a_stored_one_takes_the_long_way(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New-looking rows go straight in; when one is stored after all (another import got there
    first), the merge falls back to comparing every row."""
    from chengxin.db import table_of
    from chengxin.domains.market import store
    from chengxin.domains.market.models import Item

    rows = pl.DataFrame({"item_id": ["I1", "I2"], "seller_account_id": ["S1", "S1"], "category": ["书", "书"],
                         "list_price_fen": [100, 200]})  # fmt: skip
    table = table_of(Item)
    with unit_of_work(db) as s:
        assert store.merge_frame(s, table, "item_id", rows.head(1), compare=["list_price_fen"]) == (1, 0)
    monkeypatch.setattr(store, "any_stored", lambda *a: False)
    changed = rows.with_columns(pl.Series("list_price_fen", [150, 200]))
    with unit_of_work(db) as s:
        assert store.merge_frame(s, table, "item_id", changed, compare=["list_price_fen"]) == (1, 1)
    with unit_of_work(db, readonly=True) as s:
        assert dict(s.execute(select(Item.item_id, Item.list_price_fen)).all()) == {"I1": 150, "I2": 200}


def test_a_second_import_changes_nothing(db: Database, tmp_path: Path) -> None:
    folder = _bad_input_dataset(tmp_path)
    first = _run(db, folder).as_dict()
    with unit_of_work(db, readonly=True) as s:
        before = [(r.rating_id, r.version, r.hash) for r in s.scalars(select(Rating).order_by(Rating.id))]
        points = {(c.account_id, c.side): c.points for c in s.scalars(select(CreditPoints))}
    second = _run(db, folder).as_dict()
    assert second["inserted"] == 0 and second["updated"] == 0
    assert second["unchanged"] == first["inserted"]
    assert second["rejected"] == first["rejected"]
    with unit_of_work(db, readonly=True) as s:
        after = [(r.rating_id, r.version, r.hash) for r in s.scalars(select(Rating).order_by(Rating.id))]
        assert {(c.account_id, c.side): c.points for c in s.scalars(select(CreditPoints))} == points
    assert after == before


def test_unusable_datasets_are_refused_as_a_whole(db: Database, tmp_path: Path) -> None:
    t = shop()
    del t["ratings"]
    folder = write(tmp_path / "no-ratings", t)
    with pytest.raises(UnusableInput) as exc:
        _run(db, folder)
    assert exc.value.code == "table_missing" and "ratings" in exc.value.detail
    t = shop()
    folder = write(tmp_path / "bad-col", t)
    (folder / "orders.csv").write_text("order_id,platform_id\nO1,P1\n", encoding="utf-8")
    with pytest.raises(UnusableInput) as exc:
        _run(db, folder)
    assert exc.value.code == "column_missing" and "buyer_account_id" in exc.value.detail
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(text("SELECT count(*) FROM market_accounts")) == 0  # nothing written before the check


def _points(db: Database, account: str, side: str = "seller") -> int:
    with unit_of_work(db, readonly=True) as s:
        row = s.get(CreditPoints, (account, side))
        return 0 if row is None else row.points


def test_an_order_update_and_a_rating_change_recompute_points(db: Database, tmp_path: Path) -> None:
    t = shop()
    o1, o2 = order("O1", "B1", "S1", "S1-I1", T0), order("O2", "B2", "S1", "S1-I1", T0)
    t["orders"] = [o1, o2]
    t["ratings"] = [rating("R1", o1, "good"), rating("R2", o2, "neutral")]
    _run(db, write(tmp_path / "a", t))
    assert _points(db, "S1") == 1
    # the platform changes the neutral rating to good (the one allowed change), later a refund of O1
    t["ratings"][1] = {**t["ratings"][1], "score": "good", "changed_at": T0 + timedelta(days=10)}
    result = _run(db, write(tmp_path / "b", t))
    assert result.tables["ratings"].updated == 1
    assert _points(db, "S1") == 2
    t["orders"][0] = {**o1, "status": "refunded"}
    result = _run(db, write(tmp_path / "c", t))
    assert result.tables["orders"].updated == 1
    assert _points(db, "S1") == 1  # the refunded order's rating no longer counts
    t["orders"][0] = o1  # and counts again when the platform sends the order completed again
    _run(db, write(tmp_path / "c2", t))
    assert _points(db, "S1") == 2
    # a second change and an edit of the text are refused; versions are kept
    t["ratings"][1] = {**t["ratings"][1], "score": "bad", "changed_at": T0 + timedelta(days=11)}
    t["ratings"][0] = {**t["ratings"][0], "text": "改过的评价"}
    result = _run(db, write(tmp_path / "d", t))
    assert {r.rating_id if hasattr(r, "rating_id") else r.key: r.code for r in result.rejections} == {
        "R2": "change_not_allowed",
        "R1": "rating_immutable",
    }
    with unit_of_work(db, readonly=True) as s:
        versions = [(r.version, r.score, r.is_current) for r in service.history(s, "R2")]
    assert versions == [(1, "neutral", False), (2, "good", True)]


def test_the_chain_catches_a_hand_edited_rating(db: Database, tmp_path: Path) -> None:
    _run(db, _bad_input_dataset(tmp_path))
    with unit_of_work(db, readonly=True) as s:
        checked, problems = chain.verify(s)
    assert checked == 4 and problems == []
    with unit_of_work(db) as s:
        s.execute(text("UPDATE ratings SET score = 'good' WHERE rating_id = 'R9'"))
    with unit_of_work(db, readonly=True) as s:
        _, problems = chain.verify(s)
    assert [(p.seller_account_id, p.link) for p in problems] == [("S1", "R9")]
    assert "edited" in problems[0].problem


def test_the_chain_catches_a_removed_rating(db: Database, tmp_path: Path) -> None:
    _run(db, _bad_input_dataset(tmp_path))
    with unit_of_work(db) as s:
        s.execute(text("DELETE FROM ratings WHERE rating_id = 'R2'"))
    with unit_of_work(db, readonly=True) as s:
        _, problems = chain.verify(s)
    assert problems and problems[0].seller_account_id == "S1" and "missing" in problems[0].problem


def test_default_ratings_when_the_window_lapses(db: Database, tmp_path: Path) -> None:
    t = shop()
    o1, o2, o3 = (order(f"O{i}", "B1", "S1", "S1-I1", T0 + timedelta(days=20 * i)) for i in (1, 2, 3))
    t["orders"] = [o1, o2, o3]
    # O1: seller rated, buyer did not → the buyer's default good rating; O2: nobody rated → none;
    # O3: buyer rated but its window is still open on the day we look
    t["ratings"] = [
        rating("R1", o1, "good", direction="seller_to_buyer"),
        rating("R3", o3, "good", direction="seller_to_buyer"),
    ]
    _run(db, write(tmp_path / "a", t))
    day = (o3["signed_at"] + timedelta(days=5)).date()
    with unit_of_work(db) as s:
        given = defaults.apply_defaults(s, day, policy=POLICY, now=utcnow())
    assert given == 1
    with unit_of_work(db, readonly=True) as s:
        made = list(s.scalars(select(Rating).where(Rating.is_default.is_(True))))
        assert [(r.order_id, r.direction, r.score) for r in made] == [("O1", "buyer_to_seller", "good")]
        assert chain.verify(s)[1] == []
    assert _points(db, "S1") == 1
    with unit_of_work(db) as s:  # run again the same day: nothing more; a later day: O3's default
        assert defaults.apply_defaults(s, day, policy=POLICY, now=utcnow()) == 0
        assert defaults.apply_defaults(s, day + timedelta(days=30), policy=POLICY, now=utcnow()) == 1
    assert _points(db, "S1") == 2


def _credit(db: Database, account: str, side: str, day: date) -> rules.AccountCredit:
    with unit_of_work(db, readonly=True) as s:
        return service.account_credit(s, account, side, day, POLICY)


def test_caps_and_the_same_item_rule_on_imported_ratings(db: Database, tmp_path: Path) -> None:
    t = shop(buyers=("B1",))
    rows: list[dict[str, Any]] = []
    orders = []
    for i in range(9):  # nine good ratings in one month, the same item every 2 days, then a cheap order
        orders.append(
            order(
                f"O{i}",
                "B1",
                "S1",
                "S1-I1" if i % 2 else "S1-I2",
                T0 + timedelta(days=2 * i),
                amount=5000 if i % 2 else 200,
            )
        )
    orders.append(order("OC", "B1", "S1", "S1-I2", T0 + timedelta(days=25), amount=100))
    for o in orders:
        rows.append(rating(f"R{o['order_id']}", o, "good", dsr=(5, 4, 3)))
    t["orders"], t["ratings"] = orders, rows
    _run(db, write(tmp_path / "a", t))
    # I1 orders on days 2, 6, 10, 14: the 14-day rule leaves the first (the gaps are 4 days);
    # I2 orders on days 0, 4, 8, 12, 16: likewise one; the ¥1 order does not count
    day = date(2026, 4, 30)
    credit = _credit(db, "S1", "seller", day)
    expected = rules.compute(
        [
            rules.Rated(
                o["order_id"],
                "B1",
                "S1",
                rules.Direction.buyer_to_seller,
                rules.Score.good,
                o["signed_at"] + timedelta(days=1),
                o["created_at"],
                o["item_id"],
                o["amount_fen"],
            )
            for o in orders
        ],
        day,
        POLICY,
    )[("S1", "seller")]
    assert credit.points == expected.points == 2
    assert (credit.good, credit.window_total, credit.window_good) == (10, 9, 9)
    assert credit.dsr() == {"dsr_description": 5.0, "dsr_service": 4.0, "dsr_logistics": 3.0}


def test_rows_without_an_id_are_told_apart_by_their_whole_key(db: Database, tmp_path: Path) -> None:
    """Traffic rows of a shop's front page have no item: each is still a row of its own."""
    t = shop()
    t["traffic"] = [
        {
            "visitor_id": "V1",
            "seller_account_id": "S1",
            "item_id": None,
            "event_time": T0 + timedelta(minutes=m),
            "event_type": "view",
            "ip": None,
            "device": None,
        }
        for m in range(3)
    ] + [
        {
            "visitor_id": "V1",
            "seller_account_id": "S1",
            "item_id": "S1-I1",
            "event_time": T0,
            "event_type": "view",
            "ip": "1.2.3.4",
            "device": "d1",
        }
    ]
    folder = write(tmp_path / "a", t)
    assert _run(db, folder).tables["traffic"].inserted == 4
    again = _run(db, folder).tables["traffic"]
    assert (again.inserted, again.unchanged) == (0, 4)


def test_an_id_twice_in_one_file_keeps_the_later_row_and_reports_the_earlier(db: Database, tmp_path: Path) -> None:
    t = shop()
    t["items"].append({**t["items"][0], "list_price_fen": 6000})
    result = _run(db, write(tmp_path / "a", t))
    assert [(r.table, r.row, r.code) for r in result.rejections] == [("items", 2, "duplicate_key")]
    s = result.tables["items"]
    assert (s.read, s.inserted, s.rejected) == (3, 2, 1)
    with unit_of_work(db, readonly=True) as session:
        assert session.scalar(text("SELECT list_price_fen FROM market_items WHERE item_id = 'S1-I1'")) == 6000
