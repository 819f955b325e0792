"""Request and response models of the subject API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.domains.subjects.rules import LegalForm, SubjectRoleName
from chengxin.text import CleanText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LegalSubjectIn(_Strict):
    kind: Literal["legal"]
    name: CleanText = Field(min_length=1, max_length=300)
    uscc: CleanText = Field(description="Unified Social Credit Code (统一社会信用代码), GB 32100")
    legal_form: LegalForm | None = None
    legal_representative: CleanText | None = Field(default=None, max_length=120)
    roles: list[SubjectRoleName] = Field(default_factory=list)


class NaturalSubjectIn(_Strict):
    kind: Literal["natural"]
    name: CleanText = Field(min_length=1, max_length=120)
    ric: CleanText = Field(description="Resident identity number (居民身份证号码), GB 11643; 15 digits accepted")
    roles: list[SubjectRoleName] = Field(default_factory=list)


class SubjectPatch(_Strict):
    name: CleanText | None = Field(default=None, min_length=1, max_length=300)
    legal_form: LegalForm | None = None
    legal_representative: CleanText | None = Field(default=None, max_length=120)
    roles: list[SubjectRoleName] | None = None


class VerificationOut(BaseModel):
    status: str
    method: str | None
    verified_at: datetime | None


class SubjectOut(BaseModel):
    """A subject as the viewer may see it; ``masked`` lists fields shown masked."""

    id: int
    kind: CleanText
    name: CleanText
    legal_form: str | None
    uscc: CleanText | None
    ric: CleanText | None
    division: str
    roles: list[str]
    legal_representative: CleanText | None
    verification: VerificationOut | None
    identity_warnings: list[str]
    masked: list[str]
    created_at: datetime | None
    updated_at: datetime | None


class SubjectSummary(BaseModel):
    id: int
    kind: CleanText
    name: CleanText
    uscc: CleanText | None
    ric: CleanText | None
    legal_form: str | None
    division: str
    roles: list[str]
    verification_status: str | None
    masked: list[str]


class SearchResult(BaseModel):
    query: str
    matched_by: str  # code | name | none
    results: list[SubjectSummary]
