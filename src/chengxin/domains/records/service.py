"""Credit records: submission (every channel), versions, the unmatched queue, the publicity job.

``write_batch`` is the one write path: the API (single and batch), file imports and other
capabilities (commitment breaches) all go through it, in batches, in the caller's transaction.
Idempotent by (source organisation, source record id): the same content again is *unchanged*,
other content is a *correction* (a new version), and an unknown subject parks the submission in
the unmatched queue (待匹配) instead of dropping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.db import allocate_ids, bulk_insert, table_of, utcnow
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.catalog.rules import Catalog
from chengxin.domains.evaluation.service import changed as evaluation_changed
from chengxin.domains.records import rules
from chengxin.domains.records.matching import Identity, among, match_subjects, party_identity
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.records.rules import Change, Prepared, RecordRejected, Status, Submission
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.models import Subject
from chengxin.errors import InvalidInput, PermissionDenied
from chengxin.events import emit_batch
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.masking import mask_ric


@dataclass
class Outcome:
    """What became of one submission."""

    index: int  # position in the batch (or the file's row number)
    result: str  # created | corrected | unchanged | unmatched | rejected
    record_id: int | None = None
    record_key: str | None = None
    version: int | None = None
    unmatched_id: int | None = None
    code: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class BatchCounts:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    unmatched: int = 0
    rejected: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.result, getattr(self, outcome.result) + 1)
        self.outcomes.append(outcome)


def legal_today() -> date:
    return subject_service.legal_today()


# --------------------------------------------------------------------------- writing


@dataclass
class Item:
    """One submission on its way in: its position and, once prepared, its record values."""

    index: int
    prepared: Prepared
    identity: Identity
    provenance: dict[str, Any]


def prepare_items(
    catalog: Catalog,
    submissions: Iterable[tuple[int, Submission, dict[str, Any]]],
    *,
    submitter_role: str,
    cipher: PiiCipher,
    today: date,
    counts: BatchCounts,
) -> list[Item]:
    """Validate submissions; rejected ones are counted with their reasons, the rest returned."""
    items: list[Item] = []
    for index, sub, provenance in submissions:
        try:
            prepared = rules.prepare(catalog, sub, submitter_role=submitter_role, today=today)
            identity = party_identity(sub.party, cipher)
        except RecordRejected as exc:
            counts.add(Outcome(index, "rejected", code=exc.code, detail=exc.detail))
            continue
        items.append(Item(index, prepared, identity, provenance))
    return items


def write_batch(
    session: Session,
    *,
    actor: Actor,
    source_org_id: int,
    items: Sequence[Item],
    cipher: PiiCipher,
    counts: BatchCounts,
    today: date,
    via: str,
) -> None:
    """Write prepared submissions of one source: new records, corrections, the unmatched queue."""
    if not items:
        return
    # The same source id twice in one batch: the later row wins, as a file re-sent would.
    latest: dict[str, Item] = {}
    for it in items:
        prev = latest.get(it.prepared.values["source_record_id"])
        if prev is not None and prev.prepared.values["fingerprint"] == it.prepared.values["fingerprint"]:
            counts.add(Outcome(it.index, "unchanged", code="duplicate_in_batch"))
            continue
        if prev is not None:
            counts.add(
                Outcome(prev.index, "rejected", code="superseded_in_batch", detail="a later row has the same source id")
            )
        latest[it.prepared.values["source_record_id"]] = it
    batch = list(latest.values())
    keys = [it.prepared.values["source_record_id"] for it in batch]
    # Every version of these source ids, the current one kept: a condition on is_current in SQL
    # would tempt SQLite into scanning the is_current index instead of the (source, id) key.
    current: dict[str, Any] = {}
    earlier: dict[str, set[str]] = {}  # fingerprints of superseded versions
    for r in session.execute(
        select(
            CreditRecord.id,
            CreditRecord.source_record_id,
            CreditRecord.record_key,
            CreditRecord.version,
            CreditRecord.fingerprint,
            CreditRecord.status,
            CreditRecord.subject_id,
            CreditRecord.is_current,
        ).where(
            CreditRecord.source_org_id == source_org_id,
            among(session, CreditRecord.source_record_id, keys),
        )
    ):
        if r.is_current:
            current[r.source_record_id] = r
        else:
            earlier.setdefault(r.source_record_id, set()).add(r.fingerprint)
    matches = match_subjects(session, [(it.prepared.party, it.identity) for it in batch])
    _keep_reconciled(session, batch, matches, current)
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    new_items: list[tuple[Item, str]] = []  # item, result
    superseded: list[int] = []
    unmatched: list[tuple[Item, str, str]] = []
    for it, match in zip(batch, matches, strict=True):
        v = it.prepared.values
        if match is None:
            reason = (
                "no_identifier"
                if not (it.identity.uscc or it.identity.ric or it.prepared.party.subject_id)
                else "unknown_subject"
            )
            unmatched.append((it, reason, _unmatched_detail(it, reason)))
            continue
        subject_id, kind = match
        if kind not in it.prepared.rtype.subject_kinds:
            counts.add(
                Outcome(
                    it.index,
                    "rejected",
                    code="subject_kind_not_allowed",
                    detail=f"{it.prepared.rtype.code} records are not kept for {kind} persons",
                )
            )
            continue
        old = current.get(v["source_record_id"])
        if old is not None and old.fingerprint == v["fingerprint"]:
            counts.add(Outcome(it.index, "unchanged", record_id=old.id, record_key=old.record_key, version=old.version))
            continue
        if old is not None and v["fingerprint"] in earlier.get(v["source_record_id"], ()):
            # An earlier version sent again (a file re-imported after a correction): the later
            # version stands; re-running an import never undoes a correction.
            counts.add(
                Outcome(
                    it.index,
                    "unchanged",
                    record_id=old.id,
                    record_key=old.record_key,
                    version=old.version,
                    code="earlier_version",
                    detail="an earlier version of this record; the later one stands",
                )
            )
            continue
        status = rules.initial_status(it.prepared.publicity, today)
        row = {
            **v,
            "subject_id": subject_id,
            "source_org_id": source_org_id,
            "record_key": old.record_key if old is not None else os.urandom(16).hex(),  # 128 random bits
            "version": old.version + 1 if old is not None else 1,
            "is_current": True,
            "change": str(Change.correction if old is not None else Change.original),
            "supersedes_id": old.id if old is not None else None,
            "status": str(Status.repaired if old is not None and old.status == Status.repaired else status),
            "status_changed_at": now,
            "provenance": {**it.provenance, "via": via, "by": actor.label},
            "created_by": actor.label,
            "created_at": now,
        }
        if old is not None:
            superseded.append(old.id)
        new_rows.append(row)
        new_items.append((it, "corrected" if old is not None else "created"))
    if superseded:
        session.execute(
            update(CreditRecord).where(among(session, CreditRecord.id, superseded)).values(is_current=False)
        )
    if new_rows:
        ids = allocate_ids(session, table_of(CreditRecord), len(new_rows))
        for row, rid in zip(new_rows, ids, strict=True):
            row["id"] = rid
        bulk_insert(session, table_of(CreditRecord), new_rows)
        changed: dict[str, list[tuple[int, int]]] = {}
        for (it, result), row, rid in zip(new_items, new_rows, ids, strict=True):
            counts.add(Outcome(it.index, result, record_id=rid, record_key=row["record_key"], version=row["version"]))
            changed.setdefault(f"record.{result}", []).append((rid, row["subject_id"]))
        for topic, pairs in changed.items():
            emit_batch(session, topic, object_type="credit_record", changed=pairs)
        # a few subjects are re-evaluated now; a large import is found later by the job evaluations.refresh
        evaluation_changed(session, {row["subject_id"] for row in new_rows}, cause="record.arrived", on=today)
        _resolve_parked(
            session, source_org_id, [(r["source_record_id"], i) for r, i in zip(new_rows, ids, strict=True)], actor
        )
        created = [i for (_, res), i in zip(new_items, ids, strict=True) if res == "created"]
        audit_events = []
        if created:
            audit_events.append(
                audit.Event(
                    "record.create",
                    object_type="credit_record",
                    detail={"via": via, "source_org_id": source_org_id, "record_ids": created},
                )
            )
        for (_it, res), row, rid in zip(new_items, new_rows, ids, strict=True):
            if res == "corrected":
                audit_events.append(
                    audit.Event(
                        "record.correct",
                        subject_id=row["subject_id"],
                        object_type="credit_record",
                        object_id=rid,
                        detail={"via": via, "supersedes": row["supersedes_id"]},
                    )
                )
        audit.record_many(session, actor, audit_events)
    if unmatched:
        _park(session, actor, source_org_id, unmatched, cipher=cipher, counts=counts, via=via)


def _keep_reconciled(
    session: Session, batch: Sequence[Item], matches: list[tuple[int, str] | None], current: dict[str, Any]
) -> None:
    """A record the credit centre linked to a subject (待匹配 resolved) keeps that subject when its
    source sends it again still without a USCC or identity number to match on."""
    linked = {
        i: current[it.prepared.values["source_record_id"]].subject_id
        for i, (it, m) in enumerate(zip(batch, matches, strict=True))
        if m is None
        and it.prepared.values["source_record_id"] in current
        and not (it.identity.uscc or it.identity.ric or it.prepared.party.subject_id)
    }
    if linked:
        rows = session.execute(select(Subject.id, Subject.kind).where(among(session, Subject.id, set(linked.values()))))
        kinds = {sid: kind for sid, kind in rows}
        for i, sid in linked.items():
            matches[i] = (sid, kinds[sid]) if sid in kinds else None


def _unmatched_detail(it: Item, reason: str) -> str:
    p = it.prepared.party
    if reason == "no_identifier":
        return f"{p.name or '?'}: no USCC or identity number to match on (a name alone is never enough)"
    return f"{p.name or '?'}: no registered subject has this identifier"


def _submission_json(it: Item) -> dict[str, Any]:
    v = it.prepared.values
    return {
        "type_code": v["type_code"],
        "source_record_id": v["source_record_id"],
        "document_no": v["source_document_no"],
        "decided_on": v["decided_on"].isoformat(),
        "occurred_on": v["occurred_on"].isoformat() if v["occurred_on"] else None,
        "severity": v["severity"],
        "payload": v["payload"],
    }


def _park(
    session: Session,
    actor: Actor,
    source_org_id: int,
    items: list[tuple[Item, str, str]],
    *,
    cipher: PiiCipher,
    counts: BatchCounts,
    via: str,
) -> None:
    keys = [it.prepared.values["source_record_id"] for it, _, _ in items]
    existing = {
        u.source_record_id: u
        for u in session.scalars(
            select(UnmatchedRecord).where(
                UnmatchedRecord.source_org_id == source_org_id,
                among(session, UnmatchedRecord.source_record_id, keys),
            )
        )
    }
    now = utcnow()
    fresh: list[UnmatchedRecord] = []
    for it, reason, detail in items:
        p, ident = it.prepared.party, it.identity
        submission = _submission_json(it)
        u = existing.get(it.prepared.values["source_record_id"])
        if u is not None:
            if u.submission != submission and u.status == "open":
                u.submission, u.reason, u.detail, u.updated_at = submission, reason, detail, now
            counts.add(Outcome(it.index, "unmatched", unmatched_id=u.id, code=reason, detail=detail))
            continue
        u = UnmatchedRecord(
            source_org_id=source_org_id,
            source_record_id=it.prepared.values["source_record_id"],
            type_code=it.prepared.values["type_code"],
            party_name=(p.name or "")[:300],
            party_kind=p.kind,
            party_code=ident.uscc or (p.other_code or None),
            party_ric_cipher=cipher.encrypt(ident.ric, context=subject_service.RIC_CONTEXT) if ident.ric else None,
            party_ric_index=ident.ric_index,
            party_ric_masked=mask_ric(ident.ric) if ident.ric else None,
            submission=submission,
            reason=reason,
            detail=detail,
            provenance={**it.provenance, "via": via, "by": actor.label},
        )
        session.add(u)
        fresh.append(u)
        counts.outcomes.append(Outcome(it.index, "unmatched", code=reason, detail=detail))
        counts.unmatched += 1
    if fresh:
        session.flush()
        by_key = {u.source_record_id: u.id for u in fresh}
        key_of = {it.index: str(it.prepared.values["source_record_id"]) for it, _, _ in items}
        for o in counts.outcomes:
            if o.result == "unmatched" and o.unmatched_id is None and o.index in key_of:
                o.unmatched_id = by_key.get(key_of[o.index])
        audit.record(
            session,
            actor,
            audit.Event(
                "record.unmatched",
                object_type="unmatched_record",
                detail={"via": via, "source_org_id": source_org_id, "unmatched_ids": [u.id for u in fresh]},
            ),
        )


def _resolve_parked(session: Session, source_org_id: int, landed: list[tuple[str, int]], actor: Actor) -> None:
    """Submissions parked earlier whose subject has since been found: resolved by this landing."""
    if not landed:
        return
    open_parked = select(UnmatchedRecord.id).where(
        UnmatchedRecord.source_org_id == source_org_id, UnmatchedRecord.status == "open"
    )
    if session.execute(open_parked.limit(1)).first() is None:  # the usual case: a quick look suffices
        return
    by_key = dict(landed)
    parked = session.scalars(
        select(UnmatchedRecord).where(
            UnmatchedRecord.source_org_id == source_org_id,
            among(session, UnmatchedRecord.source_record_id, by_key),
            UnmatchedRecord.status == "open",
        )
    ).all()
    now = utcnow()
    for u in parked:
        u.status, u.resolved_record_id, u.resolved_by, u.resolved_at, u.updated_at = (
            "resolved",
            by_key[u.source_record_id],
            actor.label,
            now,
            now,
        )


# --------------------------------------------------------------------------- one submission (API)


def submit(
    session: Session,
    *,
    actor: Actor,
    source_org_id: int,
    submissions: Sequence[Submission],
    cipher: PiiCipher,
    via: str = "api",
) -> BatchCounts:
    catalog = catalog_service.ensure_stored(session, actor)
    today = legal_today()
    counts = BatchCounts()
    items = prepare_items(
        catalog,
        ((i, s, {"request_id": actor.request_id} if actor.request_id else {}) for i, s in enumerate(submissions)),
        submitter_role=str(actor.role),
        cipher=cipher,
        today=today,
        counts=counts,
    )
    write_batch(
        session,
        actor=actor,
        source_org_id=source_org_id,
        items=items,
        cipher=cipher,
        counts=counts,
        today=today,
        via=via,
    )
    counts.outcomes.sort(key=lambda o: o.index)
    return counts


def submit_one(
    session: Session, *, actor: Actor, source_org_id: int, submission: Submission, cipher: PiiCipher
) -> Outcome:
    """One submission: a rejection raises (422, or 403 when the submitter's role may not submit the type)."""
    outcome = submit(
        session, actor=actor, source_org_id=source_org_id, submissions=[submission], cipher=cipher
    ).outcomes[0]
    if outcome.result == "rejected":
        if outcome.code == "submitter_not_allowed":
            raise PermissionDenied(outcome.detail or "", code=outcome.code, message_zh="该机构类型无权报送此类记录")
        raise InvalidInput(
            outcome.detail or "", code=outcome.code or "invalid_record", message_zh="信用记录不符合目录要求"
        )
    return outcome
