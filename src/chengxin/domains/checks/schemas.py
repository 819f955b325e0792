"""Check API shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chengxin.text import CleanText


class CheckItem(BaseModel):
    uscc: CleanText | None = Field(default=None, max_length=40)
    ric: CleanText | None = Field(default=None, max_length=40)
    name: CleanText | None = Field(default=None, max_length=300)


class CheckIn(BaseModel):
    scenario: CleanText = Field(max_length=40, description="e.g. platform_onboarding")
    subjects: list[CheckItem] = Field(description="1…10,000 subjects, each by exactly one of uscc, ric, name")


class CheckOut(BaseModel):
    check_id: int
    scenario: str
    results: list[dict[str, Any]]


class FeedbackEntry(BaseModel):
    index: int = Field(ge=0, le=10_000)
    measure: CleanText = Field(max_length=20)
    applied: bool
    reason: CleanText | None = Field(default=None, max_length=2000)


class FeedbackIn(BaseModel):
    entries: list[FeedbackEntry] = Field(min_length=1, max_length=100_000)
