"""The credit file (信用档案): a subject's records grouped by kind, as this reader may see them.

Who sees what (``rules.Viewer``):
- the public: public records inside their publicity period, current versions only;
- the subject itself (self-service): everything about itself, any status, with history;
- departments and auditors (``records:read``): public and shared (政务共享) records, any status;
- readers holding ``records:read_restricted`` who state a purpose: restricted records too
  (授权查询) — such a read is written to the audit chain with its purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from chengxin.domains.accounts.models import Organisation
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.catalog.rules import CATEGORY_ZH, SEVERITY_ZH, Catalog, Severity
from chengxin.domains.records import rules
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import STATUS_ZH, Status, Viewer
from chengxin.domains.records.schemas import CreditFileOut, RecordGroup, RecordOut, SourceOut
from chengxin.domains.records.versions import get_record, history
from chengxin.domains.subjects import service as subject_service
from chengxin.errors import NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import Permission

POLARITY_ORDER = {"negative": 0, "positive": 1, "basic": 2}


def viewer_for(actor: Actor, subject_id: int) -> Viewer:
    if actor.is_self(subject_id) and actor.can(Permission.self_read):
        return Viewer.self
    if actor.can(Permission.records_read_restricted) and actor.purpose:
        return Viewer.full
    if actor.can(Permission.records_read):
        return Viewer.departments
    return Viewer.public


def present(rec: CreditRecord | Row[Any], *, catalog: Catalog, sources: dict[int, str], today: date) -> RecordOut:
    rtype = catalog.get(rec.type_code)
    public = rules.is_public(
        status=rec.status,
        published=rec.published,
        disclosure=rec.disclosure,
        published_from=rec.published_from,
        publicity_until=rec.publicity_until,
        today=today,
    )
    return RecordOut(
        id=rec.id,
        record_key=rec.record_key,
        version=rec.version,
        is_current=rec.is_current,
        change=rec.change,
        supersedes_id=rec.supersedes_id,
        subject_id=rec.subject_id,
        type=rec.type_code,
        type_name=rtype.name if rtype else rec.type_code,
        category=rec.category,
        category_zh=CATEGORY_ZH.get(rec.category, rec.category),
        polarity=rec.polarity,
        severity=rec.severity,
        severity_zh=SEVERITY_ZH.get(Severity(rec.severity), rec.severity),
        disclosure=rec.disclosure,
        status=rec.status,
        status_zh=STATUS_ZH.get(Status(rec.status), rec.status),
        public=public,
        source=SourceOut(id=rec.source_org_id, name=sources.get(rec.source_org_id, "")),
        source_record_id=rec.source_record_id,
        document_no=rec.source_document_no,
        occurred_on=rec.occurred_on,
        decided_on=rec.decided_on,
        published_from=rec.published_from,
        publicity_until=rec.publicity_until,
        repairable_from=rec.repairable_from,
        regime=rec.regime,
        catalog_version=rec.catalog_version,
        payload=rec.payload,
        created_at=rec.created_at,
    )


def source_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def visible_records(session: Session, *, subject_id: int, viewer: Viewer, today: date) -> list[Row[Any]]:
    """Current versions of the subject's records this viewer may see."""
    # Plain rows, not ORM objects (a file may hold hundreds of records; nothing here changes them),
    # and without the provenance, which a file does not show.
    columns = [c for c in CreditRecord.__table__.c if c.name != "provenance"]
    stmt = select(*columns).where(CreditRecord.subject_id == subject_id, CreditRecord.is_current.is_(True))
    if viewer is Viewer.public:
        stmt = stmt.where(
            CreditRecord.status.in_([str(s) for s in rules.LIVE]),
            CreditRecord.published.is_(True),
            CreditRecord.disclosure == "public",
            CreditRecord.published_from <= today,
            (CreditRecord.publicity_until.is_(None)) | (CreditRecord.publicity_until >= today),
        )
    elif viewer is Viewer.departments:
        stmt = stmt.where(CreditRecord.disclosure.in_(["public", "departments"]))
    records = list(session.execute(stmt.order_by(CreditRecord.decided_on.desc(), CreditRecord.id.desc())))
    return [
        r
        for r in records
        if rules.may_see(
            viewer,
            disclosure=r.disclosure,
            public_now=rules.is_public(
                status=r.status,
                published=r.published,
                disclosure=r.disclosure,
                published_from=r.published_from,
                publicity_until=r.publicity_until,
                today=today,
            ),
        )
    ]


