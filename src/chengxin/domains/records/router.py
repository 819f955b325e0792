"""Credit-record JSON API (thin): submit (single and batch), read, history, revoke, credit file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from sqlalchemy.orm import Session

from chengxin.domains.records import files, service
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.records.schemas import (
    BatchOut,
    CreditFileOut,
    OutcomeOut,
    RecordBatchIn,
    RecordIn,
    RecordOut,
    RevokeIn,
)
from chengxin.errors import InvalidInput, PermissionDenied
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.security.permissions import Role
from chengxin.workflows import withdrawal

router = APIRouter(prefix="/api/v1", tags=["records"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


def _submission(r: RecordIn) -> Submission:
    s = r.subject
    return Submission(
        type_code=r.type,
        source_record_id=r.source_record_id,
        decided_on=r.decided_on,
        party=Party(name=s.name or "", kind=s.kind, uscc=s.uscc, ric=s.ric, subject_id=s.subject_id),
        occurred_on=r.occurred_on,
        severity=r.severity,
        document_no=r.document_no,
        payload=dict(r.payload),
        valid_to=r.valid_to,
    )


def _source_org(actor: Actor, records: list[RecordIn]) -> int:
    """Departments and platforms submit as their own organisation; the credit centre names one."""
    asked = {r.source_organisation_id for r in records}
    if actor.role == Role.credit_centre:
        if len(asked) != 1 or None in asked:
            if actor.organisation_id is not None and asked <= {None, actor.organisation_id}:
                return actor.organisation_id
            raise InvalidInput(
                "the credit centre must name one source_organisation_id for the records it submits",
                code="source_organisation_required",
                message_zh="请指定信息来源单位",
            )
        return int(asked.pop())  # type: ignore[arg-type]
    if asked - {None, actor.organisation_id}:
        raise PermissionDenied(
            "records can only be submitted for the submitter's own organisation", code="not_own_organisation"
        )
    if actor.organisation_id is None:
        raise PermissionDenied("this account belongs to no organisation", code="no_organisation")
    return actor.organisation_id


@router.post(
    "/records",
    status_code=201,
    response_model=OutcomeOut,
    responses={
        200: {"description": "unchanged (same content already held)"},
        202: {"description": "accepted into the unmatched queue (subject not found)"},
    },
)
def submit_record(
    data: Annotated[RecordIn, Body()],
    request: Request,
    response: Response,
    session: DB,
    actor: Actor = Depends(Require(P.records_submit)),
) -> OutcomeOut:
    """Submit one record (报送信用记录). Re-sending the same source id is idempotent: same content →
    200 unchanged, other content → 201 a correction (new version); an unknown subject → 202 queued."""
    org = _source_org(actor, [data])
    outcome = service.submit_one(
        session, actor=actor, source_org_id=org, submission=_submission(data), cipher=state(request).cipher
    )
    response.status_code = {"created": 201, "corrected": 201, "unchanged": 200, "unmatched": 202}[outcome.result]
    if outcome.record_id:
        response.headers["Location"] = f"/api/v1/records/{outcome.record_id}"
    return OutcomeOut(**outcome.to_dict())


@router.post("/records/batch", response_model=BatchOut)
def submit_batch(
    data: RecordBatchIn, request: Request, session: DB, actor: Actor = Depends(Require(P.records_submit))
) -> BatchOut:
    """Submit up to 1,000 records; each gets its own outcome (rejected ones with code and reason)."""
    org = _source_org(actor, data.records)
    counts = service.submit(
        session,
        actor=actor,
        source_org_id=org,
        submissions=[_submission(r) for r in data.records],
        cipher=state(request).cipher,
    )
    return BatchOut(
        created=counts.created,
        corrected=counts.corrected,
        unchanged=counts.unchanged,
        unmatched=counts.unmatched,
        rejected=counts.rejected,
        outcomes=[OutcomeOut(**o.to_dict()) for o in counts.outcomes],
    )


@router.get("/records/{record_id}", response_model=RecordOut)
def get_record(record_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))) -> RecordOut:
    """One record version, if this reader may see it (else 404)."""
    return files.get_visible(session, actor=actor, record_id=record_id)


@router.get("/records/{record_id}/history", response_model=list[RecordOut])
def record_history(record_id: PathId, session: DB, actor: Actor = Depends(Require(P.public_read))) -> list[RecordOut]:
    """Every version of the record (the subject itself, or readers of shared records)."""
    return files.record_history(session, actor=actor, record_id=record_id)


@router.post("/records/{record_id}/revoke", response_model=RecordOut)
def revoke_record(
    record_id: PathId, data: RevokeIn, session: DB, actor: Actor = Depends(Require(P.records_revoke))
) -> RecordOut:
    """The source revokes its decision: a new version with status revoked; publication stops at once."""
    rec = withdrawal.revoke(session, actor=actor, record_id=record_id, reason=data.reason, document_no=data.document_no)
    return files.get_visible(session, actor=actor, record_id=rec.id)


@router.get("/subjects/{subject_id}/file", response_model=CreditFileOut)
def credit_file(
    subject_id: PathId, request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))
) -> Response:
    """The subject's credit file (信用档案), grouped by kind and filtered by the reader's rights."""
    out = files.credit_file(session, actor=actor, subject_id=subject_id, cipher=state(request).cipher)
    # Serialised once, here: a file of hundreds of records would otherwise be validated again.
    return Response(out.model_dump_json(), media_type="application/json")
