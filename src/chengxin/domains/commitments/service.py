"""Credit-commitment use cases (信用承诺): a subject signs online, a department records a paper
commitment or a breach (违诺), anyone lists a subject's published commitments.

Every commitment becomes a ``commitment_signed`` record in the subject's credit file and every
breach a negative ``commitment_breached`` record; both go through the records domain's one write
path (``records.service.write_batch``) in the caller's transaction. Keyword-only arguments;
never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from chengxin.domains.accounts import service as accounts_service
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.commitments import rules, views
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.commitments.schemas import BreachCreated
from chengxin.domains.commitments.views import get_commitment as get_commitment
from chengxin.domains.commitments.views import list_for_subject as list_for_subject
from chengxin.domains.commitments.views import present_one as present_one
from chengxin.domains.commitments.views import view_commitment as view_commitment
from chengxin.domains.records import service as records_service
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.models import Subject
from chengxin.errors import InvalidInput, PermissionDenied
from chengxin.events import emit
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import Role

CREDIT_CENTRE_NAME = "信用中心"  # created on first use when no credit-centre organisation exists
SIGNED_TYPE = "commitment_signed"
BREACHED_TYPE = "commitment_breached"
_LOCK_NAMESPACE = 7263  # pg_advisory_xact_lock(namespace, subject id): one signing per subject at a time


def templates() -> rules.TemplateSet:
    return rules.default_templates()


def legal_today() -> date:
    return subject_service.legal_today()


# --------------------------------------------------------------------------- sources


def credit_centre_org_id(session: Session, *, actor: Actor) -> int:
    """The credit centre's organisation: the source of records the platform itself makes
    (a subject's online signature). Created, audited, the first time one is needed."""
    for org in accounts_service.list_organisations(session):
        if org.kind == "credit_centre":
            return org.id
    return accounts_service.create_organisation(session, actor=actor, kind="credit_centre", name=CREDIT_CENTRE_NAME).id


def _own_org(session: Session, actor: Actor) -> int:
    """A department records as its own organisation; the credit centre as itself."""
    if actor.organisation_id is not None:
        return actor.organisation_id
    if actor.role == Role.credit_centre:
        return credit_centre_org_id(session, actor=actor)
    raise PermissionDenied("this account belongs to no organisation", code="no_organisation")


def _write_record(
    session: Session,
    *,
    actor: Actor,
    source_org_id: int,
    submitter_role: str,
    submission: Submission,
    cipher: PiiCipher,
) -> tuple[int, str]:
    """One record through the records domain's write path: (record id, severity)."""
    catalog = catalog_service.ensure_stored(session, actor)
    today = records_service.legal_today()
    counts = records_service.BatchCounts()
    provenance = {"request_id": actor.request_id} if actor.request_id else {}
    items = records_service.prepare_items(
        catalog, [(0, submission, provenance)], submitter_role=submitter_role, cipher=cipher, today=today, counts=counts
    )
    records_service.write_batch(
        session,
        actor=actor,
        source_org_id=source_org_id,
        items=items,
        cipher=cipher,
        counts=counts,
        today=today,
        via="commitments",
    )
    outcome = counts.outcomes[0]
    if outcome.result != "created" or outcome.record_id is None:
        if outcome.code == "submitter_not_allowed":
            raise PermissionDenied(outcome.detail or "", code=outcome.code, message_zh="该机构类型无权报送此类记录")
        raise InvalidInput(
            outcome.detail or f"the {submission.type_code} record was not created ({outcome.result})",
            code=outcome.code or "invalid_record",
            message_zh="信用记录不符合目录要求",
        )
    return outcome.record_id, str(items[0].prepared.values["severity"])


def _lock_subject(session: Session, subject_id: int) -> None:
    """Serialise signings for one subject (the one-active-commitment check). SQLite writers are
    already serialised by ``BEGIN IMMEDIATE``."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": _LOCK_NAMESPACE, "id": subject_id})


# --------------------------------------------------------------------------- signing


def active_commitment(session: Session, *, subject_id: int, template_code: str) -> Commitment | None:
    """The subject's commitment of this template still in force (履约中), the newest if several."""
    return session.scalar(
        select(Commitment)
        .where(
            Commitment.subject_id == subject_id,
            Commitment.template_code == template_code,
            Commitment.status == rules.Status.active,
        )
        .order_by(Commitment.id.desc())
        .limit(1)
    )


def make_commitment(
    session: Session,
    *,
    actor: Actor,
    subject: Subject,
    template_code: str,
    channel: rules.Channel,
    signatory: str,
    signed_on: date,
    source_org_id: int,
    submitter_role: str,
    cipher: PiiCipher,
    record_payload: Mapping[str, Any] | None = None,
) -> Commitment:
    """The one path a commitment is made by (online, paper, and workflows such as credit repair):
    check the template and date, keep the rendered text, write the ``commitment_signed`` record,
    link it, audit."""
    tset = templates()
    template = tset.require(template_code)
    rules.check_applicable(template, kind=subject.kind, roles=subject.role_names)
    rules.check_signed_on(signed_on, today=legal_today(), earliest=tset.earliest_signed_on)
    _lock_subject(session, subject.id)
    existing = active_commitment(session, subject_id=subject.id, template_code=template.code)
    rules.check_not_duplicate(template, active_id=existing.id if existing is not None else None)
    code = (subject.uscc if subject.kind == "legal" else subject.ric_masked) or ""
    commitment = Commitment(
        subject_id=subject.id,
        template_code=template.code,
        title=template.title,
        text=rules.render(tset, template, kind=subject.kind, name=subject.name, code=code, signed_on=signed_on),
        channel=str(channel),
        signatory=signatory,
        signed_on=signed_on,
        recorded_by_org_id=source_org_id,
        recorded_by=actor.label,
        status=str(rules.Status.active),
        published=True,
    )
    session.add(commitment)
    session.flush()
    payload = {
        **(record_payload or {}),
        "commitment_id": commitment.id,
        "template": template.code,
        "title": template.title,
        "channel": str(channel),
    }
    commitment.record_id, _ = _write_record(
        session,
        actor=actor,
        source_org_id=source_org_id,
        submitter_role=submitter_role,
        submission=Submission(
            type_code=SIGNED_TYPE,
            source_record_id=f"commitment:{commitment.id}",
            decided_on=signed_on,
            party=Party(subject_id=subject.id, kind=subject.kind),
            payload=payload,
        ),
        cipher=cipher,
    )
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "commitment.sign" if channel is rules.Channel.online else "commitment.record",
            subject_id=subject.id,
            object_type="commitment",
            object_id=commitment.id,
            detail={
                "template": template.code,
                "channel": str(channel),
                "signed_on": signed_on.isoformat(),
                "record_id": commitment.record_id,
                **({"scan_ref": payload["scan_ref"]} if "scan_ref" in payload else {}),
            },
        ),
    )
    return commitment


