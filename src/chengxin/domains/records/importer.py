"""Credit-record file import (``chengxin records import FILE``): the job.

Rows read by ``sheets`` are validated against the catalog and written through
``records.service.write_batch`` (the one write path) in batches, one transaction per batch and one
source organisation per batch: an import interrupted half-way and run again ends with every valid
row exactly once (idempotent by source organisation and source record id). A source organisation
(数据来源单位) not yet known is registered as *pending*, for the credit centre to confirm. A file
of more than two batches is read and validated in a second process while this one writes.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chengxin.bulk import bulk_gc
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts_service
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.catalog.rules import Catalog, Publicity
from chengxin.domains.records import service as record_service
from chengxin.domains.records.matching import Identity
from chengxin.domains.records.multiparty import PARTY_FIELDS, apply_multi_party, multi_party_documents
from chengxin.domains.records.rules import (
    OWN_VALUES,
    Party,
    Prepared,
    RecordRejected,
    Submission,
    publicity_values,
    type_values,
)
from chengxin.domains.records.sheets import ALIASES, Rejection, RowMapper, detect_type, open_file
from chengxin.domains.subjects.identifiers import IdentifierError, validate_uscc
from chengxin.errors import DomainError, InvalidInput, UnusableInput
from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.security.crypto import PiiCipher


@dataclass
class ImportSummary:
    file: str = ""
    record_type: str | None = None  # the sheet's type (None: a ``type`` column names it per row)
    rows: int = 0
    inserted: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    unmatched: int = 0
    new_sources: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def reject(self, row: int, code: str, detail: str) -> None:
        self.rejected += 1
        self.rejections.append(Rejection(row, code, detail))

    def add(self, counts: record_service.BatchCounts) -> None:
        self.inserted += counts.created
        self.corrected += counts.corrected
        self.unchanged += counts.unchanged
        self.unmatched += counts.unmatched
        for o in counts.outcomes:
            if o.result == "rejected":
                self.reject(o.index, o.code or "rejected", o.detail or "")

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "type": self.record_type,
            "rows": self.rows,
            "inserted": self.inserted,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unmatched": self.unmatched,
            "new_sources": self.new_sources,
            "ignored_columns": self.ignored_columns,
        }


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceOrg:
    id: int
    name: str
    kind: str
    uscc: str | None = None
    code: str | None = None


def match_source(orgs: Iterable[SourceOrg], name: str, code: str | None) -> SourceOrg | None:
    """The organisation a row names as its source: by name, else by its code (the same source
    written another way)."""
    by_code = None
    wanted = (code or "").strip().upper()
    for o in orgs:
        if o.name == name:
            return o
        if wanted and by_code is None and wanted in (o.uscc, (o.code or "").upper()):
            by_code = o
    return by_code


@dataclass
class Sources:
    """Source organisations of one import, registering unknown ones as pending (待确认)."""

    actor: Actor
    orgs: list[SourceOrg]
    new: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, actor: Actor) -> Sources:
        orgs = accounts_service.list_organisations(session)
        return cls(actor, [SourceOrg(o.id, o.name, o.kind, o.uscc, o.code) for o in orgs])

    def expected_kind(self, name: str, code: str | None) -> str:
        """The submitter role rows of this source are checked for (a new source is a department)."""
        hit = match_source(self.orgs, name, code)
        return hit.kind if hit else "department"

    def resolve(self, session: Session, name: str, code: str | None) -> SourceOrg:
        hit = match_source(self.orgs, name, code)
        if hit is not None:
            return hit
        if len(name) > 200:
            raise RecordRejected("invalid_source", "数据来源单位 is longer than 200 characters")
        org = accounts_service.find_organisation(session, name)  # registered meanwhile by someone else
        if org is None:
            uscc = None
            if code:
                try:
                    uscc = validate_uscc(code).code
                except IdentifierError:
                    uscc = None
            org = accounts_service.create_organisation(
                session,
                actor=self.actor,
                kind="department",
                name=name,
                uscc=uscc,
                code=None if uscc else (code or None),
                status="pending",
            )
            self.new.append(name)
        hit = SourceOrg(org.id, org.name, org.kind, org.uscc, org.code)
        self.orgs.append(hit)
        return hit


# --------------------------------------------------------------------------- batches


@dataclass
class Group:
    """Validated rows of one source, checked for the submitter role ``role``."""

    source: str
    code: str | None
    role: str
    items: list[record_service.Item]


@dataclass
class Chunk:
    """One batch of rows, mapped and validated (pure work: it may run in another process)."""

    rows: int
    rejections: list[Rejection]
    groups: list[Group]


@dataclass
class Plan:
    """Everything needed to turn the rows of a file into chunks (picklable, for the reading process)."""

    path: Path
    aliases: dict[str, str]
    catalog: Catalog
    today: date
    batch_size: int
    default_type: str | None
    default_source: str | None
    sources: list[SourceOrg]
    master_key: bytes = b""


Pending = dict[tuple[str, str | None], list[tuple[int, Submission, dict[str, Any]]]]


def _chunk(plan: Plan, cipher: PiiCipher, rows: int, rejections: list[Rejection], groups: Pending) -> Chunk:
    """Validate the groups' submissions against the catalog (rejections are kept with their rows)."""
    out = Chunk(rows, rejections, [])
    known = Sources(ANONYMOUS, plan.sources)
    for (source, code), subs in groups.items():
        role = known.expected_kind(source, code)
        counts = record_service.BatchCounts()
        items = record_service.prepare_items(
            plan.catalog, subs, submitter_role=role, cipher=cipher, today=plan.today, counts=counts
        )
        out.rejections.extend(Rejection(o.index, o.code or "rejected", o.detail or "") for o in counts.outcomes)
        out.groups.append(Group(source, code, role, items))
    return out


