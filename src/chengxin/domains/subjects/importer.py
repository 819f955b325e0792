"""Bulk subject import (``chengxin subjects import FILE``): CSV, XLSX, JSON, Chinese headers.

Rows are validated one by one (a bad row is reported, never fatal), then written in batches,
one transaction per batch: an import interrupted half-way and re-run ends with every valid
row exactly once (idempotent by identity: USCC, or the RIC's blind index).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_gc
from chengxin.db import Database, bulk_insert, table_of, unit_of_work, utcnow
from chengxin.domains.subjects import rules
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.identifiers import IdentifierError
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.verification import service as verification_service
from chengxin.domains.verification.models import IdentityVerification
from chengxin.domains.verification.rules import Outcome
from chengxin.domains.verification.verifiers import Claim, IdentityVerifier
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.tabular import Table, read_rows

ALIASES = {
    # name
    "name": "name",
    "名称": "name",
    "主体名称": "name",
    "企业名称": "name",
    "姓名": "name",
    "行政相对人名称": "name",
    "市场主体名称": "name",
    "单位名称": "name",
    # kind / category
    "kind": "kind",
    "主体类别": "kind",
    "行政相对人类别": "kind",
    "类别": "kind",
    # identifiers
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "行政相对人代码_1(统一社会信用代码)": "uscc",
    "ric": "ric",
    "身份证号码": "ric",
    "居民身份证号码": "ric",
    "公民身份号码": "ric",
    "证件号码": "id_number",
    "证件类型": "id_type",
    # others
    "legal_form": "legal_form",
    "主体类型": "legal_form",
    "legal_representative": "legal_representative",
    "法定代表人": "legal_representative",
    "roles": "roles",
    "角色": "roles",
}

_LEGAL_FORM_ZH = {
    "企业": "enterprise",
    "平台": "platform",
    "电子商务平台": "platform",
    "物流企业": "logistics_company",
    "寄递物流企业": "logistics_company",
    "服务机构": "service_provider",
    "社会组织": "social_organisation",
    "个体工商户": "individual_business",
}
_KIND_EN = {"legal": (rules.Kind.legal, None), "natural": (rules.Kind.natural, None)}
_ID_TYPES_RIC = {"身份证", "居民身份证", "中华人民共和国居民身份证", "ric"}


@dataclass(frozen=True)
class Rejection:
    row: int
    code: str
    detail: str


@dataclass
class ImportSummary:
    file: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "ignored_columns": self.ignored_columns,
        }


@dataclass(frozen=True)
class Prepared:
    row: int
    identity: rules.Identity
    name: str
    legal_form: str | None
    legal_representative: str | None
    roles: list[str]
    values: dict[str, object] | None = None  # column values of a new subject, when computed ahead


def prepare_row(n: int, row: dict[str, str], *, today: date | None = None) -> Prepared:
    """Validate one row (pure); raises ``IdentifierError`` or ``ValueError`` with a reason."""
    name = row.get("name", "").strip()
    if not name:
        raise ValueError("name is empty")
    raw_kind = row.get("kind", "").strip()
    legal_form = row.get("legal_form") or None
    if raw_kind:
        category = rules.PARTY_CATEGORY.get(raw_kind) or _KIND_EN.get(raw_kind.lower())
        if category is None:
            raise ValueError(f"unknown subject category {raw_kind!r}")
        kind, implied_form = category
        legal_form = legal_form or (str(implied_form) if implied_form else None)
    else:
        kind = rules.Kind.legal if row.get("uscc") else rules.Kind.natural
    ric = row.get("ric")
    if not ric and row.get("id_number") and (row.get("id_type", "身份证") in _ID_TYPES_RIC):
        ric = row["id_number"]
    identity = rules.check_identity(
        kind,
        uscc=row.get("uscc") if kind is rules.Kind.legal else None,
        ric=ric if kind is rules.Kind.natural else None,
        today=today,
    )
    if legal_form:
        legal_form = _LEGAL_FORM_ZH.get(legal_form, legal_form)
        rules.LegalForm(legal_form)  # ValueError when unknown
    roles = [r.strip() for r in row.get("roles", "").replace("；", ";").replace(",", ";").split(";") if r.strip()]
    checked = [str(r) for r in rules.check_roles(kind, roles)]
    return Prepared(n, identity, name, legal_form, row.get("legal_representative") or None, checked)


def iter_prepared(
    rows: Iterable[tuple[int, dict[str, str]]], summary: ImportSummary, *, today: date | None = None
) -> Iterator[Prepared]:
    for n, row in rows:
        summary.rows += 1
        try:
            yield prepare_row(n, row, today=today)
        except IdentifierError as exc:
            summary.rejected += 1
            summary.rejections.append(Rejection(n, exc.code, exc.detail))
        except ValueError as exc:
            summary.rejected += 1
            summary.rejections.append(Rejection(n, "invalid_row", str(exc)))


def _new_values(p: Prepared, cipher: PiiCipher, now: datetime) -> dict[str, object]:
    return subject_service.new_subject_values(
        p.identity,
        name=p.name,
        legal_form=p.legal_form,
        legal_representative=p.legal_representative,
        cipher=cipher,
        now=now,
    )


def prepare_chunk(chunk: list[tuple[int, dict[str, str]]], master_key: bytes) -> tuple[list[Prepared], list[Rejection]]:
    """Validate a chunk and compute its new-subject column values (run in a worker process)."""
    pii = PiiCipher.from_master(master_key)
    summary = ImportSummary()
    now = utcnow()
    out = [
        replace(p, values=_new_values(p, pii, now))
        for p in iter_prepared(chunk, summary, today=subject_service.legal_today())
    ]
    return out, summary.rejections


def iter_prepared_chunks(
    rows: Iterable[tuple[int, dict[str, str]]], summary: ImportSummary, *, master_key: bytes, chunk_size: int
) -> Iterator[list[Prepared]]:
    """Chunks of prepared rows. Validation, normalisation and encryption run in a second process
    while the caller writes the previous chunk, so a big import uses both cores; a small input
    (one chunk) is prepared in-process."""
    it = iter(rows)
    first = list(islice(it, chunk_size))
    second = list(islice(it, chunk_size))
    if not second:
        done, rejected = prepare_chunk(first, master_key)
        summary.rows += len(first)
        summary.rejected += len(rejected)
        summary.rejections.extend(rejected)
        if done:
            yield done
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        pending: deque[tuple[int, Future[tuple[list[Prepared], list[Rejection]]]]] = deque()
        for chunk in (first, second):
            pending.append((len(chunk), pool.submit(prepare_chunk, chunk, master_key)))
        while pending:
            count, future = pending.popleft()
            nxt = list(islice(it, chunk_size))
            if nxt:
                pending.append((len(nxt), pool.submit(prepare_chunk, nxt, master_key)))
            done, rejected = future.result()
            summary.rows += count
            summary.rejected += len(rejected)
            summary.rejections.extend(rejected)
            yield done


def open_file(path: Path) -> Table:
    return read_rows(path, ALIASES, required={"name"})


def write_batch(
    session: Session,
    *,
    actor: Actor,
    cipher: PiiCipher,
    batch: list[Prepared],
    summary: ImportSummary,
    verifier: IdentityVerifier | None = None,
) -> None:
    """Insert new subjects, update changed ones, count unchanged ones; audit each change.

    New subjects are verified (实名核验) before they are inserted, so each lands with its
    verification status and one audit entry, in one round trip per table."""
    by_key: dict[str, Prepared] = {}
    for p in batch:
        key = p.identity.code
        if key in by_key:
            first = by_key[key]
            if (first.name, first.legal_form) != (p.name, p.legal_form):
                summary.rejected += 1
                summary.rejections.append(
                    Rejection(p.row, "duplicate_identity", f"same identity as row {first.row} with other data")
                )
            else:
                summary.unchanged += 1
            continue
        by_key[key] = p
    legal = {k: p for k, p in by_key.items() if p.identity.kind is rules.Kind.legal}
    natural = {
        str(p.values["ric_index"]) if p.values else subject_service.ric_index(cipher, k): p
        for k, p in by_key.items()
        if p.identity.kind is rules.Kind.natural
    }
    existing: dict[str, Subject] = {}
    if legal:
        existing.update((s.uscc or "", s) for s in session.scalars(select(Subject).where(Subject.uscc.in_(legal))))
    if natural:
        existing.update(
            (s.ric_index or "", s) for s in session.scalars(select(Subject).where(Subject.ric_index.in_(natural)))
        )
    now = utcnow()
    new_rows: list[dict[str, object]] = []
    new_roles: list[list[str]] = []
    events: list[audit.Event] = []
    for key, p in [*legal.items(), *natural.items()]:
        s = existing.get(key)
        if s is None:
            new_rows.append(p.values or _new_values(p, cipher, now))
            new_roles.append(p.roles)
            continue
        changes = _apply_changes(s, p)
        if changes:
            summary.updated += 1
            events.append(
                audit.Event(
                    "subject.update",
                    subject_id=s.id,
                    object_type="subject",
                    object_id=s.id,
                    fields=sorted(changes),
                    detail={"changes": changes, "via": "import"},
                )
            )
        else:
            summary.unchanged += 1
    if new_rows:
        outcomes = _verify_new(session, verifier, new_rows)
        bulk_insert(session, table_of(Subject), new_rows)  # no RETURNING: it goes row by row on SQLite
        ids = _ids_of(session, new_rows)
        role_rows = [{"subject_id": i, "role": r} for i, roles in zip(ids, new_roles, strict=True) for r in roles]
        if role_rows:
            bulk_insert(session, table_of(SubjectRole), role_rows)
        if verifier is not None:
            bulk_insert(
                session,
                table_of(IdentityVerification),
                verification_service.verification_rows(ids, outcomes, method=verifier.method, actor=actor),
            )
        summary.inserted += len(ids)
        # One entry for the batch's creations (ids and verification results listed), one per update.
        events.append(
            audit.Event(
                "subject.import_create",
                object_type="subject",
                detail={
                    "via": "import",
                    "file": summary.file,
                    "subject_ids": ids,
                    "verification": [str(r["verification_status"]) for r in new_rows],
                },
            )
        )
    session.flush()
    audit.record_many(session, actor, events)


def _ids_of(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Ids of just-inserted subjects, in the order of ``rows``, found by identity."""
    usccs = [r["uscc"] for r in rows if r["uscc"]]
    rics = [r["ric_index"] for r in rows if r["ric_index"]]
    found: dict[object, int] = {}
    if usccs:
        found.update(
            (k, i) for k, i in session.execute(select(Subject.uscc, Subject.id).where(Subject.uscc.in_(usccs)))
        )
    if rics:
        found.update(
            (k, i) for k, i in session.execute(select(Subject.ric_index, Subject.id).where(Subject.ric_index.in_(rics)))
        )
    return [found[r["uscc"] or r["ric_index"]] for r in rows]


