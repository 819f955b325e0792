"""Transaction credit read and written by one account: a merchant's credit, its reviews, changes,
replies and platforms' malicious-review flags. Routers, pages and the CLI call these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from chengxin.db import table_of, utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.market.models import MarketAccount, Order
from chengxin.domains.ratings import chain, intake, rules
from chengxin.domains.ratings.models import CreditPoints, Rating, RatingFlag, RatingReply
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.security import audit, masking
from chengxin.security.actor import Actor
from chengxin.security.permissions import Role


def account_credit(
    session: Session, account_id: str, side: str, day: date, policy: rules.RatingRules
) -> rules.AccountCredit:
    """Points and level as kept incrementally; counts, positive rate and DSR over the stored ratings."""
    credit = rules.AccountCredit(account_id, side)
    kept = session.get(CreditPoints, (account_id, side))
    if kept is not None:
        credit.points = kept.points
    credit.level = policy.level_for(credit.points)
    direction = "buyer_to_seller" if side == "seller" else "seller_to_buyer"
    r, o = table_of(Rating), table_of(Order)
    start, end = rules.window_start(day, policy), rules.end_of_day(day)
    in_window = r.c.created_at >= start
    scored = o.c.amount_fen >= policy.min_scored_amount_fen

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    cols = [n(r.c.score == s) for s in ("good", "neutral", "bad")]
    cols += [n(and_(in_window, scored, r.c.score == "good")), n(and_(in_window, scored))]
    for f in rules.DSR_FIELDS:
        cols += [
            func.coalesce(func.sum(case((in_window, r.c[f]), else_=None)), 0),
            n(and_(in_window, r.c[f].is_not(None))),
        ]
    stmt = (
        select(*cols)
        .select_from(r.join(o, o.c.order_id == r.c.order_id))
        .where(
            r.c.ratee_account_id == account_id,
            r.c.direction == direction,
            r.c.is_current.is_(True),
            r.c.kind == "initial",
            r.c.score.is_not(None),
            o.c.status == "completed",
            r.c.created_at < end,
        )
    )
    row = [int(v or 0) for v in session.execute(stmt).one()]
    credit.good, credit.neutral, credit.bad, credit.window_good, credit.window_total = row[:5]
    credit.dsr_sum = [row[5], row[7], row[9]]
    credit.dsr_n = [row[6], row[8], row[10]]
    return credit


@dataclass
class Review:
    rating_id: str
    rater: str  # masked unless the reader may see it
    score: str | None
    score_zh: str
    text: str | None
    created_at: datetime
    is_default: bool
    changed: bool
    dsr: dict[str, int | None]
    follow_up: dict[str, Any] | None = None
    replies: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MerchantCredit:
    account_id: str
    platform_id: str
    subject_id: int | None
    as_of: date
    seller: rules.AccountCredit
    buyer: rules.AccountCredit
    flagged_reviews: int
    recent: list[Review]
    rules_summary: dict[str, Any]


def get_account(session: Session, account_id: str) -> MarketAccount:
    account = session.get(MarketAccount, account_id)
    if account is None:
        raise NotFound(f"account {account_id} is not known", code="account_not_found")
    return account


def merchant_account(session: Session, actor: Actor, account_id: str) -> MarketAccount:
    """The account whose transaction credit this actor may see: a seller's shop (店铺, public); an account
    that only buys is a person's (脱敏: its id and its credit are not public), so to callers who may not see
    it whole it is "not known", exactly like an account that does not exist."""
    account = get_account(session, account_id)
    if account.role != "seller" and not shows_raters(session, actor, account):
        raise NotFound(f"account {account_id} is not known", code="account_not_found")
    return account


def platform_of(session: Session, actor: Actor) -> str | None:
    """The platform id (contract ``platform_id``) a platform actor speaks for: its organisation's code."""
    if actor.role is not Role.platform or actor.organisation_id is None:
        return None
    org = session.get(Organisation, actor.organisation_id)
    return None if org is None else org.code


