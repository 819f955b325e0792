"""Request and response models of the catalog API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.text import CleanText

SeverityName = Literal["none", "minor", "general", "serious"]
KindName = Literal["legal", "natural"]


def _no_severity() -> list[SeverityName]:
    return ["none"]


def _both_kinds() -> list[KindName]:
    return ["legal", "natural"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SeverityRuleIn(_Strict):
    default: SeverityName = "none"
    allowed: list[SeverityName] = Field(default_factory=_no_severity, min_length=1, max_length=4)
    by_penalty_category: dict[str, SeverityName] = Field(default_factory=dict, max_length=50)


class RecordTypeIn(_Strict):
    """A record type as configured (the code is in the path)."""

    name: CleanText = Field(min_length=1, max_length=100)
    category: CleanText = Field(min_length=1, max_length=30)
    polarity: Literal["positive", "negative", "basic"]
    severity: SeverityRuleIn = Field(default_factory=SeverityRuleIn)
    submitters: list[Literal["department", "platform", "credit_centre"]] = Field(min_length=1, max_length=3)
    subject_kinds: list[KindName] = Field(default_factory=_both_kinds, min_length=1)
    required: list[CleanText] = Field(default_factory=list, max_length=30)
    disclosure: Literal["public", "departments", "restricted"]
    publicity: Literal["dishonesty", "validity", "fixed", "permanent"]
    publicity_months: int | None = Field(default=None, ge=0, le=600)
    legal_basis: CleanText = Field(default="", max_length=1000)
    scoring: bool = False
    active: bool = True


class RecordTypeChange(_Strict):
    type: RecordTypeIn
    note: CleanText = Field(default="", max_length=300, description="why (kept with the version)")


class RegimesChange(_Strict):
    regimes: dict[str, Any] = Field(description="order58 and order36 as in defaults.toml")
    note: CleanText = Field(default="", max_length=300)


class CatalogOut(BaseModel):
    version: int
    stored: bool = Field(description="false while the shipped defaults are in force and not yet stored")
    note: str
    regimes: dict[str, Any]
    types: list[dict[str, Any]]


class CatalogVersionOut(BaseModel):
    version: int
    note: str
    created_by: str
    created_at: datetime
