"""Evaluation API shapes: a score with its explanation (PIPL §24) and the grade history."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DimensionOut(BaseModel):
    key: str
    name: str
    weight: int
    base: float
    points: float = Field(description="the dimension's score, 0…100, after its cap")
    capped: float = Field(description="points the 0…100 cap added (+) or took away (−)")
    effect: float = Field(description="what the dimension adds to the score (weight applied)")


class ContributionOut(BaseModel):
    indicator: str
    indicator_name: str
    dimension: str
    record_id: int | None
    points: float = Field(description="points in the dimension, after severity and time decay")
    effect: float = Field(description="what it moves the score by (the dimension's weight applied)")
    why: str


class WhatIfOut(BaseModel):
    record_id: int
    action: str = Field(description="repair | expiry")
    on: date | None
    score_change: float
    why: str


class GradeChangeOut(BaseModel):
    grade: str
    previous_grade: str | None
    score: float
    model_version: str
    as_of: date
    cause: str
    recorded_at: datetime


class EvaluationOut(BaseModel):
    subject_id: int
    model_version: str
    score: float = Field(description="0…100: Σ dimension effects")
    grade: str
    grade_label: str
    as_of: date
    stored_grade: str | None = Field(description="the grade last stored (batch run or refresh)")
    stored_at: datetime | None
    dimensions: list[DimensionOut]
    contributions: list[ContributionOut]
    what_if: list[WhatIfOut]
    history: list[GradeChangeOut]
