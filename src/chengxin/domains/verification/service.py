"""Identity verification use cases and the registry import. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric, validate_uscc
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.names import normalise_name
from chengxin.domains.verification.models import IdentityVerification, RegistryEntry
from chengxin.domains.verification.rules import Outcome
from chengxin.domains.verification.verifiers import Claim, IdentityVerifier
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.tabular import read_rows


def claim_for(subject: Subject) -> Claim:
    key = subject.uscc if subject.kind == "legal" else subject.ric_index
    return Claim(subject.id, subject.kind, key or "", subject.name_norm)


def verification_rows(
    subject_ids: Sequence[int], outcomes: Sequence[Outcome], *, method: str, actor: Actor
) -> list[dict[str, object]]:
    """Rows for ``identity_verifications`` (used by bulk imports, which insert them directly)."""
    now = utcnow()
    return [
        {
            "subject_id": sid,
            "method": method,
            "result": str(o.result),
            "reasons": list(o.reasons),
            "detail": {},
            "verified_at": now,
            "actor": actor.label,
        }
        for sid, o in zip(subject_ids, outcomes, strict=True)
    ]


def verify_subjects(
    session: Session, *, actor: Actor, verifier: IdentityVerifier, subjects: Sequence[Subject]
) -> list[Outcome]:
    """Verify, store each result with method and time, flag mismatches on the subject."""
    outcomes = verifier.verify(session, [claim_for(s) for s in subjects])
    now = utcnow()
    events = []
    for subject, outcome in zip(subjects, outcomes, strict=True):
        session.add(
            IdentityVerification(
                subject_id=subject.id,
                method=verifier.method,
                result=str(outcome.result),
                reasons=list(outcome.reasons),
                detail={},
                verified_at=now,
                actor=actor.label,
            )
        )
        subject.verification_status = str(outcome.result)
        subject.verification_method = verifier.method
        subject.verified_at = now
        events.append(
            audit.Event(
                "subject.verify",
                subject_id=subject.id,
                object_type="subject",
                object_id=subject.id,
                detail={"method": verifier.method, "result": str(outcome.result), "reasons": list(outcome.reasons)},
            )
        )
    session.flush()
    audit.record_many(session, actor, events)
    return outcomes


def history(session: Session, *, subject_id: int) -> list[IdentityVerification]:
    return list(
        session.scalars(
            select(IdentityVerification)
            .where(IdentityVerification.subject_id == subject_id)
            .order_by(IdentityVerification.id.desc())
        )
    )


REGISTRY_ALIASES = {
    "kind": "kind",
    "主体类别": "kind",
    "类别": "kind",
    "name": "name",
    "名称": "name",
    "姓名": "name",
    "企业名称": "name",
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "ric": "ric",
    "身份证号码": "ric",
    "公民身份号码": "ric",
    "status": "status",
    "登记状态": "status",
    "状态": "status",
    "legal_representative": "legal_representative",
    "法定代表人": "legal_representative",
}


@dataclass
class RegistryImportSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict[str, object]] = field(default_factory=list)


def import_registry(session: Session, *, actor: Actor, path: Path, cipher: PiiCipher) -> RegistryImportSummary:
    """Load business registrations and population records (upsert by identity)."""
    table = read_rows(path, REGISTRY_ALIASES, required={"name"})
    summary = RegistryImportSummary()
    batch: list[tuple[int, dict[str, str]]] = []
    for item in table.rows:
        batch.append(item)
        if len(batch) >= 2000:
            _registry_batch(session, batch, cipher, path.name, summary)
            batch = []
    _registry_batch(session, batch, cipher, path.name, summary)
    audit.record(
        session,
        actor,
        audit.Event(
            "registry.import",
            object_type="registry",
            object_id=path.name,
            detail={
                "inserted": summary.inserted,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "rejected": summary.rejected,
            },
        ),
    )
    return summary


def _registry_batch(
    session: Session,
    rows: Iterable[tuple[int, dict[str, str]]],
    cipher: PiiCipher,
    source: str,
    summary: RegistryImportSummary,
) -> None:
    prepared: dict[str, dict[str, str]] = {}
    for n, row in rows:
        try:
            if row.get("uscc"):
                key, kind = validate_uscc(row["uscc"]).code, "business"
            elif row.get("ric"):
                key, kind = subject_service.ric_index(cipher, validate_ric(row["ric"])), "population"
            else:
                raise IdentifierError("code_missing", "neither a USCC nor a RIC", "缺少证件号码")
        except IdentifierError as exc:
            summary.rejected += 1
            summary.rejections.append({"row": n, "code": exc.code, "detail": exc.detail})
            continue
        prepared[key] = {
            "kind": kind,
            "name": row["name"],
            "name_norm": normalise_name(row["name"]),
            "status": row.get("status") or "正常",
            "legal_representative": row.get("legal_representative") or "",
            "source": source,
        }
    if not prepared:
        return
    existing = {
        e.code_key: e for e in session.scalars(select(RegistryEntry).where(RegistryEntry.code_key.in_(list(prepared))))
    }
    for key, values in prepared.items():
        entry = existing.get(key)
        if entry is None:
            session.add(
                RegistryEntry(
                    code_key=key, **{**values, "legal_representative": values["legal_representative"] or None}
                )
            )
            summary.inserted += 1
        elif (entry.name, entry.status) != (values["name"], values["status"]):
            entry.name, entry.name_norm, entry.status = values["name"], values["name_norm"], values["status"]
            entry.imported_at = utcnow()
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()
