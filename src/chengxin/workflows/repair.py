"""Deciding a repair application: the decision taken, and on approval the record withdrawn."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.domains.repair import service as repairs
from chengxin.domains.repair.models import RepairApplication
from chengxin.security.actor import Actor
from chengxin.workflows import withdrawal


def decide(session: Session, *, actor: Actor, application_id: int, approve: bool, reasons: str) -> RepairApplication:
    app = repairs.claim_decision(session, actor=actor, application_id=application_id, approve=approve, reasons=reasons)
    if approve:
        withdrawal.repair(session, actor=actor, record_id=app.record_id, application_id=app.id)
    return app