def shows_raters(session: Session, actor: Actor, account: MarketAccount) -> bool:
    """Raters' account ids are shown unmasked to the account's own platform and to the roles the masking
    policy names (``security/masking.toml``: the credit centre)."""
    own = platform_of(session, actor) == account.platform_id
    return masking.reveals(masking.Field.account_id, role=actor.role, purpose=actor.purpose, own=own)


def merchant_credit(
    session: Session,
    account: MarketAccount,
    *,
    day: date,
    policy: rules.RatingRules,
    reveal: bool = False,
    recent: int = 20,
) -> MerchantCredit:
    account_id = account.account_id
    seller = account_credit(session, account_id, "seller", day, policy)
    buyer = account_credit(session, account_id, "buyer", day, policy)
    flagged = session.scalar(
        select(func.count(func.distinct(RatingFlag.rating_id))).where(RatingFlag.seller_account_id == account_id)
    )
    return MerchantCredit(
        account_id=account.account_id,
        platform_id=account.platform_id,
        subject_id=account.subject_id,
        as_of=day,
        seller=seller,
        buyer=buyer,
        flagged_reviews=int(flagged or 0),
        recent=recent_reviews(session, account_id, limit=recent, reveal=reveal),
        rules_summary={
            "rating_window_days": policy.rating_window_days,
            "pair_month_cap": policy.pair_month_cap,
            "same_item_days": policy.same_item_days,
            "min_scored_amount_fen": policy.min_scored_amount_fen,
            "window_months": policy.window_months,
        },
    )


def recent_reviews(session: Session, seller: str, *, limit: int, reveal: bool) -> list[Review]:
    """The latest buyer reviews of a seller with their follow-ups, replies and flags."""
    initial = list(
        session.scalars(
            select(Rating)
            .where(
                Rating.ratee_account_id == seller,
                Rating.direction == "buyer_to_seller",
                Rating.kind == "initial",
                Rating.is_current.is_(True),
            )
            .order_by(Rating.created_at.desc(), Rating.id.desc())
            .limit(limit)
        )
    )
    return _reviews(session, initial, reveal=reveal)


def _reviews(session: Session, initial: list[Rating], *, reveal: bool) -> list[Review]:
    orders = [r.order_id for r in initial]
    ids = [r.rating_id for r in initial]
    follow = {
        f.order_id: f
        for f in session.scalars(
            select(Rating).where(
                Rating.order_id.in_(orders), Rating.kind == "follow_up", Rating.direction == "buyer_to_seller"
            )
        )
    }
    replies: dict[str, list[RatingReply]] = {}
    for rep in session.scalars(
        select(RatingReply)
        .where(RatingReply.rating_id.in_(ids + [f.rating_id for f in follow.values()]))
        .order_by(RatingReply.id)
    ):
        replies.setdefault(rep.rating_id, []).append(rep)
    flags: dict[str, list[RatingFlag]] = {}
    for fl in session.scalars(select(RatingFlag).where(RatingFlag.rating_id.in_(ids))):
        flags.setdefault(fl.rating_id, []).append(fl)
    out = []
    for r in initial:
        f = follow.get(r.order_id)
        out.append(
            Review(
                rating_id=r.rating_id,
                rater=r.rater_account_id if reveal else masking.mask_account(r.rater_account_id),
                score=r.score,
                score_zh=rules.SCORE_ZH[rules.Score(r.score)] if r.score else "",
                text=r.text,
                created_at=r.created_at,
                is_default=r.is_default,
                changed=r.version > 1,
                dsr={k: getattr(r, k) for k in rules.DSR_FIELDS},
                follow_up=None if f is None else {"rating_id": f.rating_id, "text": f.text, "created_at": f.created_at},
                replies=[
                    {"rating_id": p.rating_id, "text": p.text, "created_at": p.created_at}
                    for p in replies.get(r.rating_id, []) + (replies.get(f.rating_id, []) if f else [])
                ],
                flags=[
                    {"platform_id": x.platform_id, "reason": x.reason, "flagged_at": x.flagged_at}
                    for x in flags.get(r.rating_id, [])
                ],
            )
        )
    return out


