"""What evaluation reads from the database: subjects, their current credit records, their shops'
ratings — as Polars frames for the batch pipeline, or as ``SubjectFacts`` for one subject.

Only current versions of records are read; whether one counts (status, use period, the catalog's
``scoring`` flag) is decided by the rules, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from chengxin.domains.catalog.rules import Catalog
from chengxin.domains.evaluation.pipeline import RECORD_SCHEMA, SUBJECT_SCHEMA
from chengxin.domains.evaluation.rules import model_kind
from chengxin.domains.evaluation.scoring import RecordFact, SubjectFacts
from chengxin.domains.market.models import MarketAccount, Order
from chengxin.domains.ratings import rules as rating_rules
from chengxin.domains.ratings.models import Rating
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.subjects.models import Subject, SubjectRole

CHUNK = 5_000  # subject ids per IN list


def _chunks(ids: Sequence[int] | None) -> Iterable[Sequence[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def subject_rows(session: Session, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """subject_id, model_kind, verification_status of ``ids`` (all subjects when None)."""
    out: list[dict[str, Any]] = []
    for part in _chunks(ids):
        stmt = select(Subject.id, Subject.kind, Subject.verification_status).order_by(Subject.id)
        roles_stmt = select(SubjectRole.subject_id, SubjectRole.role)
        if part is not None:
            stmt, roles_stmt = stmt.where(Subject.id.in_(part)), roles_stmt.where(SubjectRole.subject_id.in_(part))
        roles: dict[int, list[str]] = {}
        for sid, role in session.execute(roles_stmt):
            roles.setdefault(sid, []).append(role)
        for sid, kind, status in session.execute(stmt):
            out.append({"subject_id": sid, "model_kind": model_kind(kind, roles.get(sid, [])),
                        "verification_status": status})  # fmt: skip
    return out


def record_rows(session: Session, catalog: Catalog, on: date, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The subjects' current records with the catalog's ``scoring`` flag and whether each may be repaired."""
    r = CreditRecord
    cols = (r.subject_id, r.id, r.type_code, r.severity, r.decided_on, r.publicity_until, r.status, r.polarity,
            r.repairable_from)  # fmt: skip
    out: list[dict[str, Any]] = []
    for part in _chunks(ids):
        stmt = select(*cols).where(r.is_current.is_(True)).order_by(r.subject_id, r.id)
        if part is not None:
            stmt = stmt.where(r.subject_id.in_(part))
        for sid, rid, code, sev, decided, until, status, polarity, repairable_from in session.execute(stmt):
            rtype = catalog.types.get(code)
            out.append({
                "subject_id": sid, "record_id": rid, "type_code": code, "type_name": rtype.name if rtype else code,
                "severity": sev, "decided_on": decided, "publicity_until": until, "status": status,
                "scoring": bool(rtype and rtype.scoring),
                "repairable": polarity == "negative" and status == "active" and repairable_from is not None
                and repairable_from <= on,
            })  # fmt: skip
    return out


def trade_rows(
    session: Session, on: date, policy: rating_rules.RatingRules, ids: Sequence[int] | None = None
) -> dict[int, dict[str, int]]:
    """Per subject, over its seller accounts: initial buyer ratings of completed, scored orders in the
    rating window (rated, rated_good) and the detailed store ratings given (dsr_sum, dsr_count)."""
    a, rt, o = MarketAccount.__table__, Rating.__table__, Order.__table__
    start, end = rating_rules.window_start(on, policy), rating_rules.end_of_day(on)

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    cols = [n(rt.c.score.is_not(None)), n(rt.c.score == "good")]
    stars = [func.coalesce(func.sum(rt.c[f]), 0) for f in rating_rules.DSR_FIELDS]
    given = [n(rt.c[f].is_not(None)) for f in rating_rules.DSR_FIELDS]
    dsr_sum, dsr_n = stars[0] + stars[1] + stars[2], given[0] + given[1] + given[2]
    out: dict[int, dict[str, int]] = {}
    for part in _chunks(ids):
        where = [a.c.subject_id.is_not(None), a.c.role == "seller"]
        if part is not None:
            where.append(a.c.subject_id.in_(part))
        stmt = (
            select(a.c.subject_id, *cols, dsr_sum, dsr_n)
            .select_from(a.join(rt, rt.c.ratee_account_id == a.c.account_id).join(o, o.c.order_id == rt.c.order_id))
            .where(*where, rt.c.direction == "buyer_to_seller", rt.c.is_current.is_(True), rt.c.kind == "initial",
                   o.c.status == "completed", o.c.amount_fen >= policy.min_scored_amount_fen,
                   rt.c.created_at >= start, rt.c.created_at < end)
            .group_by(a.c.subject_id)
        )  # fmt: skip
        for row in session.execute(stmt):
            sid, rated, good, s, k = tuple(row)
            out[sid] = {"rated": int(rated), "rated_good": int(good), "dsr_sum": int(s), "dsr_count": int(k)}
    return out


NO_TRADE = {"rated": 0, "rated_good": 0, "dsr_sum": 0, "dsr_count": 0}


def frames(
    session: Session, catalog: Catalog, on: date, policy: rating_rules.RatingRules, ids: Sequence[int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(subjects, records) frames in the pipeline's input schemas."""
    trade = trade_rows(session, on, policy, ids)
    subjects = [{**s, **trade.get(s["subject_id"], NO_TRADE)} for s in subject_rows(session, ids)]
    records = record_rows(session, catalog, on, ids)
    return (
        pl.DataFrame(subjects, schema=SUBJECT_SCHEMA),
        pl.DataFrame(records, schema={**RECORD_SCHEMA, "type_name": pl.String, "repairable": pl.Boolean}),
    )


def subject_facts(
    session: Session, subject_id: int, catalog: Catalog, on: date, policy: rating_rules.RatingRules
) -> SubjectFacts | None:
    rows = subject_rows(session, [subject_id])
    if not rows:
        return None
    s = rows[0]
    trade = trade_rows(session, on, policy, [subject_id]).get(subject_id, NO_TRADE)
    records = [
        RecordFact(r["record_id"], r["type_code"], r["type_name"], r["severity"], r["decided_on"],
                   r["publicity_until"], r["status"], r["scoring"], r["repairable"])
        for r in record_rows(session, catalog, on, [subject_id])
    ]  # fmt: skip
    return SubjectFacts(subject_id, s["model_kind"], s["verification_status"], records, **trade)
