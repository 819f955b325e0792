"""Ratings (评价), their replies, the per-seller hash chain and the credit points kept incrementally.

Nothing here is ever deleted. A change of a rating is a new row (``version`` + 1, the old row's
``is_current`` turns false); every rating and reply concerning a seller is a link in that seller's
chain: ``hash = sha256(prev_hash + canonical content)`` (see ``chain.py``), so an edit by hand is
found by ``chengxin ratings verify``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[str] = mapped_column(Code(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    order_id: Mapped[str] = mapped_column(Code(64))
    platform_id: Mapped[str] = mapped_column(Code(40))
    rater_account_id: Mapped[str] = mapped_column(Code(64))
    ratee_account_id: Mapped[str] = mapped_column(Code(64))
    seller_account_id: Mapped[str] = mapped_column(Code(64))  # whose chain it is in
    direction: Mapped[str] = mapped_column(Code(16))
    kind: Mapped[str] = mapped_column(Code(10))
    score: Mapped[str | None] = mapped_column(Code(8))
    dsr_description: Mapped[int | None] = mapped_column(SmallInteger)
    dsr_service: Mapped[int | None] = mapped_column(SmallInteger)
    dsr_logistics: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the rating was given
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for version > 1: when changed
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)  # 默认评价 (window lapsed)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("rating_id", "version"),
        # one index for a ratee's ratings (merchant pages read them all: counts, window, recent) and
        # for one rater's ratings of a ratee (the pair points); every index costs every import
        Index("ix_ratings_ratee", "ratee_account_id", "direction", "rater_account_id"),
        Index("ix_ratings_order", "order_id", "direction", "kind"),
        Index("ix_ratings_chain", "seller_account_id", "chain_seq"),
    )


class RatingReply(Base):
    """The ratee's reply or explanation (回复/解释) to a rating; also a link in the seller's chain."""

    __tablename__ = "rating_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[str] = mapped_column(Code(80), index=True)
    author_account_id: Mapped[str] = mapped_column(Code(64))
    seller_account_id: Mapped[str] = mapped_column(Code(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_rating_replies_chain", "seller_account_id", "chain_seq"),)


class RatingChain(Base):
    """The head of a seller's chain: the last link's number and hash."""

    __tablename__ = "rating_chains"

    seller_account_id: Mapped[str] = mapped_column(Code(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class RatingFlag(Base):
    """A platform's report that a rating is malicious (恶意评价) — shown beside it, never removing it."""

    __tablename__ = "rating_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[str] = mapped_column(Code(80), index=True)
    seller_account_id: Mapped[str] = mapped_column(Code(64), index=True)
    platform_id: Mapped[str] = mapped_column(Code(40))
    reason: Mapped[str] = mapped_column(String(500))
    flagged_by: Mapped[str] = mapped_column(String(120))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("rating_id", "platform_id"),)


class CreditPoints(Base):
    """An account's credit points and level on one side (信用积分与等级), kept as ratings arrive."""

    __tablename__ = "credit_points"

    account_id: Mapped[str] = mapped_column(Code(64), primary_key=True)
    side: Mapped[str] = mapped_column(Code(8), primary_key=True)  # seller | buyer
    points: Mapped[int] = mapped_column(Integer)
    level_rank: Mapped[int] = mapped_column(SmallInteger)
    level_code: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
