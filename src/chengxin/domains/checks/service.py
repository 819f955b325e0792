"""Checks (自动比对、自动拦截): for a scenario and up to 10,000 subjects given by USCC, RIC or name, the
matched subject, its lists and grade, and the measures that apply — with the related persons of a listed
enterprise. Identifiers match exactly; a name gets ranked candidates with scores and never intercepts.
Every check is logged; the organisation that ran it records whether each measure was applied.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl
from rapidfuzz import fuzz
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chengxin.domains.catalog.rules import RecordType
from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.checks import assemble, rules, standing
from chengxin.domains.checks import log as checklog
from chengxin.domains.checks.models import Check, MeasureFeedback
from chengxin.domains.checks.standing import Found
from chengxin.domains.subjects import fuzzy
from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric, validate_uscc
from chengxin.domains.subjects.names import normalise_name
from chengxin.domains.subjects.search import search_names
from chengxin.domains.subjects.service import ric_index, ric_indexer
from chengxin.domains.subjects.views import views_in_order
from chengxin.errors import InvalidInput, NotFound, PayloadTooLarge, UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.masking import mask_ric

NAME_CANDIDATES = 10
MAX_CANDIDATES = 50
MIN_FUZZY_SCORE = 60.0  # a name one typo (or a company form) away that shares less is not worth showing


def current_catalog(session: Session, types: Iterable[str] | None = None) -> rules.MeasuresCatalog:
    """The measures in force, checked against the record types in force (``types``: read already)."""
    try:
        return rules.load_catalog(known_types=types if types is not None else active_catalog(session).types)
    except rules.CatalogInvalid as exc:
        raise UnusableInput(
            f"the measures catalog is unusable: {exc}", code="measures_invalid", message_zh="奖惩措施清单有误"
        ) from exc


_USCC_SHAPE = re.compile(assemble.USCC_SHAPE)  # canonical shapes: the same as the column-wise path's
_RIC_SHAPE = re.compile(assemble.RIC_SHAPE)
Wanted = tuple[str, str, str] | dict[str, str]  # (way, key, the identifier as given) or an error


def _identify(item: Mapping[str, Any], cipher: PiiCipher) -> Wanted:
    """(way, key, code) for one requested subject, or an error. An identifier already in canonical shape is
    looked up as it is and checked in full only when no subject has it (``_refuse_unknown``): the codes
    in the register were checked when they were registered."""
    code = item.get("uscc")
    if len(item) == 1 and type(code) is str and _USCC_SHAPE.fullmatch(code):  # the usual case, first
        return "uscc", code, code
    given = [k for k in ("uscc", "ric", "name") if item.get(k)]
    if len(given) != 1:
        return {"code": "one_identifier", "detail": "give exactly one of uscc, ric, name"}
    way, value = given[0], str(item[given[0]])
    try:
        if way == "uscc":
            code = value.strip().upper()
            return way, code if _USCC_SHAPE.fullmatch(code) else validate_uscc(value).code, code
        if way == "ric":
            code = value.strip().upper()
            code = code if _RIC_SHAPE.fullmatch(code) else validate_ric(value)
            return way, ric_index(cipher, code), code
    except IdentifierError as exc:
        return {"code": exc.code, "detail": exc.detail}
    name = normalise_name(value)
    if not name:
        return {"code": "name_empty", "detail": "the name is empty"}
    return way, name, value


def _refuse_unknown(wanted: dict[int, Wanted], known: Collection[str]) -> None:
    """An identifier that matched nobody: an error when it is malformed after all (in place)."""
    for i, w in wanted.items():
        if isinstance(w, tuple) and w[0] != "name" and w[1] not in known:
            try:
                validate_uscc(w[2]) if w[0] == "uscc" else validate_ric(w[2])
            except IdentifierError as exc:
                wanted[i] = {"code": exc.code, "detail": exc.detail}


@dataclass(frozen=True, slots=True)
class _Standing:
    """A standing's measures as answered: shared by every subject in it (lists sorted once)."""

    hits: list[rules.Hit]
    measures: list[dict[str, Any]]
    codes: list[str]
    lists: list[str]
    decision: str


