"""Request and response models of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chengxin.security.permissions import Role


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenIn(_Strict):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    scopes: list[str] | None = None
    organisation_id: int | None = None
    subject_id: int | None = None
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    scopes: list[str]
    token: str = Field(description="shown once; only its hash is stored")


class OrganisationIn(_Strict):
    kind: str
    name: str = Field(min_length=1, max_length=200)
    sector: str | None = None
    uscc: str | None = None


class OrganisationOut(BaseModel):
    id: int
    kind: str
    name: str
    sector: str | None
    status: str


class UserIn(_Strict):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str | None = None
    organisation_id: int | None = None
    subject_id: int | None = None


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    organisation_id: int | None
    subject_id: int | None


class MeOut(BaseModel):
    actor: str
    role: str
    permissions: list[str]
    organisation_id: int | None
    subject_id: int | None
