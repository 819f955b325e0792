"""Accounts JSON API (thin): who am I, tokens, organisations, users."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends
from sqlalchemy.orm import Session

from chengxin.domains.accounts import service
from chengxin.domains.accounts.schemas import (
    MeOut,
    OrganisationConfirm,
    OrganisationIn,
    OrganisationOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1", tags=["accounts"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("/me", response_model=MeOut)
def me(actor: Actor = Depends(Require(P.public_read))) -> MeOut:
    """Who the caller is and what it may do (anonymous callers get the public role)."""
    return MeOut(
        actor=actor.label,
        role=str(actor.role),
        permissions=sorted(actor.permissions),
        organisation_id=actor.organisation_id,
        subject_id=actor.subject_id,
    )


@router.post("/tokens", status_code=201, response_model=TokenOut)
def issue_token(data: TokenIn, session: DB, actor: Actor = Depends(Require(P.accounts_manage))) -> TokenOut:
    token, secret = service.issue_token(
        session,
        actor=actor,
        name=data.name,
        role=data.role,
        scopes=data.scopes,
        organisation_id=data.organisation_id,
        subject_id=data.subject_id,
        days=data.days,
    )
    return TokenOut(id=token.id, name=token.name, role=token.role, scopes=token.scopes, token=secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: PathId, session: DB, actor: Actor = Depends(Require(P.accounts_manage))) -> None:
    service.revoke_token(session, actor=actor, token_id=token_id)


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(
    session: DB,
    actor: Actor = Depends(Require(P.accounts_manage)),
    status: Literal["active", "pending"] | None = None,
) -> list[OrganisationOut]:
    """Organisations; `?status=pending` lists sources registered by imports, awaiting confirmation."""
    return [
        OrganisationOut(id=o.id, kind=o.kind, name=o.name, sector=o.sector, status=o.status)
        for o in service.list_organisations(session)
        if status is None or o.status == status
    ]


@router.post("/organisations/{organisation_id}/confirm", response_model=OrganisationOut)
def confirm_organisation(
    organisation_id: PathId,
    session: DB,
    actor: Actor = Depends(Require(P.accounts_manage)),
    data: Annotated[OrganisationConfirm | None, Body()] = None,
) -> OrganisationOut:
    """Confirm a pending source organisation (registered by a record import) as a department."""
    o = service.confirm_organisation(
        session, actor=actor, organisation_id=organisation_id, sector=data.sector if data else None
    )
    return OrganisationOut(id=o.id, kind=o.kind, name=o.name, sector=o.sector, status=o.status)


@router.post("/organisations", status_code=201, response_model=OrganisationOut)
def create_organisation(
    data: OrganisationIn, session: DB, actor: Actor = Depends(Require(P.accounts_manage))
) -> OrganisationOut:
    o = service.create_organisation(
        session,
        actor=actor,
        kind=data.kind,
        name=data.name,
        sector=data.sector,
        uscc=data.uscc,
        parent_id=data.parent_id,
    )
    return OrganisationOut(id=o.id, kind=o.kind, name=o.name, sector=o.sector, status=o.status, parent_id=o.parent_id)


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(data: UserIn, session: DB, actor: Actor = Depends(Require(P.accounts_manage))) -> UserOut:
    u = service.create_user(
        session,
        actor=actor,
        username=data.username,
        password=data.password,
        role=data.role,
        display_name=data.display_name,
        organisation_id=data.organisation_id,
        subject_id=data.subject_id,
    )
    return UserOut(
        id=u.id, username=u.username, role=u.role, organisation_id=u.organisation_id, subject_id=u.subject_id
    )