def own_subject_id(actor: Actor) -> int:
    """The subject a self-service account speaks for."""
    if actor.subject_id is None:
        raise PermissionDenied(
            "this account speaks for no subject; commitments are signed online by subject accounts",
            code="not_the_subject",
            message_zh="只能以本主体名义作出信用承诺",
        )
    return actor.subject_id


def _require_self(actor: Actor, subject_id: int) -> None:
    if not actor.is_self(subject_id):
        raise PermissionDenied(
            f"an online commitment is signed by the subject itself; this account speaks for "
            f"{'subject ' + str(actor.subject_id) if actor.subject_id else 'no subject'}",
            code="not_the_subject",
            message_zh="只能以本主体名义作出信用承诺",
        )


def sign_online(
    session: Session,
    *,
    actor: Actor,
    subject_id: int,
    template_code: str,
    cipher: PiiCipher,
    signatory: str | None = None,
) -> Commitment:
    """The subject signs a standard commitment itself (网上签署), dated today. The platform records
    it: the record's source is the credit centre, the audit log names the subject's account."""
    _require_self(actor, subject_id)
    subject = subject_service.get_subject(session, subject_id)
    default_signatory = subject.legal_representative if subject.kind == "legal" else None
    return make_commitment(
        session,
        actor=actor,
        subject=subject,
        template_code=template_code,
        channel=rules.Channel.online,
        signatory=signatory or default_signatory or subject.name,
        signed_on=legal_today(),
        source_org_id=credit_centre_org_id(session, actor=actor),
        submitter_role=str(Role.credit_centre),
        cipher=cipher,
    )