def iter_chunks(plan: Plan, rows: Iterable[tuple[int, dict[str, str]]], *, cipher: PiiCipher) -> Iterator[Chunk]:
    """Chunks of up to ``batch_size`` rows of one source each (a sheet may interleave several
    sources: rows wait per source, so each transaction writes one source's batch in one go);
    whatever remains at the end, or when too many rows wait, goes out together."""
    mapper = RowMapper(
        default_type=plan.default_type,
        type_names={t.name: t.code for t in plan.catalog.types.values()},
        default_source=plan.default_source,
    )
    pending: Pending = {}
    waiting = consumed = 0
    rejections: list[Rejection] = []
    for n, row in rows:
        consumed += 1
        try:
            sub, source, code = mapper.submission(row)
        except RecordRejected as exc:
            rejections.append(Rejection(n, exc.code, exc.detail))
            continue
        if not source:
            rejections.append(Rejection(n, "missing_source", "数据来源单位 is empty and no --source was given"))
            continue
        group = pending.setdefault((source, code), [])
        group.append((n, sub, {"file": plan.path.name, "row": n}))
        waiting += 1
        if len(group) >= plan.batch_size or waiting >= 4 * plan.batch_size:
            ready = {(source, code): pending.pop((source, code))} if len(group) >= plan.batch_size else pending
            waiting -= sum(len(g) for g in ready.values())
            yield _chunk(plan, cipher, consumed, rejections, ready)
            if ready is pending:
                pending = {}
            consumed, rejections = 0, []
    if consumed:
        yield _chunk(plan, cipher, consumed, rejections, pending)


def write_chunk(
    session: Session,
    *,
    actor: Actor,
    chunk: Chunk,
    sources: Sources,
    multi_docs: set[str],
    cipher: PiiCipher,
    today: date,
    summary: ImportSummary,
) -> None:
    """One batch in the caller's transaction: each source's rows through ``records.service.write_batch``."""
    summary.rows += chunk.rows
    for r in chunk.rejections:
        summary.reject(r.row, r.code, r.detail)
    for g in chunk.groups:
        g.items, rejected = apply_multi_party(g.items, multi_docs, cipher)
        for r in rejected:
            summary.reject(r.row, r.code, r.detail)
        try:
            org = sources.resolve(session, g.source, g.code)
        except RecordRejected as exc:
            for it in g.items:
                summary.reject(it.index, exc.code, exc.detail)
            continue
        items = g.items
        if org.kind != g.role:  # the source turned out to be another kind of organisation
            items = [it for it in g.items if org.kind in it.prepared.rtype.submitters]
            for it in g.items:
                if org.kind not in it.prepared.rtype.submitters:
                    summary.reject(
                        it.index,
                        "submitter_not_allowed",
                        f"a {org.kind} may not submit {it.prepared.rtype.code} records",
                    )
        counts = record_service.BatchCounts()
        record_service.write_batch(
            session,
            actor=actor,
            source_org_id=org.id,
            items=items,
            cipher=cipher,
            counts=counts,
            today=today,
            via="import",
        )
        summary.add(counts)


