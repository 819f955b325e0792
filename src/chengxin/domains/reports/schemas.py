"""Credit report shapes: the report's content (what both the HTML and the PDF show, already masked for its
kind) and the API's requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from chengxin.ids import Id
from chengxin.text import PRINTABLE

KindIn = Literal["self", "public", "third_party"]


# --- the content -------------------------------------------------------------------------------


class IdentityPart(BaseModel):
    kind: str  # legal | natural
    name: str
    uscc: str | None = None
    ric: str | None = None
    legal_form: str | None = None
    legal_representative: str | None = None
    division: str
    roles: list[str] = []
    verification: str
    masked: list[str] = []


class ContributionPart(BaseModel):
    indicator_name: str
    effect: float
    why: str


class GradePart(BaseModel):
    grade: str
    grade_label: str
    score: float
    model_version: str
    as_of: date
    dimensions: list[tuple[str, float, float]]  # name, points (0…100), effect on the score
    indicators: list[tuple[str, int, float]]  # every indicator that moved the score: name, items, total effect
    contributions: list[ContributionPart]  # the largest single reasons (``assemble.TOP_REASONS``)
    more_reasons: int = 0  # further reasons not listed one by one (counted in ``indicators``)


class RecordPart(BaseModel):
    type_name: str
    decided_on: date
    document_no: str | None
    content: str
    severity_zh: str
    source: str
    publicity_until: date | None
    status_zh: str
    public: bool


class RecordGroupPart(BaseModel):
    category_zh: str
    polarity: str
    records: list[RecordPart]


class ListPart(BaseModel):
    list_zh: str
    status_zh: str
    reasons: list[str]
    published_on: date | None
    ends_on: date | None


class CommitmentPart(BaseModel):
    title: str
    signed_on: date
    status_zh: str
    breaches: int


class ShopPart(BaseModel):
    account_id: str
    platform_id: str
    points: int
    level: str
    positive_rate: float | None
    ratings: int


class ReportContent(BaseModel):
    """A report at its point in time: everything the HTML and PDF show, masked as its kind requires."""

    number: str
    kind: KindIn
    kind_zh: str
    title: str
    issued_at: datetime
    valid_until: datetime
    as_of: date
    requester: str  # who asked, as shown on the report (an organisation's name, 本人, 社会公众)
    purpose: str | None  # as shown: the purpose's name (招聘录用 …)
    authorisation_ref: str | None
    verify_url: str
    key_id: str
    subject_id: int
    identity: IdentityPart
    grade: GradePart | None
    record_counts: dict[str, int]
    groups: list[RecordGroupPart]
    lists: list[ListPart]
    commitments: list[CommitmentPart] | None
    shops: list[ShopPart] | None
    authorisation_id: int | None = None
    legal_basis: str | None = None


# --- the API -----------------------------------------------------------------------------------


class ReportIn(BaseModel):
    subject_id: int | None = Field(None, ge=1, le=2**31 - 1)
    code: str | None = Field(None, max_length=20, pattern=PRINTABLE, description="the subject's USCC or RIC")
    kind: KindIn = "public"
    purpose: str | None = Field(
        None, max_length=200, pattern=PRINTABLE,
        description="third_party: one of GET /api/v1/query-purposes (hiring, licensing …), required; "
        "the others: why, for the audit log",
    )  # fmt: skip
    authorisation_id: Id | None = Field(
        None, description="third_party, a natural person: the person's authorisation given to your organisation"
    )
    legal_basis: str | None = Field(
        None, min_length=1, max_length=200, pattern=PRINTABLE,
        description="third_party: the law or duty a department acts under (法定依据), for purposes that allow it",
    )  # fmt: skip
    fields: list[Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]] | None = Field(
        None, max_length=10, description="third_party: kinds of information (default: the purpose's)"
    )

    @model_validator(mode="after")
    def one_subject(self) -> ReportIn:
        if (self.subject_id is None) == (self.code is None):
            raise ValueError("give exactly one of subject_id and code")
        return self


class ReportLinks(BaseModel):
    pdf: str
    html: str
    verify: str


class ReportOut(BaseModel):
    """An issued report as registered (报告登记)."""

    number: str
    kind: str
    subject_id: int
    purpose: str | None
    authorisation_id: int | None
    authorisation_ref: str | None
    legal_basis: str | None
    query_id: int | None = Field(description="third_party: its row in the query register (查询登记)")
    requester: str
    issued_at: datetime
    valid_until: datetime
    sha256: str
    key_id: str
    links: ReportLinks


class PublicKeyOut(BaseModel):
    algorithm: str
    key_id: str
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    pem: str
    previous: list[dict[str, str]] = Field(description="earlier keys whose reports still verify (key_id, public_key)")


class Problem(BaseModel):
    code: str
    detail: str
    message_zh: str


class VerifiedReport(BaseModel):
    number: str
    kind: str
    kind_zh: str
    subject_name: str  # as a public report shows it (a person's masked)
    issued_at: datetime
    valid_until: datetime
    expired: bool


class VerificationOut(BaseModel):
    valid: bool
    number: str | None
    checks: dict[str, bool] = Field(description="signature, registered, hash, in_validity: which held")
    problems: list[Problem]
    report: VerifiedReport | None


class VerifyNumberIn(BaseModel):
    number: str = Field(max_length=40, pattern=PRINTABLE)
