"""Transaction credit JSON API (thin): merchant credit, rating history, changes, replies, flags,
the refused DELETE, and the platforms' batch intake."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from chengxin.db import unit_of_work
from chengxin.domains.market import contract, importer
from chengxin.domains.ratings import rules, service
from chengxin.domains.ratings.schemas import (
    BatchIn,
    BatchOut,
    BatchRejection,
    ChangeIn,
    FlagIn,
    FlagOut,
    LevelOut,
    MerchantCreditOut,
    RatingVersionOut,
    ReplyIn,
    ReplyOut,
    ReviewOut,
    SideOut,
)
from chengxin.domains.subjects.service import legal_today
from chengxin.errors import DomainError, InvalidInput
from chengxin.ids import PathCode
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.security.permissions import Role

router = APIRouter(prefix="/api/v1", tags=["transaction credit"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
MAX_BATCH_ROWS = 100_000


def side_out(c: rules.AccountCredit) -> SideOut:
    return SideOut(
        points=c.points,
        level=LevelOut(rank=c.level.rank, code=c.level.code, label_zh=c.level.label_zh),
        counts={"good": c.good, "neutral": c.neutral, "bad": c.bad},
        positive_rate=c.positive_rate,
        window_ratings=c.window_total,
        store_ratings=c.dsr(),
    )


def credit_out(m: service.MerchantCredit) -> MerchantCreditOut:
    return MerchantCreditOut(
        account_id=m.account_id,
        platform_id=m.platform_id,
        subject_id=m.subject_id,
        as_of=m.as_of,
        seller=side_out(m.seller),
        buyer=side_out(m.buyer),
        flagged_reviews=m.flagged_reviews,
        recent_reviews=[ReviewOut(**r.__dict__) for r in m.recent],
        rules=m.rules_summary,
    )


@router.get("/merchants/{account_id}/credit", response_model=MerchantCreditOut)
def merchant_credit(account_id: str, session: DB, actor: Actor = Depends(Require(P.public_read))) -> MerchantCreditOut:
    """A merchant's transaction credit (店铺信用): points, level, positive rate, store ratings, counts by
    score, recent reviews (buyers masked except for the merchant's own platform) and malicious-review flags."""
    account = service.merchant_account(session, actor, account_id)
    reveal = service.shows_raters(session, actor, account)
    m = service.merchant_credit(session, account, day=legal_today(), policy=rules.load_rules(), reveal=reveal)
    return credit_out(m)


def _version_out(r: object) -> RatingVersionOut:
    return RatingVersionOut.model_validate(r, from_attributes=True)


@router.get("/ratings/{rating_id}", response_model=list[RatingVersionOut])
def rating_history(
    rating_id: PathCode, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> list[RatingVersionOut]:
    """Every version of a rating, oldest first, with its place in the seller's hash chain."""
    return [_version_out(r) for r in service.history(session, rating_id)]


@router.delete("/ratings/{rating_id}", status_code=405)
def delete_rating(rating_id: PathCode, request: Request, actor: Actor = Depends(Require(P.public_read))) -> None:
    """Refused for everyone: reviews cannot be deleted (电子商务法 §39). The attempt is audited."""
    with unit_of_work(state(request).db) as session:
        service.refuse_delete(session, actor, rating_id)
    err = DomainError(
        f"rating {rating_id} cannot be deleted: ratings and reviews are kept for good (E-Commerce Law §39)",
        code="rating_delete_refused",
        message_zh="评价不得删除（电子商务法第三十九条）",
    )
    err.status = 405
    raise err


def _platform(session: Session, actor: Actor, given: str | None = None) -> str | None:
    """The platform the caller speaks for (its organisation's code); the credit centre names one."""
    if actor.role is Role.platform:
        own = service.platform_of(session, actor)
        if own is None:
            raise InvalidInput("this platform account has no platform id (organisation code)", code="platform_unknown")
        return own
    return given


@router.post("/ratings/{rating_id}/changes", status_code=201, response_model=RatingVersionOut)
def change_rating(
    rating_id: PathCode, data: ChangeIn, session: DB, actor: Actor = Depends(Require(P.ratings_report))
) -> RatingVersionOut:
    """The one allowed change of a neutral/bad rating within its window (修改评价), as a new version."""
    own = _platform(session, actor)
    if own is not None and service.history(session, rating_id)[-1].platform_id != own:
        raise InvalidInput(f"rating {rating_id} is not on platform {own}", code="platform_mismatch")
    return _version_out(
        service.change_score(session, actor, rating_id, data.score, at=data.changed_at, policy=rules.load_rules())
    )


@router.post("/ratings/{rating_id}/replies", status_code=201, response_model=ReplyOut)
def reply(
    rating_id: PathCode, data: ReplyIn, session: DB, actor: Actor = Depends(Require(P.ratings_report))
) -> ReplyOut:
    """The rated party's reply or explanation (回复/解释), kept in the seller's chain."""
    own = _platform(session, actor)
    if own is not None and service.history(session, rating_id)[-1].platform_id != own:
        raise InvalidInput(f"rating {rating_id} is not on platform {own}", code="platform_mismatch")
    entry = service.reply(session, actor, rating_id, author_account_id=data.author_account_id, text=data.text)
    return ReplyOut(
        id=entry.id, rating_id=entry.rating_id, text=entry.text, created_at=entry.created_at, chain_seq=entry.chain_seq
    )


@router.post("/ratings/{rating_id}/flags", status_code=201, response_model=FlagOut)
def flag(rating_id: PathCode, data: FlagIn, session: DB, actor: Actor = Depends(Require(P.ratings_report))) -> FlagOut:
    """A platform reports a rating as malicious (恶意评价): shown beside it, never removing it."""
    platform = _platform(session, actor, data.platform_id)
    if platform is None:
        raise InvalidInput("name the reporting platform (platform_id)", code="platform_missing")
    entry = service.flag(session, actor, rating_id, platform_id=platform, reason=data.reason)
    return FlagOut(
        rating_id=entry.rating_id, platform_id=entry.platform_id, reason=entry.reason, flagged_at=entry.flagged_at
    )


@router.post("/market/batches", response_model=BatchOut)
def batch(data: BatchIn, request: Request, actor: Actor = Depends(Require(P.market_import))) -> BatchOut:
    """Send marketplace rows (the contract's tables and columns) in one request; each table is checked
    row by row, valid rows land, rejected rows come back with reasons; sending it again changes nothing."""
    unknown = sorted(set(data.tables) - set(contract.TABLES))
    if unknown:
        raise InvalidInput(f"unknown table(s): {', '.join(unknown)}", code="table_unknown")
    total = sum(len(rows) for rows in data.tables.values())
    if total > MAX_BATCH_ROWS:
        raise InvalidInput(f"{total} rows in one batch; at most {MAX_BATCH_ROWS}", code="batch_too_large")
    db = state(request).db
    with unit_of_work(db, readonly=True) as session:
        platform = _platform(session, actor)
    raws: dict[str, tuple[pl.DataFrame, str]] = {}
    for name, rows in data.tables.items():
        raw = contract.frame_of_rows(contract.TABLES[name], rows)
        contract.check_columns(contract.TABLES[name], raw.columns, source=name)  # missing: the batch is unusable
        raws[name] = (raw, name)
    result = importer.import_frames(db, raws, actor=actor, platform=platform, first_row=1)
    return BatchOut(
        summary=result.as_dict(),
        rejected=[
            BatchRejection(table=r.table, row=r.row, key=r.key, code=r.code, detail=r.detail) for r in result.rejections
        ],
    )
