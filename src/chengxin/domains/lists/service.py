"""Listings (红黑名单): candidates proposed from the rules, reviewed, notified with an objection window,
published, removed — each step in the caller's transaction with its audit entry.

Candidates come from ``propose`` (the daily job runs it over every subject whose records or grade may
qualify); ``run_due`` publishes listings whose objection window has closed and removes those whose
period is over or whose basis is gone (repaired early, revoked at once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.calendar import service as calendar_service
from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists import rectification, rules, warnings
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.notifications.service import notify_subject
from chengxin.domains.records.models import CreditRecord
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UnusableInput
from chengxin.events import emit
from chengxin.security import audit
from chengxin.security.actor import Actor

KIND_ZH = {"black": "严重失信主体名单", "watch": "重点关注名单", "red": "守信激励名单"}


def current_rules(session: Session) -> rules.ListRules:
    try:
        return rules.load_rules(known_types=active_catalog(session).types)
    except rules.RulesInvalid as exc:
        raise UnusableInput(
            f"the list rules are unusable: {exc}", code="list_rules_invalid", message_zh="名单规则文件有误"
        ) from exc


def _refused(exc: rules.Refusal) -> InvalidInput:
    return InvalidInput(exc.detail, code=exc.code, message_zh="名单程序不允许该操作")


def facts(session: Session, subject_ids: Sequence[int]) -> dict[int, tuple[list[rules.RecordFact], str | None]]:
    """Each subject's current records (any status) and current grade."""
    out: dict[int, tuple[list[rules.RecordFact], str | None]] = {sid: ([], None) for sid in subject_ids}
    for i in range(0, len(subject_ids), 500):
        part = list(subject_ids[i : i + 500])
        stmt = select(
            CreditRecord.id,
            CreditRecord.subject_id,
            CreditRecord.type_code,
            CreditRecord.severity,
            CreditRecord.polarity,
            CreditRecord.status,
            CreditRecord.decided_on,
            CreditRecord.source_org_id,
        ).where(CreditRecord.subject_id.in_(part), CreditRecord.is_current.is_(True))
        for rid, sid, t, sev, pol, st, decided, org in session.execute(stmt):
            out[sid][0].append(rules.RecordFact(rid, t, sev, pol, st, decided, org))
        for sid, grade in session.execute(
            select(Evaluation.subject_id, Evaluation.grade).where(Evaluation.subject_id.in_(part))
        ):
            out[sid] = (out[sid][0], grade)
    return out


def _possible_subjects(session: Session, policy: rules.ListRules) -> list[int]:
    """Subjects whose live records or grade could meet some criterion (a superset; ``matches`` decides)."""
    types = {t for k in policy.lists.values() for c in k.criteria for t in c.record_types}
    grades = {g for k in policy.lists.values() for c in k.criteria if c.grades and not c.record_types for g in c.grades}
    by_records = select(CreditRecord.subject_id).where(
        CreditRecord.is_current.is_(True),
        CreditRecord.status.in_(sorted(rules.LIVE)),
        CreditRecord.type_code.in_(sorted(types)),
    )
    by_grade = select(Evaluation.subject_id).where(Evaluation.grade.in_(sorted(grades)))
    return sorted(set(session.scalars(by_records.union(by_grade))))


