"""Deciding an objection (异议办理): the decision taken, then the record corrected (a new
version), revoked (the withdrawal workflow) or left as it stands — one transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.domains.objections import service as objections
from chengxin.domains.objections.models import Objection
from chengxin.domains.objections.rules import Outcome
from chengxin.domains.records import corrections
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.workflows import withdrawal


def decide(
    session: Session, *, actor: Actor, objection_id: int, decision: objections.Decision, cipher: PiiCipher
) -> Objection:
    obj = objections.claim_decision(session, actor=actor, objection_id=objection_id, decision=decision)
    result: int | None = None
    if decision.outcome is Outcome.corrected:
        assert decision.correction is not None  # checked by claim_decision
        new = corrections.correct(
            session,
            actor=actor,
            record_id=obj.record_id,
            changes=decision.correction,
            cipher=cipher,
            provenance={"objection_id": obj.id, "reasons": decision.reasons},
        )
        result = new.id
    elif decision.outcome is Outcome.revoked:
        new = withdrawal.revoke(
            session, actor=actor, record_id=obj.record_id, reason=f"异议 {obj.id}: {decision.reasons}"
        )
        result = new.id
    return objections.finish_decision(session, actor=actor, obj=obj, result_record_id=result)
