"""Inspection API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.ids import Id
from chengxin.text import CleanText


class InspectorIn(BaseModel):
    organisation_id: Id
    name: CleanText = Field(min_length=1, max_length=100)
    badge_no: CleanText = Field(min_length=1, max_length=40, description="执法证号")
    sector: CleanText = Field(min_length=1, max_length=40)


class ConflictIn(BaseModel):
    subject_id: Id
    reason: CleanText = Field(min_length=1, max_length=200)


class PlanIn(BaseModel):
    sector: CleanText = Field(min_length=1, max_length=40)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    seed: int | None = Field(default=None, ge=0, lt=2**48, description="omitted: derived from sector and month")
    division: str = Field(default="", pattern=r"^\d{0,6}$", description="limit to subjects of this division prefix")
    organisation_id: Id | None = None


class ResultIn(BaseModel):
    outcome: Literal["passed", "failed"]
    inspected_on: date
    finding: CleanText = Field(min_length=1, max_length=2000, description="检查结果")
    product: CleanText | None = Field(default=None, max_length=200, description="failed: the product or item inspected")
    severity: Literal["minor", "general", "serious"] | None = None


class TaskOut(BaseModel):
    id: int
    subject_id: int
    subject_name: str
    uscc: str | None
    supervision_class: str
    outcome: str
    inspected_on: date | None
    finding: str | None
    record_id: int | None
    inspector_ids: list[int] | None = Field(description="shown to the plan's department and the credit centre only")


class PlanOut(BaseModel):
    id: int
    sector: str
    month: str
    division: str
    seed: int
    status: str
    organisation_id: int | None
    population: dict[str, Any]
    policy: dict[str, Any]
    published_at: datetime | None
    tasks: list[TaskOut]