def _verify_new(session: Session, verifier: IdentityVerifier | None, rows: list[dict[str, object]]) -> list[Outcome]:
    if verifier is None:
        return []
    claims = [Claim(None, str(r["kind"]), str(r["uscc"] or r["ric_index"]), str(r["name_norm"])) for r in rows]
    outcomes = verifier.verify(session, claims)
    now = utcnow()
    for row, outcome in zip(rows, outcomes, strict=True):
        row.update(verification_status=str(outcome.result), verification_method=verifier.method, verified_at=now)
    return outcomes


def _apply_changes(s: Subject, p: Prepared) -> dict[str, object]:
    changes: dict[str, object] = {}
    if s.name != p.name:
        changes["name"] = {"from": s.name, "to": p.name}
        subject_service.rename(s, p.name)
    if p.legal_form and s.legal_form != p.legal_form:
        changes["legal_form"] = {"from": s.legal_form, "to": p.legal_form}
        s.legal_form = p.legal_form
    missing = [r for r in p.roles if r not in s.role_names]
    if missing:
        changes["roles"] = {"added": missing}
        s.roles = [*s.roles, *(SubjectRole(role=r) for r in missing)]
    if changes:
        s.version += 1
        s.updated_at = utcnow()
    return changes


@bulk_gc()
def run_import(
    db: Database,
    *,
    actor: Actor,
    rows: Iterable[tuple[int, dict[str, str]]],
    summary: ImportSummary,
    cipher: PiiCipher,
    master_key: bytes,
    verifier: IdentityVerifier | None,
    batch_size: int,
    tick: Callable[[int], None] | None = None,
) -> ImportSummary:
    """The import job: one transaction per batch (a re-run resumes idempotently)."""
    for batch in iter_prepared_chunks(rows, summary, master_key=master_key, chunk_size=batch_size):
        with unit_of_work(db) as session:
            write_batch(session, actor=actor, cipher=cipher, batch=batch, summary=summary, verifier=verifier)
        if tick is not None:
            tick(summary.rows)
    return summary
