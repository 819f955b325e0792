"""Request and response models of the credit-record API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chengxin.domains.subjects.schemas import SubjectOut
from chengxin.ids import Id
from chengxin.text import CleanText

PayloadKey = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
PayloadValue = Annotated[str, StringConstraints(max_length=4000)] | int | float | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartyIn(_Strict):
    """Who the record is about: a subject id, or a USCC / RIC to match on (a name alone never matches)."""

    subject_id: Id | None = None
    uscc: CleanText | None = Field(default=None, max_length=40)
    ric: CleanText | None = Field(default=None, max_length=40)
    name: CleanText | None = Field(default=None, max_length=300)
    kind: Literal["legal", "natural"] | None = None


class RecordIn(_Strict):
    type: CleanText = Field(max_length=40, description="record type code from the catalog")
    source_record_id: CleanText = Field(
        min_length=1, max_length=120, description="the source's own id (idempotency key)"
    )
    subject: PartyIn
    decided_on: date = Field(description="decision date (决定日期); publicity runs from it")
    occurred_on: date | None = None
    severity: Literal["minor", "general", "serious", "none"] | None = Field(
        default=None, description="omitted: implied by the penalty category or the type's default"
    )
    document_no: CleanText | None = Field(default=None, max_length=200, description="文书号")
    valid_to: date | None = Field(default=None, description="licences: 有效期至 (2099-12-31 = indefinite)")
    payload: dict[PayloadKey, PayloadValue] = Field(default_factory=dict, max_length=60)
    source_organisation_id: Id | None = Field(
        default=None, description="credit centre only: the organisation the record comes from"
    )


class RecordBatchIn(_Strict):
    records: list[RecordIn] = Field(min_length=1, max_length=1000)


class OutcomeOut(BaseModel):
    index: int
    result: Literal["created", "corrected", "unchanged", "unmatched", "rejected"]
    record_id: int | None = None
    record_key: str | None = None
    version: int | None = None
    unmatched_id: int | None = None
    code: str | None = None
    detail: str | None = None


class BatchOut(BaseModel):
    created: int
    corrected: int
    unchanged: int
    unmatched: int
    rejected: int
    outcomes: list[OutcomeOut]


class RevokeIn(_Strict):
    reason: CleanText = Field(min_length=1, max_length=500)
    document_no: CleanText | None = Field(default=None, max_length=200)


class SourceOut(BaseModel):
    id: int
    name: str


class RecordOut(BaseModel):
    id: int
    record_key: str
    version: int
    is_current: bool
    change: str
    supersedes_id: int | None
    subject_id: int
    type: str
    type_name: str
    category: str
    category_zh: str
    polarity: str
    severity: str
    severity_zh: str
    disclosure: str
    status: str
    status_zh: str
    public: bool = Field(description="shown on public pages today")
    source: SourceOut
    source_record_id: str
    document_no: str | None
    occurred_on: date | None
    decided_on: date
    published_from: date
    publicity_until: date | None
    repairable_from: date | None
    regime: str | None
    catalog_version: int
    payload: dict[str, Any]
    created_at: datetime


class RecordGroup(BaseModel):
    category: str
    category_zh: str
    polarity: str
    records: list[RecordOut]


class CreditFileOut(BaseModel):
    subject: SubjectOut
    view: Literal["public", "self", "departments", "full"] = Field(description="what this reader may see")
    as_of: date
    counts: dict[str, int]
    groups: list[RecordGroup]
