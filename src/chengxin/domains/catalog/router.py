"""Catalog JSON API (thin): read the catalog in force and its history; the credit centre edits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from chengxin.domains.catalog import service
from chengxin.domains.catalog.schemas import CatalogOut, CatalogVersionOut, RecordTypeChange, RegimesChange
from chengxin.errors import NotFound
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


def _out(session: Session) -> CatalogOut:
    cat = service.active_catalog(session)
    stored = service.current_version(session) is not None
    d = cat.to_dict()
    return CatalogOut(version=cat.version, stored=stored, note=cat.note, regimes=d["regimes"], types=d["types"])


@router.get("", response_model=CatalogOut)
def get_catalog(session: DB, actor: Actor = Depends(Require(P.public_read))) -> CatalogOut:
    """The information catalog in force (信用信息目录): record types and publicity regimes."""
    return _out(session)


@router.get("/versions", response_model=list[CatalogVersionOut])
def list_versions(session: DB, actor: Actor = Depends(Require(P.public_read))) -> list[CatalogVersionOut]:
    """Every stored version, newest first."""
    return [
        CatalogVersionOut(version=v.version, note=v.note, created_by=v.created_by, created_at=v.created_at)
        for v in service.history(session)
    ]


@router.get("/types/{code}", response_model=dict[str, Any])
def get_type(code: str, session: DB, actor: Actor = Depends(Require(P.public_read))) -> dict[str, Any]:
    rtype = service.active_catalog(session).get(code)
    if rtype is None:
        raise NotFound(
            f"record type {code!r} is not in the catalog",
            code="record_type_not_found",
            message_zh="目录中没有该记录类型",
        )
    return rtype.to_dict()


@router.put("/types/{code}", response_model=CatalogOut)
def put_type(
    code: str, data: RecordTypeChange, session: DB, actor: Actor = Depends(Require(P.catalog_manage))
) -> CatalogOut:
    """Add or change a record type: a new catalog version (audited). Records keep the version they were made under."""
    service.put_type(session, actor, code, data.type.model_dump(exclude_none=True), note=data.note)
    return _out(session)


@router.put("/regimes", response_model=CatalogOut)
def put_regimes(data: RegimesChange, session: DB, actor: Actor = Depends(Require(P.catalog_manage))) -> CatalogOut:
    """Change the publicity regimes (periods by decision date and severity): a new catalog version."""
    service.put_regimes(session, actor, data.regimes, note=data.note)
    return _out(session)
