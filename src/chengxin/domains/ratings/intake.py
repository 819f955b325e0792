"""Taking in ratings (评价入库): each row checked against its order and what is stored, in file order.

A new rating is accepted when ``rules.check_rating`` finds nothing wrong; the same rating sent again
is unchanged; the same rating with another score is the one allowed change (修改评价) of a
neutral/bad rating, stored as a new version; any other difference is refused — a rating is never
edited or deleted. Accepted rows join their seller's hash chain and their pairs' points are
recomputed in the same transaction.

A batch is checked at once (``frame_rules.check_frame``, which agrees with ``check_rating`` row by
row); a batch that names a rating twice goes row by row (``take_in_rows``), since the second
mention is judged against what the first one did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import update
from sqlalchemy.orm import Session

from chengxin.bulk import side_by_side
from chengxin.db import table_of
from chengxin.domains.market.models import Order
from chengxin.domains.market.store import fetch_frame, insert_frame
from chengxin.domains.ratings import chain, frame_rules, points, rules
from chengxin.domains.ratings.models import Rating
from chengxin.domains.ratings.points import Pair, refresh_pairs

CONTENT = chain.CONTENT
UTC_TIME = chain.UTC_TIME
# A stored rating row as the intake builds it (the database gives ``id``).
STORED = pl.Schema(
    {
        **{f: chain.SCHEMA[f] for f in chain.RATING_FIELDS},
        "is_current": pl.Boolean,
        "seller_account_id": pl.String,
        "recorded_at": UTC_TIME,
    }
)
ORDER_SCHEMA: dict[str, Any] = {
    "order_id": pl.String,
    "buyer_account_id": pl.String,
    "seller_account_id": pl.String,
    "item_id": pl.String,
    "amount_fen": pl.Int64,
    "status": pl.String,
    "created_at": UTC_TIME,
    "deal_at": UTC_TIME,
    "platform_id": pl.String,
}
CURRENT_COLUMNS = (*CONTENT, "id", "rating_id", "version", "seller_account_id", "platform_id", "is_default")


@dataclass
class Refused:
    row: int
    key: str
    code: str
    detail: str


@dataclass
class IntakeResult:
    inserted: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: list[Refused] = field(default_factory=list)


def order_frame(session: Session, order_ids: Iterable[str]) -> pl.DataFrame:
    """The stored orders among ``order_ids``: the columns of ``ORDER_SCHEMA``."""
    wanted = list(set(order_ids))
    return fetch_frame(session, table_of(Order), "order_id", wanted, list(ORDER_SCHEMA), ORDER_SCHEMA)


def order_facts(session: Session, order_ids: Iterable[str]) -> tuple[dict[str, rules.OrderFacts], dict[str, str]]:
    """The stored orders among ``order_ids`` as the rules see them, and each one's platform."""
    out, platforms = {}, {}
    for row in order_frame(session, order_ids).iter_rows(named=True):
        platform = row.pop("platform_id")
        out[row["order_id"]] = rules.OrderFacts(**row)
        platforms[row["order_id"]] = platform
    return out, platforms


