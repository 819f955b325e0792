"""Subject JSON API (thin): parse, call the service, render."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.subjects import service
from chengxin.domains.subjects.rules import SubjectRoleName
from chengxin.domains.subjects.schemas import (
    LegalSubjectIn,
    NaturalSubjectIn,
    SearchResult,
    SubjectOut,
    SubjectPatch,
)
from chengxin.domains.verification import service as verification_service
from chengxin.errors import InvalidInput
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1/subjects", tags=["subjects"])
DB = Annotated[Session, Depends(session_dep, scope="function")]
SubjectIn = Annotated[LegalSubjectIn | NaturalSubjectIn, Body(discriminator="kind")]


@router.post("", status_code=201, response_model=SubjectOut)
def create_subject(
    data: SubjectIn,
    request: Request,
    response: Response,
    session: DB,
    actor: Actor = Depends(Require(P.subjects_create)),
) -> SubjectOut:
    """Register a subject (信用主体登记); identity verification runs at once when configured."""
    st = state(request)
    subject = service.create_subject(session, actor=actor, data=data, cipher=st.cipher)
    if st.settings.verify_on_create:
        verification_service.verify_subjects(session, actor=actor, verifier=st.verifier, subjects=[subject])
    response.headers["Location"] = f"/api/v1/subjects/{subject.id}"
    return service.present(session, actor=actor, subject=subject, cipher=st.cipher)


@router.get("", response_model=SearchResult)
def search_subjects(
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
    q: str = Query("", max_length=100, description="name fragment, USCC or RIC"),
    kind: Literal["legal", "natural"] | None = None,
    role: SubjectRoleName | None = None,
    verification: Literal["unverified", "verified", "mismatch", "not_found"] | None = None,
    limit: int = Query(20, ge=1),
) -> SearchResult:
    """Search by name (traditional/simplified, width and bracket variants match) or by code."""
    st = state(request)
    if limit > st.settings.search_limit_max:
        raise InvalidInput(f"limit must be at most {st.settings.search_limit_max}", code="limit_too_large")
    return service.search(
        session, actor=actor, query=q, cipher=st.cipher, kind=kind, role=role, verification=verification, limit=limit
    )


@router.get("/by-code/{code}", response_model=SubjectOut)
async def get_by_code(
    code: str,
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
    reveal: bool = Query(False, description="show the RIC in clear (needs subjects:read_pii and a purpose)"),
) -> SubjectOut:
    """Exact lookup by USCC or RIC. A person's RIC is masked unless the caller may see it.

    The hottest route (every merchant onboarding asks it): ``async`` so it skips the thread
    pool — its work is one indexed query of well under a millisecond, done on the event loop."""
    st = state(request)
    subject = service.view_by_code(session, code=code, cipher=st.cipher)
    return service.present(session, actor=actor, subject=subject, cipher=st.cipher, reveal_ric=reveal)


@router.get("/{subject_id}", response_model=SubjectOut)
def get_subject(
    subject_id: PathId,
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
    reveal: bool = False,
) -> SubjectOut:
    st = state(request)
    subject = service.view_by_id(session, subject_id)
    return service.present(session, actor=actor, subject=subject, cipher=st.cipher, reveal_ric=reveal)


@router.patch("/{subject_id}", response_model=SubjectOut)
def update_subject(
    subject_id: PathId,
    patch: SubjectPatch,
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.subjects_update)),
) -> SubjectOut:
    """Change name, legal form, legal representative or roles; identifiers never change."""
    st = state(request)
    subject = service.update_subject(session, actor=actor, subject_id=subject_id, patch=patch)
    return service.present(session, actor=actor, subject=subject, cipher=st.cipher)


@router.post("/{subject_id}/verify", response_model=SubjectOut)
def verify_subject(
    subject_id: PathId, request: Request, session: DB, actor: Actor = Depends(Require(P.verification_run))
) -> SubjectOut:
    """Run identity verification (实名核验) again and store the result."""
    st = state(request)
    subject = service.get_subject(session, subject_id)
    verification_service.verify_subjects(session, actor=actor, verifier=st.verifier, subjects=[subject])
    return service.present(session, actor=actor, subject=subject, cipher=st.cipher)


@router.get("/{subject_id}/verifications")
def list_verifications(
    subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.subjects_read))
) -> list[dict[str, object]]:
    service.get_subject(session, subject_id)
    return [
        {"method": v.method, "result": v.result, "reasons": v.reasons, "verified_at": v.verified_at, "actor": v.actor}
        for v in verification_service.history(session, subject_id=subject_id)
    ]
