"""Corrections decided on an objection (异议更正): a new version of a record with the content the
decider sets, through the one write path (``service.write_batch``) as the source's own would be."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.records import rules, service
from chengxin.domains.records.matching import party_identity
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.versions import get_record
from chengxin.errors import Conflict, InvalidInput
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher

CHANGEABLE = ("subject_id", "decided_on", "occurred_on", "severity", "document_no", "payload")


def correct(
    session: Session,
    *,
    actor: Actor,
    record_id: int,
    changes: Mapping[str, Any],
    cipher: PiiCipher,
    provenance: dict[str, Any],
) -> CreditRecord:
    """A new version of the current record ``record_id`` with ``changes`` applied (``payload``
    entries are merged; an empty value removes one). Raises when nothing would change."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(unknown)} (only {', '.join(CHANGEABLE)})", code="invalid_correction"
        )
    old = get_record(session, record_id)
    if not old.is_current:
        raise Conflict("only the current version of a record can be corrected", code="not_current_version")
    payload = {**old.payload, **dict(changes.get("payload") or {})}
    sub = rules.Submission(
        type_code=old.type_code,
        source_record_id=old.source_record_id,
        decided_on=changes.get("decided_on", old.decided_on),
        party=rules.Party(subject_id=int(changes.get("subject_id") or old.subject_id)),
        occurred_on=changes.get("occurred_on", old.occurred_on),
        severity=str(changes.get("severity") or old.severity),
        document_no=str(changes.get("document_no") or old.source_document_no or "") or None,
        payload=payload,
        valid_to=payload.get("valid_to"),
    )
    today = service.legal_today()
    catalog = catalog_service.ensure_stored(session, actor)
    try:
        prepared = rules.prepare(catalog, sub, submitter_role=None, today=today)
        identity = party_identity(sub.party, cipher)
    except rules.RecordRejected as exc:
        raise InvalidInput(exc.detail, code=exc.code, message_zh="更正内容不符合目录要求") from exc
    counts = service.BatchCounts()
    item = service.Item(0, prepared, identity, provenance)
    service.write_batch(
        session, actor=actor, source_org_id=old.source_org_id, items=[item], cipher=cipher, counts=counts,
        today=today, via="objection",
    )  # fmt: skip
    [outcome] = counts.outcomes
    if outcome.result == "unchanged":
        raise InvalidInput("the correction changes nothing in the record", code="correction_changes_nothing",
                           message_zh="更正内容与原记录相同")  # fmt: skip
    if outcome.result != "corrected" or outcome.record_id is None:
        raise InvalidInput(
            outcome.detail or "the correction could not be written", code=outcome.code or "invalid_correction"
        )
    return get_record(session, outcome.record_id)
