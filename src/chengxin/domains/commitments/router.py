"""Commitment JSON API (thin): templates, signing online, paper commitments, listing, breaches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.commitments import service
from chengxin.domains.commitments.schemas import (
    BreachCreated,
    BreachIn,
    CommitmentOut,
    PaperIn,
    SignIn,
    TemplateOut,
)
from chengxin.ids import Id, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1", tags=["commitments"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("/commitments/templates", response_model=list[TemplateOut])
def list_templates(
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
    subject_id: Annotated[Id | None, Query(description="only the templates this subject may sign")] = None,
) -> list[TemplateOut]:
    """The standard commitment templates (信用承诺书规范格式), with their wording."""
    tset = service.templates()
    return [
        TemplateOut(
            code=t.code,
            title=t.title,
            topic=t.topic,
            subject_kinds=sorted(t.subject_kinds),
            roles=sorted(t.roles),
            repeatable=t.repeatable,
            legal_basis=t.legal_basis,
            text=tset.full_text(t),
        )
        for t in service.applicable_templates(session, subject_id=subject_id)
    ]


@router.get("/commitments/{commitment_id}", response_model=CommitmentOut)
def get_commitment(commitment_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))) -> CommitmentOut:
    return service.view_commitment(session, actor=actor, commitment_id=commitment_id)


@router.post("/subjects/{subject_id}/commitments", status_code=201, response_model=CommitmentOut)
def sign(
    subject_id: PathId,
    data: SignIn,
    request: Request,
    response: Response,
    session: DB,
    actor: Actor = Depends(Require(P.commitments_sign)),
) -> CommitmentOut:
    """The subject signs a commitment online (网上签署), for itself only."""
    made = service.sign_online(
        session,
        actor=actor,
        subject_id=subject_id,
        template_code=data.template,
        signatory=data.signatory,
        cipher=state(request).cipher,
    )
    response.headers["Location"] = f"/api/v1/commitments/{made.id}"
    return service.present_one(session, actor=actor, commitment=made)


@router.post("/subjects/{subject_id}/commitments/paper", status_code=201, response_model=CommitmentOut)
def record_paper(
    subject_id: PathId,
    data: PaperIn,
    request: Request,
    response: Response,
    session: DB,
    actor: Actor = Depends(Require(P.commitments_record)),
) -> CommitmentOut:
    """A department records a commitment signed on paper (书面承诺)."""
    made = service.record_paper(
        session,
        actor=actor,
        subject_id=subject_id,
        template_code=data.template,
        signatory=data.signatory,
        signed_on=data.signed_on,
        scan_ref=data.scan_ref,
        cipher=state(request).cipher,
    )
    response.headers["Location"] = f"/api/v1/commitments/{made.id}"
    return service.present_one(session, actor=actor, commitment=made)


@router.get("/subjects/{subject_id}/commitments", response_model=list[CommitmentOut])
def list_commitments(
    subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> list[CommitmentOut]:
    """A subject's commitments as the caller may see them."""
    return service.list_for_subject(session, actor=actor, subject_id=subject_id)


@router.post("/commitments/{commitment_id}/breaches", status_code=201, response_model=BreachCreated)
def record_breach(
    commitment_id: PathId,
    data: BreachIn,
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.commitments_breach)),
) -> BreachCreated:
    """A department records a breach (违诺): a negative record in the subject's credit file."""
    return service.record_breach(
        session,
        actor=actor,
        commitment_id=commitment_id,
        finding=data.finding,
        found_on=data.found_on,
        severity=data.severity,
        document_no=data.document_no,
        cipher=state(request).cipher,
    )