# --------------------------------------------------------------------------- the job


QUEUED = 32  # chunks the reading process may have ready (~100 MB at 2,000 rows)

# Chunks cross the process boundary as plain tuples (pickling the items' frozen dataclasses costs
# several times more than the data they hold), with only each record's own values: those of its
# type and of its publicity (shared by many rows of a chunk) are rebuilt from the catalog.
PUBLICITY_FIELDS = tuple(f.name for f in fields(Publicity))
PackedItem = tuple[int, str, int, tuple[Any, ...], str, tuple[Any, ...], tuple[Any, ...], dict[str, Any]]
PackedChunk = tuple[
    int,
    list[tuple[int, str, str]],
    list[tuple[Any, ...]],
    list[tuple[str, str | None, str, list[PackedItem]]],
]


def pack(chunk: Chunk) -> PackedChunk:
    publicities: dict[Publicity, int] = {}
    groups = []
    for g in chunk.groups:
        items: list[PackedItem] = []
        for it in g.items:
            p, i, v = it.prepared, it.identity, it.prepared.values
            pub = publicities.setdefault(p.publicity, len(publicities))
            items.append(
                (
                    it.index,
                    p.rtype.code,
                    pub,
                    tuple(v[k] for k in OWN_VALUES),
                    v["fingerprint"],
                    (p.party.name, p.party.kind, p.party.uscc, p.party.ric, p.party.other_code, p.party.subject_id),
                    (i.uscc, i.ric, i.ric_index),
                    it.provenance,
                )
            )
        groups.append((g.source, g.code, g.role, items))
    shared = [tuple(getattr(pub, f) for f in PUBLICITY_FIELDS) for pub in publicities]
    return chunk.rows, [(r.row, r.code, r.detail) for r in chunk.rejections], shared, groups


def unpack(packed: PackedChunk, catalog: Catalog) -> Chunk:
    rows, rejections, shared, groups = packed
    publicities = [Publicity(*pub) for pub in shared]
    of_publicity = [publicity_values(pub) for pub in publicities]
    of_type = {code: type_values(t, catalog.version) for code, t in catalog.types.items()}
    out = Chunk(rows, [Rejection(*r) for r in rejections], [])
    for source, code, role, items in groups:
        unpacked = []
        for index, type_code, pub, own, fingerprint, party, identity, provenance in items:
            values = {**of_type[type_code], **of_publicity[pub], **dict(zip(OWN_VALUES, own, strict=True))}
            values["fingerprint"] = fingerprint
            prepared = Prepared(catalog.types[type_code], values, Party(*party), publicities[pub])
            unpacked.append(record_service.Item(index, prepared, Identity(*identity), provenance))
        out.groups.append(Group(source, code, role, unpacked))
    return out