def _current(session: Session, rating_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The current version of each stored rating among ``rating_ids``, with ``changes`` so far."""
    table = table_of(Rating)
    schema = {**STORED, "id": pl.Int64}
    rows = fetch_frame(session, table, "rating_id", rating_ids, [*CURRENT_COLUMNS, "is_current"], schema)
    if rows.is_empty():
        return {}
    counts = rows.group_by("rating_id").len()
    current = rows.filter(pl.col("is_current")).join(counts, on="rating_id").drop("is_current")
    out = {}
    for row in current.iter_rows(named=True):
        row["changes"] = row.pop("len") - 1
        out[row["rating_id"]] = row
    return out


def _given(session: Session, order_ids: list[str]) -> pl.DataFrame:
    """(order_id, direction, kind) of every stored rating on these orders, once each."""
    schema = {"order_id": pl.String, "direction": pl.String, "kind": pl.String}
    return fetch_frame(session, table_of(Rating), "order_id", order_ids, list(schema), schema).unique()


def _rating_in(row: dict[str, Any]) -> rules.RatingIn:
    return rules.RatingIn(
        row["rating_id"],
        row["order_id"],
        row["rater_account_id"],
        row["ratee_account_id"],
        rules.Direction(row["direction"]),
        rules.Kind(row["kind"]),
        rules.Score(row["score"]) if row["score"] else None,
        (row["dsr_description"], row["dsr_service"], row["dsr_logistics"]),
        row["created_at"],
    )


def take_in(
    session: Session, frame: pl.DataFrame, *, policy: rules.RatingRules, now: datetime, platform: str | None = None
) -> IntakeResult:
    """Check and store the valid rows of a typed ratings frame (``_row`` and ``_error`` columns
    from the contract reader; rows already refused there are skipped, the caller reports them)."""
    valid = frame.filter(pl.col("_error").is_null()).sort("_row")
    if valid.is_empty():
        return IntakeResult()
    if valid["rating_id"].is_duplicated().any():
        return take_in_rows(session, valid, policy=policy, now=now, platform=platform)
    result = IntakeResult()
    current = _current(session, valid["rating_id"].to_list())
    seen = valid.filter(pl.col("rating_id").is_in(list(current)))
    versions = _resent(seen.to_dicts(), current, result, now, policy)
    fresh = valid.filter(~pl.col("rating_id").is_in(list(current)))
    orders = order_frame(session, fresh["order_id"].unique().to_list())
    given = _given(session, orders["order_id"].to_list())
    checked = frame_rules.check_frame(_with_order(fresh, orders, given, platform), rules=policy, now=now)
    accepted = checked.filter(pl.col("code").is_null())
    for row in checked.filter(pl.col("code").is_not_null()).iter_rows(named=True):
        result.refused.append(Refused(row["_row"], row["rating_id"], *_wording(row, policy, now, platform)))
    new = _new_rows(accepted, now)
    changed_pairs = {(old["ratee_account_id"], old["rater_account_id"], old["direction"]) for old, _ in versions}
    initials = accepted.filter(pl.col("kind") == "initial")
    pairs = set(initials.select("ratee_account_id", "rater_account_id", "direction").unique().iter_rows())
    fresh_pairs = pairs - changed_pairs
    rows = pl.concat([new, _version_frame(versions)]).cast(STORED)
    table = table_of(Rating)
    changed_before = points.gather(session, changed_pairs)
    _supersede(session, [old["id"] for old, _ in versions])
    heads = chain.lock_heads(session, set(rows["seller_account_id"].to_list()))
    # the new ratings' pairs: what is stored of them is read while the rows' hashes are made …
    stored, (linked, moved_heads) = side_by_side(
        lambda: points.gather(session, fresh_pairs),
        lambda: chain.link("rating", rows, heads),
        threaded=session.get_bind().dialect.name == "postgresql",
    )
    chain.save_heads(session, heads, moved_heads)

    def score() -> dict[Pair, int]:  # … and scored with the new ones while the rows are being stored
        arriving = _arriving(initials)
        after = {p: [*stored.get(p, ()), *arriving.get(p, ())] for p in fresh_pairs}
        return points.deltas(stored, after, fresh_pairs, policy)

    moves = insert_frame(session, table, linked, while_copying=score) or {}
    moves.update(points.deltas(changed_before, points.gather(session, changed_pairs), changed_pairs, policy))
    points.write(session, moves, policy)
    result.inserted, result.changed = new.height, len(versions)
    return result


def _with_order(fresh: pl.DataFrame, orders: pl.DataFrame, given: pl.DataFrame, platform: str | None) -> pl.DataFrame:
    o = orders.select(
        "order_id",
        pl.col("buyer_account_id").alias("o_buyer"),
        pl.col("seller_account_id").alias("o_seller"),
        pl.col("status").alias("o_status"),
        pl.col("created_at").alias("o_created_at"),
        pl.col("deal_at").alias("o_deal_at"),
        pl.col("platform_id").alias("o_platform"),
        pl.col("item_id").alias("o_item"),
        pl.col("amount_fen").alias("o_amount"),
    )
    flags = given.group_by("order_id", "direction").agg(
        (pl.col("kind") == "initial").any().alias("stored_initial"),
        (pl.col("kind") == "follow_up").any().alias("stored_follow_up"),
    )
    sender_ok = pl.lit(True)
    if platform is not None:
        sender_ok = pl.col("o_platform").is_null() | (pl.col("o_platform") == platform)
    return (
        fresh.join(o, on="order_id", how="left", maintain_order="left")
        .join(flags, on=["order_id", "direction"], how="left", maintain_order="left")
        .with_columns(
            pl.col("stored_initial").fill_null(False),
            pl.col("stored_follow_up").fill_null(False),
            sender_ok.alias("sender_ok"),
        )
    )


def _wording(row: dict[str, Any], policy: rules.RatingRules, now: datetime, platform: str | None) -> tuple[str, str]:
    """The refusal of a row the batch check refused, in ``check_rating``'s own words."""
    order = None
    if row["o_status"] is not None:
        order = rules.OrderFacts(
            row["order_id"], row["o_buyer"], row["o_seller"], row["o_item"], row["o_amount"], row["o_status"],
            row["o_created_at"], row["o_deal_at"],
        )  # fmt: skip
    refusal = rules.check_rating(
        _rating_in(row),
        order,
        has_initial=row["has_initial"],
        has_follow_up=row["has_follow_up"],
        rules=policy,
        now=now,
    )
    refusal = refusal or rules.check_sender(row["order_id"], row["o_platform"], platform)
    assert refusal is not None, "the batch check refused a row the rules accept"
    return refusal.code, refusal.detail


def _new_rows(accepted: pl.DataFrame, now: datetime) -> pl.DataFrame:
    return (
        accepted.select(
            "rating_id",
            *CONTENT,
            pl.lit(1, pl.Int64).alias("version"),
            pl.lit(True).alias("is_current"),
            pl.col("o_platform").alias("platform_id"),
            pl.col("o_seller").alias("seller_account_id"),
            pl.lit(None, UTC_TIME).alias("changed_at"),
            pl.lit(False).alias("is_default"),
            pl.lit(now).cast(UTC_TIME).alias("recorded_at"),
        )
        .select(list(STORED))
        .cast(STORED)
    )


def _arriving(initials: pl.DataFrame) -> dict[Pair, list[rules.Rated]]:
    """The accepted new initial ratings by pair, as the points rules see them (accepted: on a
    completed order, with a score — ``check_rating`` saw to it)."""
    out: dict[Pair, list[rules.Rated]] = {}
    cols = ("ratee_account_id", "rater_account_id", "direction", "score", "order_id", "o_created_at", "o_item",
            "o_amount")  # fmt: skip
    for ratee, rater, direction, score, order_id, created, item, amount in initials.select(cols).iter_rows():
        d, s = rules.DIRECTIONS[direction], rules.SCORES[score]
        rated = rules.Rated(order_id, rater, ratee, d, s, created, created, item, amount)
        out.setdefault((ratee, rater, direction), []).append(rated)
    return out


def take_in_rows(
    session: Session, valid: pl.DataFrame, *, policy: rules.RatingRules, now: datetime, platform: str | None = None
) -> IntakeResult:
    """``take_in`` one row at a time, each judged against what the rows before it did."""
    result = IntakeResult()
    rows = valid.to_dicts()
    orders, platforms = order_facts(session, [r["order_id"] for r in rows])
    current = _current(session, list({r["rating_id"] for r in rows}))
    given = {tuple(g) for g in _given(session, list(orders)).iter_rows()}
    new_rows: list[dict[str, Any]] = []
    versions: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (old, new)
    pairs: set[Pair] = set()
    for row in rows:
        rid = row["rating_id"]
        old = current.get(rid)
        if old is not None:
            for was, new in _resent([row], current, result, now, policy):
                versions.append((was, new))
                pairs.add((was["ratee_account_id"], was["rater_account_id"], was["direction"]))
            continue
        r = _rating_in(row)
        o = orders.get(r.order_id)
        refusal = rules.check_rating(
            r,
            o,
            has_initial=(r.order_id, r.direction, "initial") in given,
            has_follow_up=(r.order_id, r.direction, "follow_up") in given,
            rules=policy,
            now=now,
        )
        if refusal is not None:
            result.refused.append(Refused(row["_row"], rid, refusal.code, refusal.detail))
            continue
        assert o is not None
        wrong_sender = rules.check_sender(o.order_id, platforms[o.order_id], platform)
        if wrong_sender is not None:
            result.refused.append(Refused(row["_row"], rid, wrong_sender.code, wrong_sender.detail))
            continue
        given.add((r.order_id, r.direction, r.kind))
        stored = new_row(row, o, platforms[o.order_id], now)
        new_rows.append(stored)
        current[rid] = {**stored, "changes": 0}
        if r.kind is rules.Kind.initial:
            pairs.add((r.ratee_account_id, r.rater_account_id, r.direction))
    # a version superseded within the batch is stored as not current (the stored ones are updated)
    replaced = {(old["rating_id"], old["version"]) for old, _ in versions if "id" not in old}
    for row in [*new_rows, *(new for _, new in versions)]:
        if (row["rating_id"], row["version"]) in replaced:
            row["is_current"] = False
    frame = pl.concat([pl.DataFrame(new_rows, schema=STORED), _version_frame(versions)])
    refresh_pairs(
        session, pairs, policy, lambda: store(session, frame, [old["id"] for old, _ in versions if "id" in old])
    )
    result.inserted, result.changed = len(new_rows), len(versions)
    return result


def _resent(
    rows: list[dict[str, Any]], current: dict[str, dict[str, Any]], result: IntakeResult, now: datetime,
    policy: rules.RatingRules,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:  # fmt: skip
    """Stored ratings sent again: counted unchanged, refused, or their new versions (old, new);
    ``current`` moves on to each new version."""
    versions = []
    for row in rows:
        old = current[row["rating_id"]]
        outcome = _compare(old, row, now, policy)
        if outcome is None:
            result.unchanged += 1
        elif isinstance(outcome, rules.Refusal):
            result.refused.append(Refused(row["_row"], row["rating_id"], outcome.code, outcome.detail))
        else:
            versions.append((old, outcome))
            current[row["rating_id"]] = {**outcome, "changes": old.get("changes", 0) + 1}
    return versions


def _version_frame(versions: list[tuple[dict[str, Any], dict[str, Any]]]) -> pl.DataFrame:
    return pl.DataFrame([{k: new.get(k) for k in STORED} for _, new in versions], schema=STORED)


def new_row(
    row: dict[str, Any], o: rules.OrderFacts, platform_id: str, now: datetime, version: int = 1
) -> dict[str, Any]:
    out = {c: row[c] for c in CONTENT}
    out.update(
        rating_id=row["rating_id"],
        version=version,
        is_current=True,
        platform_id=platform_id,
        seller_account_id=o.seller_account_id,
        changed_at=None,
        is_default=False,
        recorded_at=now,
    )
    return out


def _compare(
    old: dict[str, Any], row: dict[str, Any], now: datetime, policy: rules.RatingRules
) -> dict[str, Any] | rules.Refusal | None:
    """A recorded rating sent again: None (unchanged), a refusal, or the new version to store."""
    changed = [c for c in CONTENT if old[c] != row[c]]
    if not changed:
        return None
    refusal = rules.check_resend(row["rating_id"], changed, kind=old["kind"], new_score=row["score"])
    at = row.get("changed_at") or now
    if refusal is None:
        refusal = rules.check_change(
            old_score=rules.Score(old["score"]),
            old_created_at=old["created_at"],
            changes_so_far=old.get("changes", 0),
            new_score=rules.Score(row["score"]),
            at=at,
            rules=policy,
        )
    if refusal is not None:
        return refusal
    new = {k: old[k] for k in (*CONTENT, "rating_id", "seller_account_id", "platform_id", "is_default")}
    new.update(score=row["score"], version=old["version"] + 1, is_current=True, changed_at=at, recorded_at=now)
    return new


def _supersede(session: Session, ids: list[int]) -> None:
    """The stored versions ``ids`` stop being current (a new version of each is being stored)."""
    if ids:
        table = table_of(Rating)
        session.execute(update(table).where(table.c.id.in_(ids)).values(is_current=False))


def store(session: Session, rows: pl.DataFrame, superseded: list[int] | None = None) -> None:
    """Chain and insert new rating rows (``STORED`` columns); ``superseded``: ids of the versions
    they replace, which stop being current."""
    _supersede(session, superseded or [])
    insert_frame(session, table_of(Rating), chain.append(session, "rating", rows.cast(STORED)))


def change(
    session: Session, rating_id: str, new_score: rules.Score, *, at: datetime, now: datetime, policy: rules.RatingRules
) -> dict[str, Any] | rules.Refusal:
    """The one allowed change of a stored rating (the API's): the new version, or why not."""
    old = _current(session, [rating_id])[rating_id]
    row = {**{c: old[c] for c in CONTENT}, "score": new_score.value, "rating_id": rating_id, "changed_at": at}
    outcome = _compare(old, row, now, policy)
    if outcome is None:
        return rules.Refusal("change_not_allowed", "the new score is the same as the old one")
    if isinstance(outcome, rules.Refusal):
        return outcome
    pair = (old["ratee_account_id"], old["rater_account_id"], old["direction"])
    refresh_pairs(session, {pair}, policy, lambda: store(session, _version_frame([(old, outcome)]), [old["id"]]))
    return outcome
