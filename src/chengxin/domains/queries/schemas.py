"""Query service requests and answers (Pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from chengxin.domains.records.schemas import RecordGroup
from chengxin.ids import Id
from chengxin.text import PRINTABLE

Code = Annotated[str, Field(min_length=15, max_length=18, pattern=r"^[0-9A-Za-z]+$", description="USCC or RIC")]
Key = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]


class QueryIn(BaseModel):
    """An authorised query (授权查询): the subject by its code, the purpose, and the authorisation — or, for
    a department with a purpose that allows it, the legal basis."""

    subject: Code
    purpose: Key | None = Field(None, description="one of GET /api/v1/query-purposes; required")
    authorisation_id: Id | None = None
    legal_basis: Text | None = Field(None, description="the law or duty a department queries under (法定依据)")
    fields: list[Key] | None = Field(None, max_length=10, description="kinds of information; default: the purpose's")


class QuerySubject(BaseModel):
    id: int
    kind: str
    name: str
    uscc: str | None
    ric: str | None
    masked: list[str]


class QueryAnswer(BaseModel):
    """The answer to a query, as registered (``query_id``)."""

    query_id: int
    kind: str  # public | authorised
    purpose: str | None
    purpose_zh: str | None
    basis: str  # public | authorisation | legal_basis | purpose
    authorisation_id: int | None
    fields: list[str]
    as_of: date
    subject: QuerySubject
    view: str
    counts: dict[str, int]
    groups: list[RecordGroup]


class PurposeOut(BaseModel):
    key: str
    name: str
    roles: list[str]
    fields: list[str]
    legal_basis: bool


class AuthorisationIn(BaseModel):
    """An authorisation the organisation obtained offline (the subject's signed consent, ``reference``)."""

    subject: Code
    purpose: Key
    scope: list[Key] = Field(min_length=1, max_length=10)
    reference: Text
    valid_from: date | None = None
    valid_until: date


class GrantIn(BaseModel):
    """An authorisation the subject grants online to an organisation."""

    organisation_id: Id
    purpose: Key
    scope: list[Key] = Field(min_length=1, max_length=10)
    valid_until: date


class AuthorisationOut(BaseModel):
    id: int
    subject_id: int
    organisation_id: int
    organisation: str
    purpose: str
    purpose_zh: str
    scope: list[str]
    reference: str | None
    granted_by: str
    valid_from: date
    valid_until: date
    created_at: datetime
    withdrawn_at: datetime | None
    status: str  # valid | withdrawn | expired | not_yet_valid


class SeenQueryOut(BaseModel):
    """One query of the caller's file (谁查询了我)."""

    id: int
    at: datetime
    kind: str
    organisation: str
    purpose: str | None
    purpose_zh: str
    authorisation_id: int | None
    legal_basis: str | None
    fields: list[str]


class QueryRecordOut(BaseModel):
    id: int
    at: datetime
    kind: str
    account: str
    actor_role: str
    organisation_id: int | None
    subject_id: int
    purpose: str | None
    authorisation_id: int | None
    legal_basis: str | None
    fields: list[str]
    client: str | None


class AlertOut(BaseModel):
    id: int
    rule: str
    rule_zh: str
    account: str
    organisation_id: int | None
    subject_id: int | None
    status: str
    count: int
    detail: str
    query_ids: list[int]
    raised_at: datetime
    last_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    note: str | None


class ReasonIn(BaseModel):
    reason: Text


class SuspensionOut(BaseModel):
    token_id: int
    suspended_at: datetime | None
    suspension_reason: str | None
