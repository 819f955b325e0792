"""Transaction credit (交易信用评价) as pure functions fed by ``defaults.toml``.

Definitions (the service and the batch pipeline in ``chengxin.analytics.credit`` both follow them;
a property test feeds random rating streams to both and compares):

* **Deal time** (成交时间) of an order: ``signed_at``, else ``paid_at``, else ``created_at``.
* **Windows**: an initial rating within ``rating_window_days`` of the deal; one follow-up within
  ``follow_up_window_days`` of the deal; a neutral/bad rating changed at most ``changes_allowed``
  times within ``change_window_days`` of the rating.
* **Rated set as of a day D** (Asia/Shanghai): current versions of initial ratings created before the
  end of D on completed orders, plus the default ratings (默认评价) of orders whose rating window
  lapsed before the end of D (``default_when``: only when the other party rated, always, never).
* **Points** (信用积分) of an account on one side (seller: buyer→seller ratings; buyer: seller→buyer):
  good +1, neutral 0, bad −1, over the rated set restricted to orders of at least
  ``min_scored_amount_fen``; a rating whose pair (rater, ratee) rated the same item with the same score
  on an order created less than ``same_item_days`` earlier does not count; per pair and calendar
  month of order creation, at most ``pair_month_cap`` good and ``pair_month_cap`` bad ratings count.
* **Counts by score**: the whole rated set. **Positive rate** (好评率): good / all ratings in the
  rolling window (``window_months`` up to D) on scored orders. **Store ratings** (DSR, 店铺评分): the
  average of each dimension over buyer→seller ratings in the window that carry it.
* **Level** (信用等级): the highest threshold in ``levels`` at or below the points.
"""

from __future__ import annotations

import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from chengxin.domains.catalog.rules import add_months

DEFAULTS = Path(__file__).with_name("defaults.toml")
SHANGHAI = timezone(timedelta(hours=8))  # China has no daylight saving time: a fixed offset is exact


class Direction(StrEnum):
    buyer_to_seller = "buyer_to_seller"
    seller_to_buyer = "seller_to_buyer"


class Kind(StrEnum):
    initial = "initial"
    follow_up = "follow_up"  # 追评


class Score(StrEnum):
    good = "good"  # 好评
    neutral = "neutral"  # 中评
    bad = "bad"  # 差评


DIRECTIONS = {d.value: d for d in Direction}  # by value, without Enum's slower call
SCORES = {s.value: s for s in Score}
POINTS = {Score.good: 1, Score.neutral: 0, Score.bad: -1}
SCORE_ZH = {Score.good: "好评", Score.neutral: "中评", Score.bad: "差评"}
DSR_FIELDS = ("dsr_description", "dsr_service", "dsr_logistics")
SIDE_OF = {Direction.buyer_to_seller: "seller", Direction.seller_to_buyer: "buyer"}


@dataclass(frozen=True)
class Level:
    rank: int  # 0 = no level, 1 = 1 heart … 20 = 5 gold crowns
    code: str
    label_zh: str


NO_LEVEL = Level(0, "none", "无等级")


@dataclass(frozen=True)
class RatingRules:
    rating_window_days: int = 15
    follow_up_window_days: int = 180
    change_window_days: int = 30
    changes_allowed: int = 1
    changeable_scores: frozenset[Score] = frozenset({Score.neutral, Score.bad})
    min_scored_amount_fen: int = 101
    pair_month_cap: int = 6
    same_item_days: int = 14
    window_months: int = 6
    default_when: str = "other_rated"  # other_rated | always | never
    default_score: Score = Score.good
    default_counts: bool = True
    max_clock_skew_hours: int = 24  # a rating timed later than now + this is refused (time_in_future)
    levels: tuple[tuple[int, str, str], ...] = ()

    def level_for(self, points: int) -> Level:
        found = NO_LEVEL
        for rank, (lowest, code, label) in enumerate(self.levels, start=1):
            if points >= lowest:
                found = Level(rank, code, label)
        return found


def parse_rules(data: Mapping[str, Any]) -> RatingRules:
    if data.get("default_when", "other_rated") not in ("other_rated", "always", "never"):
        raise ValueError("default_when must be other_rated, always or never")
    levels = tuple((int(lo), str(code), str(label)) for lo, code, label in data.get("levels", []))
    if [lo for lo, _, _ in levels] != sorted({lo for lo, _, _ in levels}):
        raise ValueError("levels must be in ascending order of points, without repeats")
    return RatingRules(
        rating_window_days=int(data["rating_window_days"]),
        follow_up_window_days=int(data["follow_up_window_days"]),
        change_window_days=int(data["change_window_days"]),
        changes_allowed=int(data["changes_allowed"]),
        changeable_scores=frozenset(Score(s) for s in data["changeable_scores"]),
        min_scored_amount_fen=int(data["min_scored_amount_fen"]),
        pair_month_cap=int(data["pair_month_cap"]),
        same_item_days=int(data["same_item_days"]),
        window_months=int(data["window_months"]),
        default_when=str(data.get("default_when", "other_rated")),
        default_score=Score(data.get("default_score", "good")),
        default_counts=bool(data.get("default_counts", True)),
        max_clock_skew_hours=int(data.get("max_clock_skew_hours", 24)),
        levels=levels,
    )


