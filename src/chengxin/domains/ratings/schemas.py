"""API shapes of transaction credit (交易信用)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from chengxin.domains.ratings.rules import Score


class LevelOut(BaseModel):
    rank: int = Field(description="0 = no level; 1-5 hearts, 6-10 diamonds, 11-15 crowns, 16-20 gold crowns")
    code: str
    label_zh: str


class SideOut(BaseModel):
    points: int = Field(description="credit points (信用积分)")
    level: LevelOut
    counts: dict[str, int] = Field(description="ratings received by score: good, neutral, bad")
    positive_rate: float | None = Field(description="好评率 over the rolling window; null with no rating")
    window_ratings: int
    store_ratings: dict[str, float | None] = Field(description="店铺评分 (DSR) 1-5 per dimension, rolling window")


class ReviewOut(BaseModel):
    rating_id: str
    rater: str = Field(description="the buyer's account, masked for the public")
    score: str | None
    score_zh: str
    text: str | None
    created_at: datetime
    is_default: bool
    changed: bool
    dsr: dict[str, int | None]
    follow_up: dict[str, Any] | None
    replies: list[dict[str, Any]]
    flags: list[dict[str, Any]]


class MerchantCreditOut(BaseModel):
    account_id: str
    platform_id: str
    subject_id: int | None
    as_of: date
    seller: SideOut
    buyer: SideOut
    flagged_reviews: int = Field(description="reviews a platform reported as malicious (恶意评价)")
    recent_reviews: list[ReviewOut]
    rules: dict[str, Any]


class RatingVersionOut(BaseModel):
    rating_id: str
    version: int
    is_current: bool
    order_id: str
    direction: str
    kind: str
    score: str | None
    text: str | None
    created_at: datetime
    changed_at: datetime | None
    is_default: bool
    chain_seq: int
    hash: str


class ChangeIn(BaseModel):
    score: Score
    changed_at: datetime | None = Field(None, description="when the rater changed it (default: now)")


class ReplyIn(BaseModel):
    author_account_id: str
    text: str = Field(min_length=1, max_length=2000)


class ReplyOut(BaseModel):
    id: int
    rating_id: str
    text: str
    created_at: datetime
    chain_seq: int


class FlagIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    platform_id: str | None = Field(None, description="the reporting platform (default: the caller's own)")


class FlagOut(BaseModel):
    rating_id: str
    platform_id: str
    reason: str
    flagged_at: datetime


class BatchIn(BaseModel):
    tables: dict[str, list[dict[str, Any]]] = Field(
        description="table name → rows, in the marketplace contract's columns (accounts, orders, ratings, …)"
    )


class BatchRejection(BaseModel):
    table: str
    row: int = Field(description="1-based position of the row in its table's list")
    key: str
    code: str
    detail: str


class BatchOut(BaseModel):
    summary: dict[str, Any]
    rejected: list[BatchRejection]
