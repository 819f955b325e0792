"""Confirming a review case (确认): the case decided, then one credit record of the detector's catalog
type (``brushing``, ``malicious_review`` …) per subject the case concerns — through the records
domain's one write path, which re-evaluates the subjects at once (``evaluation.service.changed``) as
it does for every record that lands. One transaction with the decision and its audit entry.

Whom the records concern is ``rules.targets`` (the flagged accounts, the seller concerned) resolved to
subjects by ``targets.resolve``; an account without a known subject is listed as *no subject* in the
decision — not an error. A USCC that is not registered parks the record in the unmatched queue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chengxin.domains.commitments import service as commitments_service
from chengxin.domains.detection import rules, service, targets
from chengxin.domains.detection.models import ReviewCase
from chengxin.domains.detection.rules import CaseStatus
from chengxin.domains.records import service as records_service
from chengxin.domains.records import versions
from chengxin.domains.records.rules import Party, Submission
from chengxin.errors import InvalidInput, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher


def _submission(case: ReviewCase, key: str, group: list[targets.Resolved], *, severity: str | None,
                reason: str) -> Submission:  # fmt: skip
    first = group[0]
    platform = next((r.platform_id for r in group if r.platform_id), None) or case.platform_id or "未知平台"
    accounts = [r.account_id for r in group]
    return Submission(
        type_code=case.detector,
        source_record_id=f"DETECTION-{case.id}-{key}",
        decided_on=records_service.legal_today(),
        severity=severity,
        party=Party(
            name=f"平台账户 {', '.join(accounts)}"[:300],
            subject_id=first.subject_id,
            uscc=None if first.subject_id else first.uscc,
        ),  # fmt: skip
        payload={
            "platform": platform,
            "finding": rules.finding_text(case.detector, case.id, case.explanation, case.entity_count),
            "accounts": accounts,
            "detection_case_id": case.id,
            "top_score": round(case.top_score, 4),
            **({"review_reason": reason.strip()} if reason.strip() else {}),
        },
    )


def confirm(
    session: Session, *, actor: Actor, case_id: int, reason: str, cipher: PiiCipher, severity: str | None = None
) -> ReviewCase:
    """Confirm a pending case: its subjects get credit records and are re-evaluated; returns the case with
    its ``outcome`` (the records made, the entities without a subject)."""
    severity = (severity or "").strip() or None
    case = service.claim(session, actor=actor, case_id=case_id, to=CaseStatus.confirmed, reason=reason,
                         severity=severity)  # fmt: skip
    findings = service.case_findings(session, case.id)
    wanted = rules.targets(case.detector, findings)
    resolved = targets.resolve(session, wanted, platform_id=case.platform_id)
    parties: dict[str, list[targets.Resolved]] = {}
    no_subject: list[dict[str, Any]] = []
    for r in resolved:
        if r.party_key is None:
            no_subject.append({"account_id": r.account_id, "why": r.why})
        else:
            parties.setdefault(r.party_key, []).append(r)
    if not resolved:  # nothing names an account: the flagged entities themselves, for the reviewer
        no_subject = [{"entity_type": f.entity_type, "entity_id": f.entity_id, "why": "no_account"} for f in findings]
    records: list[dict[str, Any]] = []
    if parties:
        source_org_id = actor.organisation_id or commitments_service.credit_centre_org_id(session, actor=actor)
        subs = [_submission(case, key, group, severity=severity, reason=reason) for key, group in parties.items()]
        counts = records_service.submit(session, actor=actor, source_org_id=source_org_id, submissions=subs,
                                        cipher=cipher, via="detection")  # fmt: skip
        for (_key, group), outcome in zip(parties.items(), counts.outcomes, strict=True):
            if outcome.result == "rejected":
                if outcome.code == "submitter_not_allowed":
                    raise PermissionDenied(outcome.detail or "", code=outcome.code,
                                           message_zh="该机构类型无权报送此类记录")  # fmt: skip
                raise InvalidInput(outcome.detail or "", code=outcome.code or "invalid_record",
                                   message_zh="信用记录不符合目录要求")  # fmt: skip
            subject_id = versions.get_record(session, outcome.record_id).subject_id if outcome.record_id else None
            records.append({"accounts": [r.account_id for r in group], "subject_id": subject_id,
                            "uscc": group[0].uscc, **outcome.to_dict()})  # fmt: skip
    case.outcome = {"records": records, "no_subject": no_subject}
    subjects = sorted({int(r["subject_id"]) for r in records if r.get("subject_id")})
    audit.record(session, actor, audit.Event(
        "detection.confirm", subject_id=subjects[0] if len(subjects) == 1 else None, object_type="review_case",
        object_id=case.id, detail={"detector": case.detector, "group_id": case.group_id, "reason": reason.strip(),
                                   "severity": severity, "record_ids": [r.get("record_id") for r in records],
                                   "no_subject": len(no_subject)},
    ))  # fmt: skip
    session.flush()
    return case