def record_paper(
    session: Session,
    *,
    actor: Actor,
    subject_id: int,
    template_code: str,
    signatory: str,
    signed_on: date,
    cipher: PiiCipher,
    scan_ref: str | None = None,
) -> Commitment:
    """A department records a commitment signed on paper (书面承诺); the scan reference is kept on
    the credit record and in the audit entry."""
    source = _own_org(session, actor)
    subject = subject_service.get_subject(session, subject_id)
    return make_commitment(
        session,
        actor=actor,
        subject=subject,
        template_code=template_code,
        channel=rules.Channel.paper,
        signatory=signatory,
        signed_on=signed_on,
        source_org_id=source,
        submitter_role=str(actor.role),
        cipher=cipher,
        record_payload={"scan_ref": scan_ref} if scan_ref else None,
    )


@dataclass(frozen=True)
class SigningOption:
    """A template a subject may sign, its text filled in for today, and its active commitment."""

    template: rules.Template
    text: str
    active_id: int | None


def signing_options(session: Session, *, subject_id: int) -> list[SigningOption]:
    subject = subject_service.get_subject(session, subject_id)
    tset, today = templates(), legal_today()
    active = {
        c.template_code: c.id
        for c in session.scalars(
            select(Commitment).where(Commitment.subject_id == subject_id, Commitment.status == rules.Status.active)
        )
    }
    code = (subject.uscc if subject.kind == "legal" else subject.ric_masked) or ""
    return [
        SigningOption(
            t,
            rules.render(tset, t, kind=subject.kind, name=subject.name, code=code, signed_on=today),
            active.get(t.code),
        )
        for t in tset.applicable(kind=subject.kind, roles=subject.role_names)
    ]


def applicable_templates(session: Session, *, subject_id: int | None) -> list[rules.Template]:
    tset = templates()
    if subject_id is None:
        return list(tset.templates)
    subject = subject_service.view_by_id(session, subject_id)
    return tset.applicable(kind=subject.kind, roles=subject.role_names)


# --------------------------------------------------------------------------- breaches


def record_breach(
    session: Session,
    *,
    actor: Actor,
    commitment_id: int,
    finding: str,
    found_on: date,
    cipher: PiiCipher,
    severity: str | None = None,
    document_no: str | None = None,
) -> BreachCreated:
    """A department finds a commitment broken (违诺): a negative ``commitment_breached`` record in
    the subject's file, a breach row linked to it, the commitment marked breached, an event
    (``commitment.breached``) and an audit entry. A withdrawn commitment cannot be breached."""
    commitment = session.get(Commitment, commitment_id, with_for_update=True)
    if commitment is None:
        raise views.not_found(commitment_id)
    rules.check_breachable(commitment.status)
    rules.check_found_on(found_on, signed_on=commitment.signed_on, today=legal_today())
    source = _own_org(session, actor)
    subject = subject_service.get_subject(session, commitment.subject_id)
    number = (session.scalar(select(func.count()).where(CommitmentBreach.commitment_id == commitment.id)) or 0) + 1
    record_id, resolved_severity = _write_record(
        session,
        actor=actor,
        source_org_id=source,
        submitter_role=str(actor.role),
        submission=Submission(
            type_code=BREACHED_TYPE,
            source_record_id=f"commitment:{commitment.id}:breach:{number}",
            decided_on=found_on,
            party=Party(subject_id=subject.id, kind=subject.kind),
            severity=severity,
            document_no=document_no,
            payload={
                "commitment_id": commitment.id,
                "finding": finding,
                "template": commitment.template_code,
                "title": commitment.title,
            },
        ),
        cipher=cipher,
    )
    breach = CommitmentBreach(
        commitment_id=commitment.id,
        record_id=record_id,
        found_on=found_on,
        finding=finding,
        organisation_id=source,
        recorded_by=actor.label,
    )
    session.add(breach)
    previous = commitment.status
    commitment.status = str(rules.Status.breached)
    session.flush()
    emit(
        session,
        "commitment.breached",
        subject_id=subject.id,
        object_type="commitment",
        object_id=commitment.id,
        payload={"breach_id": breach.id, "record_id": record_id, "severity": resolved_severity},
    )
    audit.record(
        session,
        actor,
        audit.Event(
            "commitment.breach",
            subject_id=subject.id,
            object_type="commitment",
            object_id=commitment.id,
            detail={
                "breach_id": breach.id,
                "record_id": record_id,
                "found_on": found_on.isoformat(),
                "severity": resolved_severity,
                "status": {"from": previous, "to": commitment.status},
            },
        ),
    )
    return BreachCreated(
        **views.breach_out(breach).model_dump(), severity=resolved_severity, commitment_status=commitment.status
    )