def _result(
    i: int,
    query: dict[str, Any],
    *,
    match: str = "none",
    candidates: list[dict[str, Any]] | None = None,
    decision: str = "pass",
    error: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A result without a matched subject."""
    return {
        "index": i,
        "query": query,
        "match": match,
        "subject": None,
        "candidates": candidates or [],
        "lists": [],
        "grade": None,
        "decision": decision,
        "measures": [],
        "related_persons": [],
        "error": error,
    }


class _Measures:
    """The measures that apply to a standing in the check's scenario, as answered — worked out once per
    distinct standing and shared by every subject in it."""

    def __init__(self, catalog: rules.MeasuresCatalog, scenario: str, type_names: dict[str, str]) -> None:
        self.catalog, self.scenario, self.type_names = catalog, scenario, type_names
        self.memo: dict[tuple[frozenset[str], str | None, frozenset[str], bool], _Standing] = {}

    def __call__(self, kinds: frozenset[str], grade: str | None, recs: frozenset[str], related: bool) -> _Standing:
        key = (kinds, grade, recs, related)
        if key not in self.memo:
            hits = rules.applicable(
                self.catalog,
                self.scenario,
                lists=kinds,
                grade=grade,
                record_types=recs,
                type_names=self.type_names,
                related=related,
            )
            measures = [h.as_dict() for h in hits]
            self.memo[key] = _Standing(
                hits, measures, [m["code"] for m in measures], sorted(kinds), rules.decision(hits)
            )
        return self.memo[key]


def _found_result(
    i: int, query: dict[str, Any], way: str, f: Found, measures: _Measures
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """(result, log outcome, measures returned) of a matched subject."""
    st = measures(f.lists, f.grade, f.records, False)
    related = []
    if f.kind == "legal" and f.legal_representative and f.lists & rules.REACHES_RELATED:
        hits = rules.as_related(measures(f.lists, None, f.records, True).hits, f.name)
        related = [{"name": f.legal_representative, "role": "法定代表人", "measures": [h.as_dict() for h in hits]}]
    result = {
        "index": i,
        "query": query,
        "match": way,
        "subject": {"id": f.id, "kind": f.kind, "name": f.shown, "uscc": f.uscc},
        "candidates": [],
        "lists": st.lists,
        "grade": f.grade,
        "decision": st.decision,
        "measures": st.measures,
        "related_persons": related,
        "error": None,
    }
    return result, {"i": i, "subject_id": f.id, "decision": st.decision, "measures": st.codes}, len(st.codes)


def _candidates(session: Session, name: str) -> list[dict[str, Any]]:
    """Ranked name candidates with a similarity score (0-100): the database's prefix and substring search,
    and the names one typo or company form away (``fuzzy``, kept when similar enough); the best ten, or all
    the equally best (``_best``). Legal persons only (a person's name alone identifies nobody)."""
    views = {v.id: v for v in search_names(session, query=name, include_natural=False, limit=NAME_CANDIDATES)}
    scores = {sid: fuzz.ratio(name, normalise_name(v.name)) for sid, v in views.items()}
    for sid, indexed in fuzzy.index_for(session).lookup(name, limit=4 * MAX_CANDIDATES):
        if sid not in scores and (score := fuzz.ratio(name, indexed)) >= MIN_FUZZY_SCORE:
            scores[sid] = score
    chosen = _best(scores)
    for v in views_in_order(session, [sid for sid in chosen if sid not in views]):
        views[v.id] = v
        scores[v.id] = fuzz.ratio(name, normalise_name(v.name))  # the name as it is now
    ranked = sorted((sid for sid in chosen if sid in views), key=lambda sid: (-scores[sid], sid))
    return [
        {"id": sid, "name": views[sid].name, "uscc": views[sid].uscc, "score": round(scores[sid], 1)} for sid in ranked
    ]


def _best(scores: Mapping[int, float]) -> list[int]:
    """The ``NAME_CANDIDATES`` best ids — or, when more than that share the best score, all of those (at
    most ``MAX_CANDIDATES``): equally close names are all shown, not cut at random."""
    ranked = sorted(scores, key=lambda sid: (-scores[sid], sid))
    top = sum(1 for sid in ranked if scores[sid] == scores[ranked[0]]) if ranked else 0
    return ranked[: max(NAME_CANDIDATES, min(top, MAX_CANDIDATES))]


def standing_index(session: Session, catalog: rules.MeasuresCatalog | None = None) -> standing.StandingIndex:
    """The standing index for the record types the measures in force name, up to date."""
    catalog = catalog or current_catalog(session)
    return standing.index_for(session, catalog.record_types)


def answer(
    session: Session,
    actor: Actor,
    *,
    scenario: str,
    items: Sequence[Mapping[str, Any]],
    cipher: PiiCipher,
    known: tuple[Mapping[str, RecordType], rules.MeasuresCatalog, standing.StandingIndex] | None = None,
) -> tuple[checklog.Entry, Callable[[], bytes]]:
    """The check's log entry still to be written, and what serialises its results as a JSON array — to call
    while the log commits (reads only): one by one for a small check, column-wise for a large one
    (``assemble``). ``known``: the record types and measures in force and the standing index, up to date
    (``lane``); read here otherwise."""
    if known is None:
        record_types = active_catalog(session).types  # read once per check
        catalog = current_catalog(session, record_types)
        index = None
    else:
        record_types, catalog, index = known
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
    named = sum(1 for item in items if item.get("name") and not item.get("uscc") and not item.get("ric"))
    if named > rules.MAX_NAMES:
        raise PayloadTooLarge(
            f"at most {rules.MAX_NAMES:,} subjects by name per check, got {named:,} (identifiers: up to "
            f"{rules.MAX_BATCH:,})",
            code="check_too_many_names",
        )
    index = index or standing_index(session, catalog)
    measures = _Measures(catalog, scenario, {code: t.name for code, t in record_types.items()})
    if len(items) < assemble.COLUMNAR_FROM:
        wanted = {i: _identify(item, cipher) for i, item in enumerate(items)}
        results, outcome, hits = _one_by_one(session, index, measures, items, wanted)
        entry = checklog.Entry(
            actor, scenario, len(items), hits, outcome, dict(Counter(o["decision"] for o in outcome))
        )
        return entry, lambda: orjson.dumps(results)
    fast, rest = assemble.identify(items, ric_indexer(cipher))
    done = assemble.assemble(index, fast, measures)
    again = {i: _identify(items[i], cipher) for i in rest}
    again.update((w.i, (w.way, w.key, w.code)) for w in (*done.one_by_one, *done.unfound))
    results, outcome, hits = _one_by_one(session, index, measures, items, again)
    logged, decisions = assemble.outcome([done.outcome, pl.DataFrame(outcome, schema=done.outcome.schema)])

    def body() -> bytes:
        return assemble.array([done.results(), assemble.encoded([(r["index"], orjson.dumps(r)) for r in results])])

    return checklog.Entry(actor, scenario, len(items), done.hits + hits, logged, decisions), body


def envelope(check_id: int, scenario: str, results: bytes) -> bytes:
    """The check's answer as sent: its id and scenario, and the results (a JSON array) as they are."""
    head = orjson.dumps({"check_id": check_id, "scenario": scenario})
    return head[:-1] + b',"results":' + results + b"}"


def _one_by_one(
    session: Session,
    index: standing.StandingIndex,
    measures: _Measures,
    items: Sequence[Mapping[str, Any]],
    wanted: dict[int, Wanted],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """(results, log outcomes, measures returned) of the items ``wanted`` (by index, identified), one by one."""
    by_key: dict[str, Found] = {}
    for way in ("uscc", "ric"):
        keys = list({w[1] for w in wanted.values() if isinstance(w, tuple) and w[0] == way})
        by_key.update((k, f) for k, f in zip(keys, index.lookup(way, keys), strict=True) if f is not None)
    _refuse_unknown(wanted, by_key.keys())
    names = {w[1]: _candidates(session, w[1]) for w in wanted.values() if isinstance(w, tuple) and w[0] == "name"}
    lists = index.lists_of({c["id"] for cands in names.values() for c in cands})
    results: list[dict[str, Any]] = []
    outcome: list[dict[str, Any]] = []
    hits = 0
    for i, w in sorted(wanted.items()):
        item = items[i]
        if isinstance(w, dict):
            query = {k: item[k] for k in ("uscc", "ric", "name") if item.get(k)}
            if "ric" in query:
                query["ric"] = mask_ric(str(query["ric"]))
            results.append(_result(i, query, error=w, decision="error"))
            outcome.append({"i": i, "subject_id": None, "decision": "error", "measures": []})
        elif w[0] == "name":
            # never an interception on a name alone: candidates, no measures
            cands = [c | {"lists": sorted(lists.get(c["id"], ()))} for c in names[w[1]]]
            results.append(_result(i, {"name": item["name"]}, match="name", candidates=cands))
            outcome.append({"i": i, "subject_id": None, "decision": "pass", "measures": []})
        else:
            query = {w[0]: mask_ric(str(item["ric"])) if w[0] == "ric" else item[w[0]]}
            f = by_key.get(w[1])
            if f is None:
                results.append(_result(i, query))
                outcome.append({"i": i, "subject_id": None, "decision": "pass", "measures": []})
            else:
                result, out, n = _found_result(i, query, w[0], f, measures)
                results.append(result)
                outcome.append(out)
                hits += n
    return results, outcome, hits


def run(
    session: Session, actor: Actor, *, scenario: str, items: Sequence[Mapping[str, Any]], cipher: PiiCipher
) -> tuple[Check, list[dict[str, Any]]]:
    """A check logged in the caller's transaction (the demo, tools); the API logs through ``checklog``."""
    entry, body = answer(session, actor, scenario=scenario, items=items, cipher=cipher)
    check = entry.row(decoded=True)
    session.add(check)
    session.flush()
    audit.record(session, actor, entry.event(check.id))
    return check, orjson.loads(body())


def feedback(session: Session, actor: Actor, check_id: int, entries: Sequence[Mapping[str, Any]]) -> int:
    """Record, per (item, measure) the check returned, whether it was applied and why not."""
    check = session.get(Check, check_id)
    if check is None or not sees(actor, check.organisation_id):
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


def sees(actor: Actor, organisation_id: int | None) -> bool:
    """Whether ``actor`` may see the checks (and their feedback) of an organisation: its own; the credit
    centre every organisation's (``None``: all of them)."""
    return actor.role == "credit_centre" or (organisation_id is not None and organisation_id == actor.organisation_id)


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


@dataclass(frozen=True)
class Pending:
    """A measure a check returned that its organisation has not yet said it applied or not."""

    check: Check
    item: int
    measure: str
    subject_id: int | None


def pending_feedback(session: Session, actor: Actor, *, checks: int = 200) -> list[Pending]:
    """The feedback queue (实施反馈): measures returned by the organisation's latest ``checks`` checks (the
    credit centre: everyone's) without feedback yet, newest first."""
    stmt = select(Check).where(Check.hits > 0).order_by(Check.id.desc()).limit(checks)
    if not sees(actor, None):
        stmt = stmt.where(Check.organisation_id == actor.organisation_id)
    recent = list(session.scalars(stmt))
    stmt2 = select(MeasureFeedback.check_id, MeasureFeedback.item, MeasureFeedback.measure).where(
        MeasureFeedback.check_id.in_([c.id for c in recent])
    )
    done = {(c, i, m) for c, i, m in session.execute(stmt2)}
    return [
        Pending(c, o["i"], code, o["subject_id"])
        for c in recent
        for o in c.outcome
        for code in o["measures"]
        if (c.id, o["i"], code) not in done
    ]