@cache
def load_rules(path: str | None = None) -> RatingRules:
    """The rules in force: ``CHENGXIN_RATING_RULES`` (a TOML file) or the shipped defaults."""
    chosen = Path(path or os.environ.get("CHENGXIN_RATING_RULES") or DEFAULTS)
    return parse_rules(tomllib.loads(chosen.read_text(encoding="utf-8")))


# --- time -------------------------------------------------------------------------------------


def deal_time(*, signed_at: datetime | None, paid_at: datetime | None, created_at: datetime) -> datetime:
    return signed_at or paid_at or created_at


def lapse_cutoff(day: date, rules: RatingRules) -> datetime:
    """Orders whose deal was before this instant have had their rating window lapse by the end of ``day``."""
    return end_of_day(day) - timedelta(days=rules.rating_window_days)


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` ends in Asia/Shanghai, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)


def window_start(day: date, rules: RatingRules) -> datetime:
    """Start of the rolling window ending with ``day``: the day after the same date N months back."""
    return end_of_day(add_months(day, -rules.window_months))


def month_key(at: datetime) -> int:
    """Calendar month in Asia/Shanghai as yyyymm (the pair cap counts by it)."""
    local = at.astimezone(SHANGHAI)
    return local.year * 100 + local.month


# --- validation of one rating -----------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    buyer_account_id: str
    seller_account_id: str
    item_id: str
    amount_fen: int
    status: str
    created_at: datetime
    deal_at: datetime


@dataclass(frozen=True)
class RatingIn:
    rating_id: str
    order_id: str
    rater_account_id: str
    ratee_account_id: str
    direction: Direction
    kind: Kind
    score: Score | None
    dsr: tuple[int | None, int | None, int | None]
    created_at: datetime


@dataclass(frozen=True)
class Refusal:
    code: str
    detail: str


def check_rating(
    r: RatingIn,
    order: OrderFacts | None,
    *,
    has_initial: bool,
    has_follow_up: bool,
    rules: RatingRules,
    now: datetime | None = None,
) -> Refusal | None:
    """Why this new rating cannot be accepted, or None. ``has_initial``/``has_follow_up``: the same
    rater already gave one on this order in this direction (stored, or earlier in the same batch).
    ``now``: when given, a rating timed in the future (beyond the allowed clock skew) is refused."""
    if now is not None and r.created_at > now + timedelta(hours=rules.max_clock_skew_hours):
        return Refusal("time_in_future", f"rating time {r.created_at.isoformat()} is in the future")
    if order is None:
        return Refusal("order_unknown", f"order {r.order_id} is not known")
    if order.status != "completed":
        return Refusal("order_not_completed", f"order {r.order_id} is {order.status}, not completed")
    parties = (order.buyer_account_id, order.seller_account_id)
    if r.direction is Direction.seller_to_buyer:
        parties = parties[::-1]
    if (r.rater_account_id, r.ratee_account_id) != parties:
        return Refusal(
            "not_a_party",
            f"a {r.direction} rating on order {r.order_id} is given by {parties[0]} to {parties[1]}, "
            f"not by {r.rater_account_id} to {r.ratee_account_id}",
        )
    bad_dsr = [v for v in r.dsr if v is not None and not 1 <= v <= 5]
    if bad_dsr:
        return Refusal("dsr_out_of_range", f"store ratings must be 1-5, got {bad_dsr[0]}")
    has_dsr = any(v is not None for v in r.dsr)
    if has_dsr and (r.direction is not Direction.buyer_to_seller or r.kind is not Kind.initial):
        return Refusal("dsr_not_allowed", "store ratings come only with a buyer's initial rating")
    if r.created_at < order.created_at:
        return Refusal("rated_before_order", f"rating time {r.created_at.isoformat()} is before the order")
    if r.kind is Kind.initial:
        if r.score is None:
            return Refusal("score_missing", "an initial rating needs a score (good, neutral or bad)")
        if has_initial:
            return Refusal("duplicate_rating", f"order {r.order_id} already has a {r.direction} initial rating")
        due = order.deal_at + timedelta(days=rules.rating_window_days)
        if r.created_at > due:
            return Refusal("outside_window", f"rated {r.created_at.isoformat()}, the window closed {due.isoformat()}")
        return None
    if not has_initial:
        return Refusal("follow_up_without_initial", f"order {r.order_id} has no initial {r.direction} rating")
    if has_follow_up:
        return Refusal("duplicate_rating", f"order {r.order_id} already has a {r.direction} follow-up review")
    due = order.deal_at + timedelta(days=rules.follow_up_window_days)
    if r.created_at > due:
        return Refusal(
            "follow_up_outside_window", f"follow-up {r.created_at.isoformat()}, the window closed {due.isoformat()}"
        )
    return None


def check_sender(order_id: str, order_platform: str, sender: str | None) -> Refusal | None:
    """A platform sends ratings on its own orders only (``sender`` None: the credit centre's import)."""
    if sender is None or order_platform == sender:
        return None
    return Refusal(
        "platform_mismatch", f"order {order_id} is on platform {order_platform}, not the sender's ({sender})"
    )


def check_resend(rating_id: str, changed: list[str], *, kind: str, new_score: str | None) -> Refusal | None:
    """A recorded rating sent again with ``changed`` fields: only the score of an initial rating may
    change (then ``check_change`` decides); anything else is refused — a rating is never edited."""
    if changed == ["score"] and kind == Kind.initial and new_score:
        return None
    return Refusal(
        "rating_immutable",
        f"rating {rating_id} is already recorded; {', '.join(changed)} cannot be edited "
        "(only a neutral/bad score may be changed, once)",
    )


def check_change(
    *,
    old_score: Score | None,
    old_created_at: datetime,
    changes_so_far: int,
    new_score: Score,
    at: datetime,
    rules: RatingRules,
) -> Refusal | None:
    """May an initial rating be changed (修改评价) to ``new_score`` at ``at``?"""
    if old_score not in rules.changeable_scores:
        allowed = "/".join(sorted(rules.changeable_scores))
        return Refusal("change_not_allowed", f"only a {allowed} rating may be changed, this one is {old_score}")
    if changes_so_far >= rules.changes_allowed:
        return Refusal("change_not_allowed", f"a rating may be changed {rules.changes_allowed} time(s)")
    if new_score == old_score:
        return Refusal("change_not_allowed", "the new score is the same as the old one")
    due = old_created_at + timedelta(days=rules.change_window_days)
    if at > due:
        return Refusal("change_outside_window", f"changes were possible until {due.isoformat()}")
    return None


# --- points -----------------------------------------------------------------------------------


# What of an order the points depend on (besides its id): a change of one of these moves the points
# of the pairs rated on it.
SCORED_ORDER_FACTS = ("status", "created_at", "item_id", "amount_fen")


class Rated(NamedTuple):
    """One rating of the rated set, with what scoring needs of its order (a tuple: bulk intake
    makes one per rating, and a frozen dataclass costs three times as much to make)."""

    order_id: str
    rater: str
    ratee: str
    direction: Direction
    score: Score
    created_at: datetime  # the rating's
    order_created_at: datetime
    item_id: str
    amount_fen: int
    is_default: bool = False
    dsr: tuple[int | None, int | None, int | None] = (None, None, None)


def scored(r: Rated, rules: RatingRules) -> bool:
    return r.amount_fen >= rules.min_scored_amount_fen and (rules.default_counts or not r.is_default)


def pair_points(ratings: Iterable[Rated], rules: RatingRules) -> int:
    """Points one rater's ratings earn one ratee (one direction): the 14-day rule, then the cap."""
    by_item: dict[tuple[str, Score], list[Rated]] = defaultdict(list)
    for r in ratings:
        if scored(r, rules) and r.score is not Score.neutral:
            by_item[(r.item_id, r.score)].append(r)
    per_month: dict[tuple[int, Score], int] = defaultdict(int)
    gap = timedelta(days=rules.same_item_days)
    for (_, score), group in by_item.items():
        group.sort(key=lambda r: (r.order_created_at, r.order_id))
        previous: datetime | None = None
        for r in group:
            if previous is None or r.order_created_at - previous >= gap:
                per_month[(month_key(r.order_created_at), score)] += 1
            previous = r.order_created_at
    return sum(POINTS[score] * min(n, rules.pair_month_cap) for (_, score), n in per_month.items())


def default_ratings(
    orders: Iterable[OrderFacts], rated: Mapping[tuple[str, Direction], datetime], day: date, rules: RatingRules
) -> list[tuple[OrderFacts, Direction, datetime]]:
    """(order, direction, time) of the default ratings due by the end of ``day``. ``rated``: when each
    (order_id, direction) got its initial rating, for every one that has."""
    if rules.default_when == "never":
        return []
    end = end_of_day(day)
    window = timedelta(days=rules.rating_window_days)
    due: list[tuple[OrderFacts, Direction, datetime]] = []
    for o in orders:
        lapsed = o.deal_at + window
        if o.status != "completed" or lapsed >= end:
            continue
        for d in Direction:
            if (o.order_id, d) in rated:
                continue
            other = Direction.seller_to_buyer if d is Direction.buyer_to_seller else Direction.buyer_to_seller
            other_at = rated.get((o.order_id, other))
            if rules.default_when == "always" or (other_at is not None and other_at <= lapsed):
                due.append((o, d, lapsed))
    return due


@dataclass
class AccountCredit:
    """An account's transaction credit on one side, as of a day."""

    account_id: str
    side: str  # seller | buyer
    points: int = 0
    level: Level = NO_LEVEL
    good: int = 0
    neutral: int = 0
    bad: int = 0
    window_good: int = 0
    window_total: int = 0
    dsr_sum: list[int] = field(default_factory=lambda: [0, 0, 0])
    dsr_n: list[int] = field(default_factory=lambda: [0, 0, 0])

    @property
    def positive_rate(self) -> float | None:
        return self.window_good / self.window_total if self.window_total else None

    def dsr(self) -> dict[str, float | None]:
        return {f: (s / n if n else None) for f, s, n in zip(DSR_FIELDS, self.dsr_sum, self.dsr_n, strict=True)}


def window_counts(credit: AccountCredit, ratings: Iterable[Rated], day: date, rules: RatingRules) -> None:
    """Fill the counts by score, the positive rate and the store ratings of one account's side."""
    start, end = window_start(day, rules), end_of_day(day)
    for r in ratings:
        if r.created_at >= end:
            continue
        setattr(credit, r.score.value, getattr(credit, r.score.value) + 1)
        if r.created_at < start:
            continue
        if r.amount_fen >= rules.min_scored_amount_fen:
            credit.window_total += 1
            credit.window_good += r.score is Score.good
        if r.direction is Direction.buyer_to_seller:
            for i, v in enumerate(r.dsr):
                if v is not None:
                    credit.dsr_sum[i] += v
                    credit.dsr_n[i] += 1


def compute(rated: Sequence[Rated], day: date, rules: RatingRules) -> dict[tuple[str, str], AccountCredit]:
    """Reference computation over a rated set (defaults included): {(account, side): credit}."""
    end = end_of_day(day)
    by_pair: dict[tuple[str, str, Direction], list[Rated]] = defaultdict(list)
    for r in rated:
        if r.created_at < end:
            by_pair[(r.ratee, r.rater, r.direction)].append(r)
    out: dict[tuple[str, str], AccountCredit] = {}
    for (ratee, _, direction), group in by_pair.items():
        key = (ratee, SIDE_OF[direction])
        credit = out.setdefault(key, AccountCredit(ratee, key[1]))
        credit.points += pair_points(group, rules)
        window_counts(credit, group, day, rules)
    for credit in out.values():
        credit.level = rules.level_for(credit.points)
    return out


def rated_set(
    orders: Mapping[str, OrderFacts], ratings: Iterable[RatingIn], day: date, rules: RatingRules
) -> list[Rated]:
    """The rated set as of ``day`` from orders and the current version of each rating: initial ratings
    on completed orders created before the end of the day, and the default ratings then due."""
    end = end_of_day(day)
    out: list[Rated] = []
    when: dict[tuple[str, Direction], datetime] = {}
    for r in ratings:
        o = orders.get(r.order_id)
        if r.kind is not Kind.initial or r.score is None or o is None or o.status != "completed":
            continue
        when[(r.order_id, r.direction)] = r.created_at
        if r.created_at < end:
            out.append(_rated(o, r.direction, r.score, r.created_at, dsr=r.dsr))
    for o, d, at in default_ratings(orders.values(), when, day, rules):
        out.append(_rated(o, d, rules.default_score, at, is_default=True))
    return out


def _rated(
    o: OrderFacts,
    d: Direction,
    score: Score,
    at: datetime,
    *,
    is_default: bool = False,
    dsr: tuple[int | None, int | None, int | None] = (None, None, None),
) -> Rated:
    rater, ratee = (o.buyer_account_id, o.seller_account_id)
    if d is Direction.seller_to_buyer:
        rater, ratee = ratee, rater
    return Rated(o.order_id, rater, ratee, d, score, at, o.created_at, o.item_id, o.amount_fen, is_default, dsr)
