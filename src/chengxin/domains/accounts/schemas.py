"""Request and response models of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chengxin.ids import Id
from chengxin.security.permissions import Role
from chengxin.text import CleanText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenIn(_Strict):
    name: CleanText = Field(min_length=1, max_length=120)
    role: Role
    scopes: list[str] | None = None
    organisation_id: Id | None = None
    subject_id: Id | None = None
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: CleanText
    role: str
    scopes: list[str]
    token: str = Field(description="shown once; only its hash is stored")


class OrganisationIn(_Strict):
    kind: CleanText
    name: CleanText = Field(min_length=1, max_length=200)
    sector: CleanText | None = None
    uscc: CleanText | None = None
    parent_id: Id | None = Field(default=None, description="上级机关: reviews listings one level up")


class OrganisationConfirm(_Strict):
    sector: CleanText | None = Field(default=None, max_length=40)


class OrganisationOut(BaseModel):
    id: int
    kind: CleanText
    name: CleanText
    sector: CleanText | None
    status: str
    parent_id: int | None = None


class UserIn(_Strict):
    username: CleanText = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: CleanText = Field(min_length=8, max_length=200)
    role: Role
    display_name: CleanText | None = None
    organisation_id: Id | None = None
    subject_id: Id | None = None


class UserOut(BaseModel):
    id: int
    username: CleanText
    role: str
    organisation_id: int | None
    subject_id: int | None


class MeOut(BaseModel):
    actor: str
    role: str
    permissions: list[str]
    organisation_id: int | None
    subject_id: int | None