def history(session: Session, rating_id: str) -> list[Rating]:
    """Every version of a rating, oldest first (nothing is ever deleted)."""
    versions = list(session.scalars(select(Rating).where(Rating.rating_id == rating_id).order_by(Rating.version)))
    if not versions:
        raise NotFound(f"rating {rating_id} is not known", code="rating_not_found")
    return versions


def change_score(
    session: Session,
    actor: Actor,
    rating_id: str,
    score: rules.Score,
    *,
    at: datetime | None,
    policy: rules.RatingRules,
) -> Rating:
    """The one allowed change (修改评价) of a neutral/bad rating, as a new version."""
    history(session, rating_id)
    now = utcnow()
    outcome = intake.change(session, rating_id, score, at=at or now, now=now, policy=policy)
    if isinstance(outcome, rules.Refusal):
        raise Conflict(outcome.detail, code=outcome.code, message_zh="该评价不能修改")
    audit.record(
        session,
        actor,
        audit.Event("rating.change", object_type="rating", object_id=rating_id, detail={"score": score.value}),
    )
    return history(session, rating_id)[-1]


def reply(session: Session, actor: Actor, rating_id: str, *, author_account_id: str, text: str) -> RatingReply:
    """The ratee's reply or explanation (解释), chained into the seller's history."""
    current = history(session, rating_id)[-1]
    if author_account_id != current.ratee_account_id:
        raise InvalidInput(
            f"only the rated account ({current.ratee_account_id}) may reply to rating {rating_id}", code="not_the_ratee"
        )
    if not text.strip():
        raise InvalidInput("a reply needs text", code="reply_empty")
    row: dict[str, Any] = {
        "rating_id": rating_id,
        "author_account_id": author_account_id,
        "seller_account_id": current.seller_account_id,
        "text": text.strip(),
        "created_at": utcnow(),
    }
    linked = chain.append(session, "reply", chain.frame_of("reply", [row]))
    entry = RatingReply(**row, **{k: linked[k][0] for k in ("chain_seq", "prev_hash", "hash")})
    session.add(entry)
    session.flush()
    audit.record(session, actor, audit.Event("rating.reply", object_type="rating", object_id=rating_id))
    return entry


def flag(session: Session, actor: Actor, rating_id: str, *, platform_id: str, reason: str) -> RatingFlag:
    """A platform reports a rating as malicious (恶意评价); the rating stays, the flag is shown beside it."""
    current = history(session, rating_id)[-1]
    if current.platform_id != platform_id:
        raise InvalidInput(
            f"rating {rating_id} was given on platform {current.platform_id}, not {platform_id}",
            code="platform_mismatch",
        )
    existing = session.scalar(
        select(RatingFlag).where(RatingFlag.rating_id == rating_id, RatingFlag.platform_id == platform_id)
    )
    if existing is not None:
        return existing
    entry = RatingFlag(
        rating_id=rating_id,
        seller_account_id=current.seller_account_id,
        platform_id=platform_id,
        reason=reason.strip()[:500],
        flagged_by=actor.label,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event("rating.flag", object_type="rating", object_id=rating_id, detail={"reason": entry.reason}),
    )
    return entry


def refuse_delete(session: Session, actor: Actor, rating_id: str) -> None:
    """A DELETE of a rating: refused, and the attempt is audited (电子商务法 §39: reviews may not be deleted)."""
    audit.record(session, actor, audit.Event("rating.delete_refused", object_type="rating", object_id=rating_id))


@dataclass
class Shop:
    account_id: str
    platform_id: str
    points: int
    level: rules.Level


def shops_of_subject(session: Session, subject_id: int, policy: rules.RatingRules) -> list[Shop]:
    """The seller accounts (网店) linked to a subject, with their points and level."""
    accounts = session.scalars(
        select(MarketAccount)
        .where(MarketAccount.subject_id == subject_id, MarketAccount.role == "seller")
        .order_by(MarketAccount.platform_id, MarketAccount.account_id)
    )
    out = []
    for a in accounts:
        kept = session.get(CreditPoints, (a.account_id, "seller"))
        points = kept.points if kept is not None else 0
        out.append(Shop(a.account_id, a.platform_id, points, policy.level_for(points)))
    return out
