"""Request and response models of the commitment API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.text import CleanText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignIn(_Strict):
    """A subject signs a commitment online (网上签署), dated today."""

    template: CleanText = Field(min_length=1, max_length=40, description="template code, e.g. law_abiding")
    signatory: CleanText | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="who signs for the subject (default: the legal representative, or the person's own name)",
    )


class PaperIn(_Strict):
    """A department records a commitment signed on paper (书面承诺)."""

    template: CleanText = Field(min_length=1, max_length=40)
    signatory: CleanText = Field(min_length=1, max_length=120, description="the person who signed (签署人)")
    signed_on: date = Field(description="the date on the paper; not in the future")
    scan_ref: CleanText | None = Field(
        default=None, min_length=1, max_length=300, description="where the scanned paper is kept (扫描件编号或位置)"
    )


class BreachIn(_Strict):
    """A department finds that a commitment was broken (违诺认定)."""

    finding: CleanText = Field(min_length=1, max_length=2000, description="what was found (认定事实)")
    found_on: date = Field(description="the date of the finding; not in the future nor before the signing")
    severity: Literal["minor", "general", "serious"] | None = Field(
        default=None, description="omitted: the catalog default (general)"
    )
    document_no: CleanText | None = Field(default=None, min_length=1, max_length=200, description="文书号")


class TemplateOut(BaseModel):
    code: str
    title: str
    topic: str
    subject_kinds: list[str]
    roles: list[str]
    repeatable: bool
    legal_basis: str
    text: str  # with placeholders {name} {code_label} {code} {date}


class BreachOut(BaseModel):
    id: int
    commitment_id: int
    found_on: date
    finding: str
    record_id: int
    created_at: datetime


class BreachCreated(BreachOut):
    severity: str
    commitment_status: str


class CommitmentOut(BaseModel):
    """A commitment as the viewer may see it; ``masked`` lists what is shown masked."""

    id: int
    subject_id: int
    template: str
    title: str
    text: str
    channel: str
    channel_zh: str
    signatory: str
    signed_on: date
    status: str
    status_zh: str
    published: bool
    record_id: int | None
    recorded_by: str | None  # account that recorded it; shown to the subject and departments only
    created_at: datetime
    breaches: list[BreachOut]
    masked: list[str]
