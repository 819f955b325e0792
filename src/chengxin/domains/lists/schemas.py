"""List API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from chengxin.ids import Id
from chengxin.text import CleanText


class ProposeIn(BaseModel):
    subject_ids: list[Id] | None = Field(default=None, max_length=10_000, description="omitted: every subject")


class ReviewIn(BaseModel):
    approve: bool
    note: CleanText = Field(min_length=1, max_length=2000)


class ObjectionIn(BaseModel):
    text: CleanText = Field(min_length=1, max_length=5000, description="陈述和申辩")


class DecisionIn(BaseModel):
    upheld: bool
    answer: CleanText = Field(min_length=1, max_length=5000)


class EntryOut(BaseModel):
    id: int
    list_kind: str
    subject_id: int
    status: str
    basis: list[dict[str, Any]]
    deciding_org_id: int | None
    notified_on: date | None
    objection_until: date | None
    published_on: date | None
    ends_on: date | None
    removed_on: date | None
    removal_reason: str | None


class PublicEntryOut(BaseModel):
    id: int
    list_kind: str
    subject_id: int
    name: str
    uscc: str | None
    reasons: list[str]
    published_on: date | None
    ends_on: date | None


class PublicPage(BaseModel):
    total: int
    page: int
    entries: list[PublicEntryOut]


class WarningIn(BaseModel):
    subject_id: Id
    text: CleanText = Field(min_length=1, max_length=500, description="what consumers are told")
    basis: CleanText = Field(min_length=1, max_length=500, description="the listing decision it rests on")


class LiftIn(BaseModel):
    reason: CleanText = Field(min_length=1, max_length=200)


class WarningOut(BaseModel):
    id: int
    subject_id: int
    name: str
    uscc: str | None
    shop_account_ids: list[str]
    source: str
    text: str
    basis: str
    issued_at: datetime
    lifted_at: datetime | None
    lift_reason: str | None


class ProgressIn(BaseModel):
    text: CleanText = Field(min_length=1, max_length=2000)


class RectificationOut(BaseModel):
    id: int
    list_entry_id: int
    subject_id: int
    notice_no: str
    issued_on: date
    due_on: date
    status: str
    commitment_signed_at: datetime | None
    done_on: date | None
    ledger: list[dict[str, Any]]


class TaskOut(BaseModel):
    id: int
    rectification_id: int
    step: str
    step_zh: str
    opened_on: date
    done_at: datetime | None
    note: str | None