def _produce(out: Any, plan: Plan) -> None:
    """The reading process: read, map and validate the file, chunk after chunk, into ``out``."""
    try:
        cipher = PiiCipher.from_master(plan.master_key)
        sheet = open_file(plan.path, plan.aliases)
        with bulk_gc():
            for chunk in iter_chunks(plan, sheet.rows, cipher=cipher):
                out.put(("chunk", pack(chunk)))
        out.put(("done", None))
    except DomainError as exc:
        out.put(("error", (type(exc).__name__, exc.detail, exc.code, exc.message_zh)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        out.put(("crash", traceback.format_exc()))


def _domain_error(name: str, detail: str, code: str, message_zh: str) -> DomainError:
    cls = next((c for c in (UnusableInput, InvalidInput) if c.__name__ == name), DomainError)
    return cls(detail, code=code, message_zh=message_zh)


def _read_in_background(plan: Plan, multi_docs: set[str]) -> Iterator[Chunk]:
    """Chunks prepared by a second process while this one writes the previous ones (both cores
    busy on a big file). Meanwhile this process finds the documents naming several parties (one
    quick pass over the file; the reading process buffers up to ``QUEUED`` chunks till then) and
    puts them into ``multi_docs``."""
    ctx = multiprocessing.get_context("spawn")
    q: Any = ctx.Queue(maxsize=QUEUED)
    proc = ctx.Process(target=_produce, args=(q, plan), daemon=True)
    proc.start()
    try:
        multi_docs.update(multi_party_documents(open_file(plan.path, plan.aliases, only=PARTY_FIELDS).rows))
        while True:
            try:
                kind, payload = q.get(timeout=2)
            except queue.Empty:
                if proc.is_alive():
                    continue
                try:
                    kind, payload = q.get(timeout=2)
                except queue.Empty:
                    raise RuntimeError(f"the reading process ended unexpectedly (exit {proc.exitcode})") from None
            if kind == "chunk":
                yield unpack(payload, plan.catalog)
            elif kind == "done":
                return
            elif kind == "error":
                raise _domain_error(*payload)
            else:
                raise RuntimeError(f"the reading process failed:\n{payload}")
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)


@bulk_gc()
def run_import(
    db: Database,
    *,
    actor: Actor,
    path: Path,
    cipher: PiiCipher,
    master_key: bytes,
    batch_size: int,
    record_type: str | None = None,
    default_source: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> ImportSummary:
    """The import job: one transaction per batch of ``batch_size`` rows. A file of more than two
    batches is read and validated in a second process while this one writes."""
    with unit_of_work(db) as session:
        catalog = catalog_service.ensure_stored(session, actor)
        sources = Sources.load(session, actor)
    if record_type is not None and catalog.get(record_type) is None:
        raise UnusableInput(
            f"--type {record_type}: no such record type in the catalog ({', '.join(catalog.types)})",
            code="unknown_record_type",
            message_zh="目录中没有该记录类型",
        )
    aliases = {**ALIASES, **{f: f for t in catalog.types.values() for f in t.required}}
    sheet = open_file(path, aliases)
    present = sheet.present
    detected = record_type or detect_type(present)
    if detected is None and "type" not in present:
        raise UnusableInput(
            f"{path.name}: cannot tell the record type from the columns; pass --type",
            code="record_type_unknown",
            message_zh="无法从表头判断记录类型，请用 --type 指定",
        )
    if default_source is None and "source" not in present:
        raise UnusableInput(
            f"{path.name}: no 数据来源单位 column; name the source organisation with --source",
            code="source_missing",
            message_zh="文件没有数据来源单位列，请用 --source 指定报送单位",
        )
    summary = ImportSummary(file=path.name, record_type=detected, ignored_columns=sheet.ignored_headers)
    today = record_service.legal_today()
    plan = Plan(path, aliases, catalog, today, batch_size, detected, default_source, list(sources.orgs), master_key)
    head = list(islice(sheet.rows, 2 * batch_size + 1))
    chunks: Iterable[Chunk]
    multi: set[str] = set()
    if len(head) <= 2 * batch_size:
        multi = multi_party_documents(head)
        chunks = iter_chunks(plan, head, cipher=cipher)
    else:
        del head
        chunks = _read_in_background(plan, multi)
    for chunk in chunks:
        with unit_of_work(db) as session:
            write_chunk(
                session,
                actor=actor,
                chunk=chunk,
                sources=sources,
                multi_docs=multi,
                cipher=cipher,
                today=today,
                summary=summary,
            )
        summary.new_sources = list(sources.new)
        if tick is not None:
            tick(summary.rows)
    summary.rejections.sort(key=lambda r: r.row)
    return summary
