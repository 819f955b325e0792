"""Load a generated province into the database through the ordinary services (idempotent).

Subjects go through the bulk importer, organisations and users through the accounts service,
and the credit records through the records write path (``prepare_items`` + ``write_batch``),
then the platform's publicity job runs (``expire_due``) as it would every night.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.commitments import CommitmentsSummary, load_commitments
from chengxin.demo.objections import ObjectionsSummary, load_objections
from chengxin.demo.province import Province, write_registry_csv
from chengxin.demo.records import RecordSpec, generate_records
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import User
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.records import service as records_service
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Submission
from chengxin.domains.subjects import importer
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.verification import service as verification_service
from chengxin.domains.verification.verifiers import make_verifier
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.crypto import PiiCipher, cipher, load_master_key
from chengxin.security.permissions import Role
from chengxin.workflows.withdrawal import expire_all


@dataclass
class RecordsSummary:
    """What became of the demo's credit records, and the current records by type and status."""

    submitted: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    unmatched: int = 0  # parked in the unmatched queue (待匹配): their subject is not registered
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)  # the first few reasons (a generator bug)
    expired_by_job: int = 0  # records the publicity job marked expired after loading
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type → status → current records

    def by_status(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for statuses in self.by_type.values():
            for status, n in statuses.items():
                totals[status] += n
        return dict(sorted(totals.items()))

    def counts(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "submitted": self.submitted,
            "created": self.created,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "unmatched": self.unmatched,
            "rejected": self.rejected,
            "expired_by_job": self.expired_by_job,
            "by_status": self.by_status(),
            "by_type": self.by_type,
        }

    def lines(self) -> list[str]:
        """The human summary: outcomes, then one line per record type with its statuses."""
        statuses = ", ".join(f"{status} {n}" for status, n in self.by_status().items())
        out = [
            f"credit records: submitted {self.submitted} — created {self.created}, corrected {self.corrected}, "
            f"unchanged {self.unchanged}, unmatched {self.unmatched}, rejected {self.rejected}; "
            f"expired by the publicity job {self.expired_by_job}",
            f"  {'all types':28} {statuses}",
        ]
        for type_code, by_status in sorted(self.by_type.items(), key=lambda kv: -sum(kv[1].values())):
            out.append(f"  {type_code:28} " + ", ".join(f"{status} {n}" for status, n in sorted(by_status.items())))
        return out


@dataclass
class DemoSummary:
    subjects: importer.ImportSummary
    registry_inserted: int = 0
    organisations_created: int = 0
    users_created: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    records: RecordsSummary = field(default_factory=RecordsSummary)
    commitments: CommitmentsSummary = field(default_factory=CommitmentsSummary)
    objections: ObjectionsSummary = field(default_factory=ObjectionsSummary)


def _subject_rows(province: Province) -> list[tuple[int, dict[str, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    for s in province.legal_subjects:
        rows.append(
            (
                len(rows) + 1,
                {
                    "name": s.name,
                    "kind": "legal",
                    "uscc": s.uscc,
                    "legal_form": s.legal_form,
                    "legal_representative": s.legal_representative,
                    "roles": ";".join(s.roles),
                },
            )
        )
    for p in province.natural_subjects:
        rows.append((len(rows) + 1, {"name": p.name, "kind": "natural", "ric": p.ric, "roles": ";".join(p.roles)}))
    return rows


def load_province(
    db: Database,
    settings: Settings,
    province: Province,
    *,
    tick: Callable[[int], None] | None = None,
    today: date | None = None,
    records: Sequence[RecordSpec] | None = None,
) -> DemoSummary:
    """Load ``province``; its credit records are ``generate_records(province, today=today)``
    unless ``records`` are given (``today``: the legal today, Asia/Shanghai, by default). The
    records' dates are relative to ``today``: loading again on another day without ``--reset``
    sends them as corrections (new versions), as a source re-sending its data would."""
    actor = cli_actor("demo")
    today = today or records_service.legal_today()
    pii = cipher(settings)
    verifier = make_verifier(settings.identity_verifier)
    demo_dir = settings.var_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    registry_file = Path(demo_dir / "registry.csv")
    write_registry_csv(registry_file, province.registry)
    summary = DemoSummary(subjects=importer.ImportSummary(file="demo-province"))
    with unit_of_work(db) as s:
        reg = verification_service.import_registry(s, actor=actor, path=registry_file, cipher=pii)
        summary.registry_inserted = reg.inserted
        org_ids: dict[str, int] = {}
        for o in province.organisations:
            existing = accounts.find_organisation(s, o.name)
            if existing is None:
                existing = accounts.create_organisation(
                    s, actor=actor, kind=o.kind, name=o.name, sector=o.sector, uscc=o.uscc
                )
                summary.organisations_created += 1
            org_ids[o.key] = existing.id

    importer.run_import(
        db,
        actor=actor,
        rows=_subject_rows(province),
        summary=summary.subjects,
        cipher=pii,
        master_key=load_master_key(settings),
        verifier=verifier,
        batch_size=settings.import_batch_size,
        tick=tick,
    )
    with unit_of_work(db) as s:
        for u in province.users:
            if s.scalar(select(User).where(User.username == u.username)) is not None:
                continue
            subject_id = None
            if u.subject_ref:
                subject_id = subject_service.find_by_code(s, code=u.subject_ref, cipher=pii).id
            accounts.create_user(
                s,
                actor=actor,
                username=u.username,
                password=u.password,
                role=Role(u.role),
                display_name=u.display_name,
                organisation_id=org_ids.get(u.organisation_key or ""),
                subject_id=subject_id,
            )
            summary.users_created += 1
        departments = [o.key for o in province.organisations if o.kind == "department"]
        market = "market_regulation" if "market_regulation" in departments else departments[0]
        for role, org_key in ((Role.department, market), (Role.credit_centre, None), (Role.auditor, None)):
            org_id = org_ids[org_key] if org_key else None
            _, secret = accounts.issue_token(
                s, actor=actor, name=f"demo {role}", role=role, organisation_id=org_id, days=30
            )
            summary.tokens[str(role)] = secret
    if records is None:
        records = generate_records(province, today=today)
    summary.records = load_records(db, province, records, org_ids=org_ids, actor=actor, cipher=pii, today=today)
    summary.commitments = load_commitments(db, province, org_ids=org_ids, actor=actor, cipher=pii, today=today)
    summary.objections = load_objections(db, province, org_ids=org_ids, actor=actor, cipher=pii, today=today)
    return summary


def replay_day(decided: date, today: date) -> date:
    """The day a record is submitted in the replay: the last day of its decision quarter (not after
    today). Every publicity period lasts at least three months, so none has ended by then."""
    next_quarter = (decided.month - 1) // 3 * 3 + 4  # first month of the next quarter, 4 … 13
    first_of_next = date(decided.year + next_quarter // 13, (next_quarter - 1) % 12 + 1, 1)
    return min(first_of_next - timedelta(days=1), today)


def load_records(
    db: Database,
    province: Province,
    records: Sequence[RecordSpec],
    *,
    org_ids: dict[str, int],
    actor: Actor,
    cipher: PiiCipher,
    today: date,
) -> RecordsSummary:
    """Submit ``records`` through the one write path, replaying history: each source sends a
    quarter's decisions at the end of that quarter (so records land *active*, as they did then),
    then the publicity job runs as of ``today`` until nothing more is due, marking the records
    whose publicity has ended *expired*. Idempotent: the same records again are *unchanged*."""
    kinds = {o.key: o.kind for o in province.organisations}
    batches: dict[tuple[date, str], list[tuple[int, Submission]]] = defaultdict(list)
    for index, spec in enumerate(records):
        decided = spec.submission.decided_on
        if not isinstance(decided, date):
            raise TypeError(f"demo record {spec.submission.source_record_id}: decided_on must be a date")
        batches[replay_day(decided, today), spec.source].append((index, spec.submission))
    counts = records_service.BatchCounts()
    with unit_of_work(db) as s:
        catalog = catalog_service.ensure_stored(s, actor)
        for (as_of, source), submissions in sorted(batches.items()):
            items = records_service.prepare_items(
                catalog,
                ((index, sub, {}) for index, sub in submissions),
                submitter_role=kinds[source],
                cipher=cipher,
                today=as_of,
                counts=counts,
            )
            records_service.write_batch(
                s,
                actor=actor,
                source_org_id=org_ids[source],
                items=items,
                cipher=cipher,
                counts=counts,
                today=as_of,
                via="demo",
            )
    summary = RecordsSummary(
        submitted=len(records),
        created=counts.created,
        corrected=counts.corrected,
        unchanged=counts.unchanged,
        unmatched=counts.unmatched,
        rejected=counts.rejected,
        rejections=[f"{o.code}: {o.detail}" for o in counts.outcomes if o.result == "rejected"][:10],
    )
    summary.expired_by_job = expire_all(db, actor=actor, today=today)
    with unit_of_work(db) as s:
        rows = s.execute(
            select(CreditRecord.type_code, CreditRecord.status, func.count())
            .where(CreditRecord.is_current.is_(True), CreditRecord.source_org_id.in_(list(org_ids.values())))
            .group_by(CreditRecord.type_code, CreditRecord.status)
        )
        for type_code, status, n in rows:
            summary.by_type.setdefault(type_code, {})[status] = n
    return summary
