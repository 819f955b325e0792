"""Evaluation JSON API (thin): a subject's score, grade, explanation and grade history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from chengxin.domains.evaluation import service
from chengxin.domains.evaluation.schemas import EvaluationOut
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1", tags=["evaluation"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


@router.get("/subjects/{subject_id}/evaluation", response_model=EvaluationOut)
def subject_evaluation(
    subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.evaluations_read))
) -> EvaluationOut:
    """A subject's credit evaluation with every contribution and what would change it (read audited)."""
    return service.evaluation_out(session, actor, subject_id)


@router.get("/me/evaluation", response_model=EvaluationOut)
def my_evaluation(session: DB, actor: Actor = Depends(Require(P.self_read))) -> EvaluationOut:
    """The logged-in subject's own evaluation and why (PIPL §24)."""
    return service.evaluation_out(session, actor, own_subject_id(actor))
