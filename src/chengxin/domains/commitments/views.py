"""Reading commitments: what a viewer sees of them (published or all, a person's name masked
or in clear — an in-clear read is audited). The service re-exports the entry points; other
domains call ``commitments.service``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.commitments import rules
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.commitments.schemas import BreachOut, CommitmentOut
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.views import SubjectView
from chengxin.errors import NotFound
from chengxin.security import audit, masking
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission


def not_found(commitment_id: int) -> NotFound:
    return NotFound(
        f"no commitment with id {commitment_id}", code="commitment_not_found", message_zh="未找到该信用承诺"
    )


def get_commitment(session: Session, commitment_id: int) -> Commitment:
    found = session.get(Commitment, commitment_id)
    if found is None:
        raise not_found(commitment_id)
    return found


def breach_out(b: CommitmentBreach) -> BreachOut:
    return BreachOut(
        id=b.id,
        commitment_id=b.commitment_id,
        found_on=b.found_on,
        finding=b.finding,
        record_id=b.record_id,
        created_at=b.created_at,
    )


def sees_everything(actor: Actor, subject_id: int) -> bool:
    return rules.sees_everything(is_self=actor.is_self(subject_id), is_official=actor.can(Permission.records_read))


def present(
    session: Session, *, actor: Actor, subject: SubjectView, commitments: Sequence[Commitment]
) -> list[CommitmentOut]:
    """Commitments as this viewer may see them. A person's name in a signed text is masked for
    viewers who may not see it (脱敏); showing it in clear is audited."""
    if not commitments:
        return []
    everything = sees_everything(actor, subject.id)
    natural = subject.kind == "natural"
    full_name = not natural or subject_service.disclosure(actor, subject, reveal_ric=False).full_name
    masked_name = masking.mask_person_name(subject.name)

    def hide(text: str) -> str:
        return text if full_name else masking.mask_text(text, name=subject.name, masked_name=masked_name)

    breaches: dict[int, list[BreachOut]] = {}
    for b in session.scalars(
        select(CommitmentBreach)
        .where(CommitmentBreach.commitment_id.in_([c.id for c in commitments]))
        .order_by(CommitmentBreach.found_on, CommitmentBreach.id)
    ):
        shown = breach_out(b)
        breaches.setdefault(b.commitment_id, []).append(shown.model_copy(update={"finding": hide(shown.finding)}))
    out: list[CommitmentOut] = []
    for c in commitments:
        body, signatory, masked = c.text, c.signatory, []
        if not full_name:
            body = hide(c.text)
            signatory, masked = masking.mask_person_name(c.signatory), ["text", "signatory"]
        out.append(
            CommitmentOut(
                id=c.id,
                subject_id=c.subject_id,
                template=c.template_code,
                title=c.title,
                text=body,
                channel=c.channel,
                channel_zh=rules.CHANNEL_ZH.get(rules.Channel(c.channel), c.channel),
                signatory=signatory,
                signed_on=c.signed_on,
                status=c.status,
                status_zh=rules.STATUS_ZH.get(rules.Status(c.status), c.status),
                published=c.published,
                record_id=c.record_id,
                recorded_by=c.recorded_by if everything else None,
                created_at=c.created_at,
                breaches=breaches.get(c.id, []),
                masked=masked,
            )
        )
    if natural and full_name:
        audit.record(
            session,
            actor,
            audit.Event(
                "commitment.read_personal",
                subject_id=subject.id,
                object_type="commitment",
                object_id=commitments[0].id if len(commitments) == 1 else None,
                fields=["name"],
                detail={"commitment_ids": [c.id for c in commitments]},
            ),
        )
    return out


def list_for_subject(session: Session, *, actor: Actor, subject_id: int) -> list[CommitmentOut]:
    """A subject's commitments, newest first: the public sees published ones in force or breached;
    the subject itself and departments see all of them."""
    subject = subject_service.view_by_id(session, subject_id)
    query = select(Commitment).where(Commitment.subject_id == subject_id)
    if not sees_everything(actor, subject_id):
        query = query.where(
            Commitment.published.is_(True), Commitment.status.in_([str(s) for s in rules.PUBLIC_STATUSES])
        )
    commitments = list(session.scalars(query.order_by(Commitment.signed_on.desc(), Commitment.id.desc())))
    return present(session, actor=actor, subject=subject, commitments=commitments)


def view_commitment(session: Session, *, actor: Actor, commitment_id: int) -> CommitmentOut:
    """One commitment; one the viewer may not see is reported as not found."""
    commitment = get_commitment(session, commitment_id)
    if not sees_everything(actor, commitment.subject_id) and not rules.publicly_listed(
        status=commitment.status, published=commitment.published
    ):
        raise not_found(commitment_id)  # the same answer as for an unknown id
    subject = subject_service.view_by_id(session, commitment.subject_id)
    return present(session, actor=actor, subject=subject, commitments=[commitment])[0]


def present_one(session: Session, *, actor: Actor, commitment: Commitment) -> CommitmentOut:
    """A commitment just made, as its maker sees it."""
    subject = subject_service.view_by_id(session, commitment.subject_id)
    return present(session, actor=actor, subject=subject, commitments=[commitment])[0]
