"""Assessment API shapes: complaints in, notices, assessments and the bulletin out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.ids import Id
from chengxin.text import CleanText

PERIOD = r"^\d{4}([Qq][1-4]|-(0[1-9]|1[0-2]))?$"


class ComplaintsIn(BaseModel):
    complaints: list[dict[str, str | int | None]] = Field(
        min_length=1, max_length=10_000,
        description="rows with complaint_no, channel, platform_id, seller_account_id, carrier_uscc, category, "
        "received_at, responded_at, closed_at, outcome; each is checked on its own",
    )  # fmt: skip


class RejectedOut(BaseModel):
    row: int
    code: str
    detail: str


class ComplaintsOut(BaseModel):
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[RejectedOut]


class NoticeIn(BaseModel):
    subject_id: Id = Field(description="the platform operator or logistics company addressed")
    kind: Literal["rectification", "takedown", "assistance", "warning"]
    title: CleanText = Field(min_length=1, max_length=200)
    text: CleanText = Field(min_length=1, max_length=5000)
    due_on: date
    issued_on: date | None = Field(default=None, description="omitted: today")


class AnswerIn(BaseModel):
    answer: CleanText = Field(min_length=1, max_length=5000)


class NoticeOut(BaseModel):
    id: int
    notice_no: str
    kind: str
    subject_id: int
    organisation_id: int | None
    title: str
    text: str
    issued_on: date
    due_on: date
    answered_at: datetime | None
    answer: str | None


class RunIn(BaseModel):
    period: str = Field(pattern=PERIOD, description="2026Q3 (quarter), 2026-10 (month) or 2026 (year)")


class PeriodOut(BaseModel):
    period: str
    assessed: int
    published_at: datetime | None
    grades: dict[str, int]


class AssessmentOut(BaseModel):
    period: str
    kind: Literal["platform", "logistics"]
    subject_id: int
    name: str
    uscc: str | None
    score: float
    grade: str
    model_version: str
    indicators: list[dict[str, Any]] = Field(description="each indicator: key, name, measure, value, unit, points, why")
    measures: dict[str, Any]
    published_at: datetime | None
