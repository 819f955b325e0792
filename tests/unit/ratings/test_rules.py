"""The transaction-credit rules as pure functions: windows, refusals, caps, the 14-day rule, levels,
default ratings — no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chengxin.domains.ratings import rules
from chengxin.domains.ratings.rules import Direction, Kind, Score

R = rules.load_rules()
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
B2S = Direction.buyer_to_seller


def _order(status: str = "completed", deal: datetime = T0 + timedelta(days=2)) -> rules.OrderFacts:
    return rules.OrderFacts("O1", "B1", "S1", "I1", 5000, status, T0, deal)


def _rating(**kw: object) -> rules.RatingIn:
    base: dict[str, object] = dict(
        rating_id="R1",
        order_id="O1",
        rater_account_id="B1",
        ratee_account_id="S1",
        direction=B2S,
        kind=Kind.initial,
        score=Score.good,
        dsr=(5, 5, 5),
        created_at=T0 + timedelta(days=3),
    )
    base.update(kw)
    return rules.RatingIn(**base)  # type: ignore[arg-type]


def _code(r: rules.RatingIn, o: rules.OrderFacts | None = None, **kw: bool) -> str | None:
    refusal = rules.check_rating(
        r,
        o if o is not None else _order(),
        has_initial=kw.get("has_initial", False),
        has_follow_up=kw.get("has_follow_up", False),
        rules=R,
    )
    return None if refusal is None else refusal.code


def test_a_valid_rating_passes_and_each_fault_has_its_code() -> None:
    assert _code(_rating()) is None
    assert rules.check_rating(_rating(), None, has_initial=False, has_follow_up=False, rules=R).code == "order_unknown"  # type: ignore[union-attr]
    assert _code(_rating(), _order("refunded")) == "order_not_completed"
    assert _code(_rating(rater_account_id="B2")) == "not_a_party"
    assert _code(_rating(direction=Direction.seller_to_buyer)) == "not_a_party"
    assert _code(_rating(dsr=(0, 5, 5))) == "dsr_out_of_range"
    assert _code(_rating(direction=Direction.seller_to_buyer, rater_account_id="S1", ratee_account_id="B1")) == (
        "dsr_not_allowed"
    )
    assert _code(_rating(score=None, dsr=(None, None, None))) == "score_missing"
    assert _code(_rating(), has_initial=True) == "duplicate_rating"
    assert _code(_rating(created_at=T0 - timedelta(hours=1))) == "rated_before_order"


def test_windows_count_from_the_deal() -> None:
    deal = T0 + timedelta(days=2)
    assert _code(_rating(created_at=deal + timedelta(days=15))) is None
    assert _code(_rating(created_at=deal + timedelta(days=15, seconds=1))) == "outside_window"
    follow = dict(kind=Kind.follow_up, dsr=(None, None, None), score=None)
    assert _code(_rating(**follow)) == "follow_up_without_initial"
    assert _code(_rating(**follow, created_at=deal + timedelta(days=180)), has_initial=True) is None
    assert _code(_rating(**follow, created_at=deal + timedelta(days=181)), has_initial=True) == (
        "follow_up_outside_window"
    )
    assert _code(_rating(**follow), has_initial=True, has_follow_up=True) == "duplicate_rating"


@pytest.mark.parametrize(
    ("old", "changes", "new", "days", "code"),
    [
        (Score.neutral, 0, Score.good, 30, None),
        (Score.bad, 0, Score.good, 10, None),
        (Score.bad, 0, Score.good, 31, "change_outside_window"),
        (Score.good, 0, Score.bad, 1, "change_not_allowed"),
        (Score.bad, 1, Score.good, 1, "change_not_allowed"),
        (Score.bad, 0, Score.bad, 1, "change_not_allowed"),
    ],
)
def test_one_change_of_a_neutral_or_bad_rating(
    old: Score, changes: int, new: Score, days: int, code: str | None
) -> None:
    refusal = rules.check_change(
        old_score=old, old_created_at=T0, changes_so_far=changes, new_score=new, at=T0 + timedelta(days=days), rules=R
    )
    assert (None if refusal is None else refusal.code) == code


def _rated(
    day: int,
    score: Score = Score.good,
    item: str = "I1",
    amount: int = 5000,
    oid: str | None = None,
    is_default: bool = False,
) -> rules.Rated:
    at = T0 + timedelta(days=day)
    return rules.Rated(oid or f"O{day}", "B1", "S1", B2S, score, at, at, item, amount, is_default)


def test_the_same_item_within_14_days_counts_once_per_score() -> None:
    assert rules.pair_points([_rated(0), _rated(13)], R) == 1
    assert rules.pair_points([_rated(0), _rated(14)], R) == 2
    assert rules.pair_points([_rated(0), _rated(10), _rated(20)], R) == 1  # each within 14 days of the one before
    assert rules.pair_points([_rated(0), _rated(1, Score.bad)], R) == 0  # +1 and −1 count apart
    assert rules.pair_points([_rated(0), _rated(1, item="I2")], R) == 2


def test_the_monthly_cap_and_the_one_yuan_exclusion() -> None:
    march = [_rated(d, item=f"I{d}") for d in range(0, 20, 2)]  # ten goods in March on ten items
    assert rules.pair_points(march, R) == 6
    bads = [_rated(d, Score.bad, item=f"J{d}") for d in range(0, 16, 2)]
    assert rules.pair_points(march + bads, R) == 0  # six good, six bad
    assert rules.pair_points([_rated(0, amount=100), _rated(1, item="I2", amount=101)], R) == 1
    # the month is Beijing's: 2026-03-31 20:00 UTC is already April 1st in Beijing
    late = rules.Rated("Ox", "B1", "S1", B2S, Score.good, T0, datetime(2026, 3, 31, 20, tzinfo=UTC), "Ix", 5000)
    assert rules.month_key(late.order_created_at) == 202604
    assert rules.pair_points(march + [late], R) == 7


def test_levels() -> None:
    assert [R.level_for(p).code for p in (-5, 3, 4, 10, 11, 250, 251, 10001, 500000, 500001, 10**8)] == [
        "none",
        "none",
        "heart_1",
        "heart_1",
        "heart_2",
        "heart_5",
        "diamond_1",
        "crown_1",
        "crown_5",
        "gold_crown_1",
        "gold_crown_5",
    ]
    assert R.level_for(41).label_zh == "3心"


def test_default_ratings_when_the_other_party_rated() -> None:
    o = _order()
    lapsed = o.deal_at + timedelta(days=15)
    day = (lapsed + timedelta(days=1)).date()
    rated = {("O1", Direction.seller_to_buyer): T0 + timedelta(days=3)}
    assert rules.default_ratings([o], rated, day, R) == [(o, B2S, lapsed)]
    assert rules.default_ratings([o], {}, day, R) == []  # nobody rated: no default
    assert rules.default_ratings([o], rated, date(2026, 3, 10), R) == []  # window still open
    always = rules.RatingRules(**{**R.__dict__, "default_when": "always"})
    assert len(rules.default_ratings([o], {}, day, always)) == 2
    with pytest.raises(ValueError):
        rules.parse_rules({"default_when": "sometimes"})