def group(records: Sequence[RecordOut]) -> list[RecordGroup]:
    groups: dict[tuple[str, str], list[RecordOut]] = {}
    for r in records:
        groups.setdefault((r.polarity, r.category), []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: (POLARITY_ORDER.get(kv[0][0], 9), kv[0][1]))
    return [
        RecordGroup(category=cat, category_zh=CATEGORY_ZH.get(cat, cat), polarity=pol, records=recs)
        for (pol, cat), recs in ordered
    ]


def credit_file(
    session: Session, *, actor: Actor, subject_id: int, cipher: PiiCipher, today: date | None = None
) -> CreditFileOut:
    today = today or subject_service.legal_today()
    view = subject_service.view_by_id(session, subject_id)
    subject = subject_service.present(session, actor=actor, subject=view, cipher=cipher)
    viewer = viewer_for(actor, subject_id)
    records = visible_records(session, subject_id=subject_id, viewer=viewer, today=today)
    catalog = catalog_service.active_catalog(session)
    sources = source_names(session, {r.source_org_id for r in records})
    out = [present(r, catalog=catalog, sources=sources, today=today) for r in records]
    counts: dict[str, int] = {}
    for r in out:
        counts[r.polarity] = counts.get(r.polarity, 0) + 1
    restricted = [r.id for r in out if r.disclosure == "restricted"]
    if viewer is not Viewer.public and (restricted or view.kind == "natural"):
        # A read of non-public credit information about a person, or of restricted records: logged.
        audit.record(
            session,
            actor,
            audit.Event(
                "record.read_file",
                subject_id=subject_id,
                object_type="credit_file",
                object_id=subject_id,
                fields=sorted({r.type for r in out}),
                detail={"view": str(viewer), "records": len(out), "restricted_ids": restricted},
            ),
        )
    return CreditFileOut(subject=subject, view=str(viewer), as_of=today, counts=counts, groups=group(out))


def record_history(session: Session, *, actor: Actor, record_id: int) -> list[RecordOut]:
    """Every version of a record (self, or readers of shared records; restricted ones need
    ``records:read_restricted`` with a purpose). Audited when the subject is a natural person."""
    rec = get_record(session, record_id)
    viewer = viewer_for(actor, rec.subject_id)
    if viewer is Viewer.public or not rules.may_see(viewer, disclosure=rec.disclosure, public_now=False):
        raise NotFound(f"no credit record with id {record_id}", code="record_not_found", message_zh="未找到该信用记录")
    versions = history(session, rec.record_key)
    catalog = catalog_service.active_catalog(session)
    sources = source_names(session, {v.source_org_id for v in versions})
    today = subject_service.legal_today()
    audit.record(
        session,
        actor,
        audit.Event(
            "record.read_history",
            subject_id=rec.subject_id,
            object_type="credit_record",
            object_id=rec.id,
            detail={"view": str(viewer), "versions": len(versions)},
        ),
    )
    return [present(v, catalog=catalog, sources=sources, today=today) for v in versions]


def get_visible(session: Session, *, actor: Actor, record_id: int) -> RecordOut:
    """One record (any version) if this reader may see it; otherwise 404 (no existence leak)."""
    rec = get_record(session, record_id)
    today = subject_service.legal_today()
    viewer = viewer_for(actor, rec.subject_id)
    public_now = rec.is_current and rules.is_public(
        status=rec.status, published=rec.published, disclosure=rec.disclosure,
        published_from=rec.published_from, publicity_until=rec.publicity_until, today=today,
    )  # fmt: skip
    if not rules.may_see(viewer, disclosure=rec.disclosure, public_now=public_now):
        raise NotFound(f"no credit record with id {record_id}", code="record_not_found", message_zh="未找到该信用记录")
    if rec.disclosure == "restricted" and viewer is not Viewer.self:
        audit.record(
            session,
            actor,
            audit.Event(
                "record.read",
                subject_id=rec.subject_id,
                object_type="credit_record",
                object_id=rec.id,
                detail={"view": str(viewer)},
            ),
        )
    catalog = catalog_service.active_catalog(session)
    return present(rec, catalog=catalog, sources=source_names(session, {rec.source_org_id}), today=today)
