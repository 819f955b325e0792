"""Checks (自动比对、自动拦截): for a scenario and up to 10,000 subjects given by USCC, RIC or name, the
matched subject, its lists and grade, and the measures that apply — with the related persons of a listed
enterprise. Identifiers match exactly; a name gets ranked candidates with scores and never intercepts.
Every check is logged; the organisation that ran it records whether each measure was applied.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.checks import rules
from chengxin.domains.checks.models import Check, MeasureFeedback
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import LIVE as RECORD_LIVE
from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric, validate_uscc
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.names import mask_person_name, normalise_name
from chengxin.domains.subjects.search import search_names
from chengxin.domains.subjects.service import ric_index
from chengxin.errors import InvalidInput, NotFound, PayloadTooLarge, UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher

CHUNK = 1_000
LIVE = sorted(str(s) for s in RECORD_LIVE)  # the records' statuses in force
NAME_CANDIDATES = 5


def current_catalog(session: Session, types: Iterable[str] | None = None) -> rules.MeasuresCatalog:
    """The measures in force, checked against the record types in force (``types``: read already)."""
    try:
        return rules.load_catalog(known_types=types if types is not None else active_catalog(session).types)
    except rules.CatalogInvalid as exc:
        raise UnusableInput(
            f"the measures catalog is unusable: {exc}", code="measures_invalid", message_zh="奖惩措施清单有误"
        ) from exc


@dataclass(frozen=True)
class Found:
    id: int
    kind: str
    name: str
    uscc: str | None
    legal_representative: str | None

    def public(self) -> dict[str, Any]:
        name = self.name if self.kind == "legal" else mask_person_name(self.name)
        return {"id": self.id, "kind": self.kind, "name": name, "uscc": self.uscc}


def _identify(item: Mapping[str, Any], cipher: PiiCipher) -> tuple[str, str] | dict[str, str]:
    """(way, key) for one requested subject, or an error."""
    given = [k for k in ("uscc", "ric", "name") if item.get(k)]
    if len(given) != 1:
        return {"code": "one_identifier", "detail": "give exactly one of uscc, ric, name"}
    way, value = given[0], str(item[given[0]])
    try:
        if way == "uscc":
            return way, validate_uscc(value).code
        if way == "ric":
            return way, ric_index(cipher, validate_ric(value))
    except IdentifierError as exc:
        return {"code": exc.code, "detail": exc.detail}
    name = normalise_name(value)
    if not name:
        return {"code": "name_empty", "detail": "the name is empty"}
    return way, name


def _subjects(session: Session, column: Any, keys: Sequence[str]) -> dict[str, Found]:
    out: dict[str, Found] = {}
    for i in range(0, len(keys), CHUNK):
        stmt = select(column, Subject.id, Subject.kind, Subject.name, Subject.uscc, Subject.legal_representative).where(
            column.in_(keys[i : i + CHUNK])
        )
        for key, *rest in session.execute(stmt):
            out[key] = Found(*rest)
    return out


def _standing(
    session: Session, ids: Sequence[int], types: set[str]
) -> tuple[dict[int, set[str]], dict[int, str], dict[int, set[str]]]:
    """Published lists, current grade and live record types (among ``types``) of each subject."""
    lists: dict[int, set[str]] = defaultdict(set)
    grades: dict[int, str] = {}
    records: dict[int, set[str]] = defaultdict(set)
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        stmt = select(ListEntry.subject_id, ListEntry.list_kind).where(
            ListEntry.subject_id.in_(part), ListEntry.status == "published"
        )
        for sid, kind in session.execute(stmt):
            lists[sid].add(kind)
        for sid, grade in session.execute(
            select(Evaluation.subject_id, Evaluation.grade).where(Evaluation.subject_id.in_(part))
        ):
            grades[sid] = grade
        if types:
            stmt2 = (
                select(CreditRecord.subject_id, CreditRecord.type_code)
                .where(
                    CreditRecord.subject_id.in_(part),
                    CreditRecord.is_current.is_(True),
                    CreditRecord.status.in_(LIVE),
                    CreditRecord.type_code.in_(sorted(types)),
                )
                .distinct()
            )
            for sid, t in session.execute(stmt2):
                records[sid].add(t)
    return lists, grades, records


def _candidates(session: Session, name: str) -> list[dict[str, Any]]:
    """Ranked name candidates with a similarity score (0-100); legal persons only (a person's name alone
    identifies nobody)."""
    views = search_names(session, query=name, include_natural=False, limit=NAME_CANDIDATES)
    out = []
    for v in views:
        score = round(fuzz.WRatio(name, normalise_name(v.name)), 1)
        out.append({"id": v.id, "name": v.name, "uscc": v.uscc, "score": score})
    return sorted(out, key=lambda c: -c["score"])


def run(
    session: Session, actor: Actor, *, scenario: str, items: Sequence[Mapping[str, Any]], cipher: PiiCipher
) -> tuple[Check, list[dict[str, Any]]]:
    record_types = active_catalog(session).types  # read once per check
    catalog = current_catalog(session, record_types)
    if scenario not in catalog.scenarios:
        raise InvalidInput(
            f"unknown scenario {scenario!r}; valid: {', '.join(catalog.scenarios)}",
            code="scenario_unknown",
            message_zh="业务场景无效",
            extra={"valid_scenarios": list(catalog.scenarios)},
        )
    if len(items) > rules.MAX_BATCH:
        raise PayloadTooLarge(
            f"at most {rules.MAX_BATCH:,} subjects per check, got {len(items):,}", code="check_too_large"
        )
    if not items:
        raise InvalidInput("no subjects to check", code="check_empty")
    wanted = [_identify(item, cipher) for item in items]
    by_uscc = _subjects(
        session, Subject.uscc, sorted({w[1] for w in wanted if isinstance(w, tuple) and w[0] == "uscc"})
    )
    by_ric = _subjects(
        session, Subject.ric_index, sorted({w[1] for w in wanted if isinstance(w, tuple) and w[0] == "ric"})
    )
    found_ids = sorted({f.id for f in (*by_uscc.values(), *by_ric.values())})
    types = {t for m in catalog.measures for t in m.record_types}
    lists, grades, records = _standing(session, found_ids, types)
    type_names = {code: t.name for code, t in record_types.items()}
    results: list[dict[str, Any]] = []
    outcome: list[dict[str, Any]] = []
    hits_total = 0
    for i, (item, w) in enumerate(zip(items, wanted, strict=True)):
        query = {k: item[k] for k in ("uscc", "ric", "name") if item.get(k)}
        if "ric" in query:
            query["ric"] = "*" * 14 + str(query["ric"])[-4:]  # never echo an identity number
        result: dict[str, Any] = {
            "index": i,
            "query": query,
            "match": "none",
            "subject": None,
            "candidates": [],
            "lists": [],
            "grade": None,
            "decision": "pass",
            "measures": [],
            "related_persons": [],
            "error": None,
        }
        if isinstance(w, dict):
            result["error"] = w
            result["decision"] = "error"
        elif w[0] == "name":
            result["match"] = "name"
            result["candidates"] = [
                c | {"lists": sorted(lists.get(c["id"], set()))} for c in _candidates(session, w[1])
            ]  # never an interception on a name alone: no measures
        else:
            f = (by_uscc if w[0] == "uscc" else by_ric).get(w[1])
            if f is not None:
                kinds, grade = lists.get(f.id, set()), grades.get(f.id)
                hits = rules.applicable(
                    catalog,
                    scenario,
                    lists=kinds,
                    grade=grade,
                    record_types=records.get(f.id, set()),
                    type_names=type_names,
                )
                result.update(
                    match=w[0],
                    subject=f.public(),
                    lists=sorted(kinds),
                    grade=grade,
                    decision=rules.decision(hits),
                    measures=[h.as_dict() for h in hits],
                )
                if f.kind == "legal" and f.legal_representative and kinds & {"black", "watch"}:
                    related = rules.applicable(
                        catalog,
                        scenario,
                        lists=kinds,
                        grade=None,
                        record_types=records.get(f.id, set()),
                        related_of=f.name,
                        type_names=type_names,
                    )
                    result["related_persons"] = [
                        {
                            "name": f.legal_representative,
                            "role": "法定代表人",
                            "measures": [h.as_dict() for h in related],
                        }
                    ]
                hits_total += len(hits)
        outcome.append(
            {
                "i": i,
                "subject_id": result["subject"]["id"] if result["subject"] else None,
                "decision": result["decision"],
                "measures": [m["code"] for m in result["measures"]],
            }
        )
        results.append(result)
    check = Check(
        scenario=scenario,
        actor=actor.label,
        organisation_id=actor.organisation_id,
        items=len(items),
        hits=hits_total,
        outcome=outcome,
    )
    session.add(check)
    session.flush()
    decisions = Counter(o["decision"] for o in outcome)
    audit.record(
        session,
        actor,
        audit.Event(
            "check.run",
            object_type="check",
            object_id=check.id,
            detail={"scenario": scenario, "items": len(items), "decisions": dict(decisions)},
        ),
    )
    return check, results


def feedback(session: Session, actor: Actor, check_id: int, entries: Sequence[Mapping[str, Any]]) -> int:
    """Record, per (item, measure) the check returned, whether it was applied and why not."""
    check = session.get(Check, check_id)
    if check is None or (actor.role != "credit_centre" and check.organisation_id != actor.organisation_id):
        raise NotFound(
            f"no check with id {check_id} of your organisation", code="check_not_found", message_zh="未找到该比对记录"
        )
    errors = []
    for n, e in enumerate(entries):
        i, code = e["index"], e["measure"]
        if not 0 <= i < len(check.outcome) or code not in check.outcome[i]["measures"]:
            errors.append(
                {
                    "entry": n,
                    "code": "measure_not_returned",
                    "detail": f"item {i} of check {check_id} did not return measure {code}",
                }
            )
        elif not e["applied"] and not e.get("reason"):
            errors.append({"entry": n, "code": "reason_required", "detail": "say why a measure was not applied"})
    if errors:
        raise InvalidInput(f"{len(errors)} feedback entries refused", code="feedback_invalid", errors=errors)
    stored = 0
    for e in entries:
        i, code = e["index"], e["measure"]
        row = session.scalar(
            select(MeasureFeedback).where(
                MeasureFeedback.check_id == check_id, MeasureFeedback.item == i, MeasureFeedback.measure == code
            )
        )
        if row is None:
            row = MeasureFeedback(
                check_id=check_id,
                item=i,
                measure=code,
                subject_id=check.outcome[i]["subject_id"],
                organisation_id=check.organisation_id,
                applied=e["applied"],
            )
            session.add(row)
        row.applied, row.reason = e["applied"], e.get("reason")
        stored += 1
    audit.record(
        session,
        actor,
        audit.Event("check.feedback", object_type="check", object_id=check_id, detail={"entries": stored}),
    )
    return stored


def statistics(session: Session) -> list[dict[str, Any]]:
    """Per organisation: checks run, subjects checked, measures returned, and the feedback on them."""
    out: dict[int | None, dict[str, Any]] = {}
    for org, n, items, hits in session.execute(
        select(Check.organisation_id, func.count(), func.sum(Check.items), func.sum(Check.hits)).group_by(
            Check.organisation_id
        )
    ):
        out[org] = {
            "organisation_id": org,
            "checks": n,
            "subjects": int(items or 0),
            "measures": int(hits or 0),
            "applied": 0,
            "not_applied": 0,
        }
    applied = func.sum(case((MeasureFeedback.applied.is_(True), 1), else_=0))
    stmt = select(MeasureFeedback.organisation_id, applied, func.count()).group_by(MeasureFeedback.organisation_id)
    for org, yes, total in session.execute(stmt):
        row = out.setdefault(org, {"organisation_id": org, "checks": 0, "subjects": 0, "measures": 0})
        row["applied"], row["not_applied"] = int(yes or 0), int(total) - int(yes or 0)
    for row in out.values():
        row["without_feedback"] = max(0, row["measures"] - row["applied"] - row["not_applied"])
        row["implementation_rate"] = round(row["applied"] / row["measures"], 4) if row["measures"] else None
    return sorted(out.values(), key=lambda r: (r["organisation_id"] is None, r["organisation_id"] or 0))