def _open_kinds(session: Session, subject_ids: Sequence[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for i in range(0, len(subject_ids), 500):
        stmt = select(ListEntry.subject_id, ListEntry.list_kind).where(
            ListEntry.subject_id.in_(subject_ids[i : i + 500]), ListEntry.status.in_(sorted(rules.OPEN))
        )
        for sid, kind in session.execute(stmt):
            out[sid].add(kind)
    return out


@dataclass
class Proposed:
    candidates: list[ListEntry] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def propose(session: Session, actor: Actor, *, today: date, subject_ids: Iterable[int] | None = None) -> Proposed:
    """Open a candidate listing for every subject that meets a list's criteria and has no open listing on
    it (a black-listed subject is not proposed for the watch list, nor anyone negative-listed for the red)."""
    policy = current_rules(session)
    ids = sorted(set(subject_ids)) if subject_ids is not None else _possible_subjects(session, policy)
    known = facts(session, ids)
    open_kinds = _open_kinds(session, ids)
    out = Proposed()
    for sid in ids:
        records, grade = known[sid]
        for kind in (policy.lists[k] for k in rules.KINDS):
            taken = open_kinds[sid]
            if (
                kind.key in taken
                or (kind.key == "watch" and "black" in taken)
                or (kind.key == "red" and taken & rules.NEGATIVE)
            ):
                continue
            found = rules.matches(kind, records, grade, today)
            if not found:
                continue
            basis_ids = {r for m in found for r in m.record_ids}
            deciding = max((r for r in records if r.record_id in basis_ids), key=lambda r: r.decided_on, default=None)
            entry = ListEntry(
                list_kind=kind.key,
                subject_id=sid,
                status="candidate",
                basis=[{"criterion": m.criterion, "record_ids": list(m.record_ids), "grade": m.grade} for m in found],
                deciding_org_id=deciding.source_org_id if deciding else None,
            )
            session.add(entry)
            taken.add(kind.key)
            out.candidates.append(entry)
            out.by_kind[kind.key] = out.by_kind.get(kind.key, 0) + 1
    session.flush()
    if out.candidates:
        audit.record(
            session,
            actor,
            audit.Event(
                "list.propose",
                object_type="list_entry",
                detail={"candidates": out.by_kind, "ids": [e.id for e in out.candidates][:1000]},
            ),
        )
    return out


def get_entry(session: Session, entry_id: int) -> ListEntry:
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(f"no list entry with id {entry_id}", code="list_entry_not_found", message_zh="未找到该名单记录")
    return entry


def _event(session: Session, actor: Actor, action: str, e: ListEntry, **detail: Any) -> None:
    audit.record(
        session,
        actor,
        audit.Event(
            action,
            subject_id=e.subject_id,
            object_type="list_entry",
            object_id=e.id,
            detail={"list": e.list_kind, "status": e.status, **detail},
        ),
    )


def review(session: Session, actor: Actor, entry_id: int, *, approve: bool, note: str) -> ListEntry:
    """The deciding organisation (one level up where the rules say so) approves or rejects a candidate."""
    e = get_entry(session, entry_id)
    kind = current_rules(session).lists[e.list_kind]
    try:
        rules.check_step(e.status, "approved" if approve else "rejected")
        source = session.get(Organisation, e.deciding_org_id) if e.deciding_org_id else None
        rules.check_reviewer(
            kind,
            source_org=e.deciding_org_id,
            parent_org=source.parent_id if source else None,
            reviewer_org=actor.organisation_id,
            is_centre=actor.role == "credit_centre",
        )
    except rules.Refusal as exc:
        raise _refused(exc) from exc
    e.status = "approved" if approve else "rejected"
    e.reviewed_at, e.reviewed_by, e.review_note = utcnow(), actor.label, note
    _event(session, actor, "list.review", e, approve=approve)
    return e


def notify(session: Session, actor: Actor, entry_id: int, *, today: date) -> ListEntry:
    """Tell the subject the reasons, the basis and its rights; the objection window opens."""
    e = get_entry(session, entry_id)
    kind = current_rules(session).lists[e.list_kind]
    try:
        rules.check_step(e.status, "notified")
    except rules.Refusal as exc:
        raise _refused(exc) from exc
    e.status, e.notified_on = "notified", today
    e.objection_until = calendar_service.add_working_days(session, today, kind.objection_working_days).due
    reasons = "；".join(b["criterion"] for b in e.basis)
    notify_subject(
        session,
        subject_id=e.subject_id,
        kind="list.notice",
        link="/me/lists",
        title_zh=f"拟列入{kind.name}告知",
        body_zh=(
            f"经审核，您拟被列入{kind.name}。事由：{reasons}。依据：{kind.legal_basis}。"
            f"您有权在 {e.objection_until} 前提出异议、进行陈述和申辩，并可要求听证；"
            f"期满无异议或异议不成立的，将予以公示，公示期 {kind.period_months} 个月。"
        ),
    )
    _event(session, actor, "list.notify", e, objection_until=str(e.objection_until))
    return e


def object_to(session: Session, actor: Actor, entry_id: int, *, text: str, today: date) -> ListEntry:
    e = get_entry(session, entry_id)
    if not actor.is_self(e.subject_id) and actor.role != "credit_centre":
        raise PermissionDenied("only the listed subject objects to its listing", code="list_not_yours")
    try:
        rules.check_step(e.status, "objected")
    except rules.Refusal as exc:
        raise _refused(exc) from exc
    if e.objection_until is None or today > e.objection_until:
        raise InvalidInput(
            f"the objection window closed on {e.objection_until}",
            code="objection_window_closed",
            message_zh="异议期已过",
        )
    e.status, e.objection = "objected", text
    _event(session, actor, "list.object", e)
    return e


def decide_objection(session: Session, actor: Actor, entry_id: int, *, upheld: bool, answer: str) -> ListEntry:
    e = get_entry(session, entry_id)
    try:
        rules.check_step(e.status, "withdrawn" if upheld else "notified")
    except rules.Refusal as exc:
        raise _refused(exc) from exc
    e.status, e.objection_answer = ("withdrawn" if upheld else "notified"), answer
    verdict = "异议成立，不予列入" if upheld else "异议不成立，将依程序公示"
    notify_subject(
        session,
        subject_id=e.subject_id,
        kind="list.objection",
        link="/me/lists",
        title_zh=f"名单异议处理结果：{verdict}",
        body_zh=answer,
    )
    _event(session, actor, "list.objection_decided", e, upheld=upheld)
    return e


def publish(session: Session, actor: Actor, entry_id: int, *, today: date) -> ListEntry:
    e = get_entry(session, entry_id)
    kind = current_rules(session).lists[e.list_kind]
    try:
        rules.check_publish(e.status, e.objection_until, today)
    except rules.Refusal as exc:
        raise _refused(exc) from exc
    records, grade = facts(session, [e.subject_id])[e.subject_id]
    if not rules.matches(kind, records, grade, today):
        raise Conflict(
            "the subject no longer meets the list's criteria",
            code="no_longer_qualifies",
            message_zh="该主体已不符合列入条件",
        )
    return _publish(session, actor, e, kind, today)


def _publish(session: Session, actor: Actor, e: ListEntry, kind: rules.ListKind, today: date) -> ListEntry:
    """Publication itself, once the procedure and the criteria are checked."""
    e.status, e.published_on = "published", today
    e.ends_on = rules.add_months(today, kind.period_months)
    warnings.on_listing(session, e, basis=kind.legal_basis)
    rectification.open_for(session, e, kind, today=today)
    emit(
        session,
        "list.published",
        subject_id=e.subject_id,
        object_type="list_entry",
        object_id=e.id,
        payload={"list": e.list_kind, "ends_on": str(e.ends_on)},
    )
    _event(session, actor, "list.publish", e, ends_on=str(e.ends_on))
    return e


def remove(session: Session, actor: Actor, e: ListEntry, *, reason: str, today: date) -> ListEntry:
    rules.check_step(e.status, "removed")
    e.status, e.removed_on, e.removal_reason = "removed", today, reason
    warnings.on_removal(session, e, reason=rules.REMOVAL_ZH[reason])
    emit(
        session,
        "list.removed",
        subject_id=e.subject_id,
        object_type="list_entry",
        object_id=e.id,
        payload={"list": e.list_kind, "reason": reason},
    )
    notify_subject(
        session,
        subject_id=e.subject_id,
        kind="list.removed",
        link="/me/lists",
        title_zh=f"已移出{KIND_ZH[e.list_kind]}",
        body_zh=f"移出原因：{rules.REMOVAL_ZH[reason]}（{today}）。",
    )
    _event(session, actor, "list.remove", e, reason=reason)
    return e


def _basis_revoked(session: Session, e: ListEntry) -> bool:
    ids = [r for b in e.basis for r in b.get("record_ids", [])]
    if not ids:
        return False
    keys = select(CreditRecord.record_key).where(CreditRecord.id.in_(ids))
    stmt = select(func.count()).where(
        CreditRecord.record_key.in_(keys), CreditRecord.is_current.is_(True), CreditRecord.status == "revoked"
    )
    return bool(session.scalar(stmt))


@dataclass
class DueRun:
    published: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    proposed: dict[str, int] = field(default_factory=dict)


def run_due(session: Session, actor: Actor, *, today: date, subject_ids: Iterable[int] | None = None) -> DueRun:
    """Publish listings whose objection window closed; remove published ones that ended (for
    ``subject_ids`` only, when given: the records of these subjects just changed)."""
    policy = current_rules(session)
    run = DueRun()
    stmt = select(ListEntry).where(
        or_(ListEntry.status == "published", (ListEntry.status == "notified") & (ListEntry.objection_until < today))
    )
    if subject_ids is not None:
        stmt = stmt.where(ListEntry.subject_id.in_(sorted(set(subject_ids))))
    entries = list(session.scalars(stmt.order_by(ListEntry.id)))
    known = facts(session, sorted({e.subject_id for e in entries}))
    for e in entries:
        kind = policy.lists[e.list_kind]
        records, grade = known[e.subject_id]
        qualifies = bool(rules.matches(kind, records, grade, today))
        if e.status == "notified":
            if qualifies:
                _publish(session, actor, e, kind, today)  # checked above: window closed, still qualifies
                run.published += 1
            continue
        assert e.published_on is not None and e.ends_on is not None
        reason = rules.removal(
            kind,
            published_on=e.published_on,
            ends_on=e.ends_on,
            still_qualifies=qualifies,
            basis_revoked=not qualifies and _basis_revoked(session, e),
            today=today,
        )
        if reason:
            remove(session, actor, e, reason=reason, today=today)
            run.removed[reason] = run.removed.get(reason, 0) + 1
    return run


def published(
    session: Session, kind: str, *, q: str = "", page: int = 1, size: int = 50, person_names: bool = True
) -> tuple[int, list[ListEntry]]:
    """A published list, newest first; ``q`` matches names and USCCs — persons' names only when
    ``person_names`` (a caller who sees them masked cannot confirm by name that a person is listed)."""
    from chengxin.domains.subjects.models import Subject

    stmt = (
        select(ListEntry)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(ListEntry.list_kind == kind, ListEntry.status == "published")
    )
    if q:
        by_name = Subject.name.contains(q) if person_names else and_(Subject.kind == "legal", Subject.name.contains(q))
        stmt = stmt.where(or_(by_name, Subject.uscc == q.strip().upper()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(ListEntry.published_on.desc(), ListEntry.id.desc()).offset((page - 1) * size).limit(size)
    )
    return int(total), list(rows)


def for_subject(session: Session, subject_id: int) -> list[ListEntry]:
    stmt = select(ListEntry).where(ListEntry.subject_id == subject_id).order_by(ListEntry.id.desc())
    return list(session.scalars(stmt))


def queue(session: Session, actor: Actor) -> list[ListEntry]:
    """What waits for the actor: candidates to review, approved ones to notify, objections to decide."""
    stmt = select(ListEntry).where(ListEntry.status.in_(["candidate", "approved", "objected"]))
    if actor.role != "credit_centre":
        children = select(Organisation.id).where(Organisation.parent_id == actor.organisation_id)
        stmt = stmt.where(
            or_(ListEntry.deciding_org_id == actor.organisation_id, ListEntry.deciding_org_id.in_(children))
        )
    return list(session.scalars(stmt.order_by(ListEntry.id).limit(1000)))
