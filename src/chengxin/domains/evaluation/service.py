"""Credit evaluation service: batch runs, one subject's prompt refresh, explanations, staleness.

A batch run computes every result first and writes them in one transaction, so a run that fails
midway leaves the previous results in place. A refresh (a record arrived, was repaired, expired or
withdrawn) recomputes one subject with the rules in the caller's transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from chengxin.analytics.engines import get_engine
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.catalog.rules import Catalog
from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.evaluation import facts
from chengxin.domains.evaluation.models import Evaluation, EvaluationState, GradeChange
from chengxin.domains.evaluation.pipeline import evaluate_frames
from chengxin.domains.evaluation.rules import DEFAULTS, ScoringModel, load_models
from chengxin.domains.evaluation.schemas import EvaluationOut, GradeChangeOut
from chengxin.domains.evaluation.scoring import Evaluation as Explained
from chengxin.domains.evaluation.scoring import evaluate
from chengxin.domains.ratings import rules as rating_rules
from chengxin.domains.records.models import CreditRecord
from chengxin.errors import NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor

WRITE_CHUNK = 10_000


def models_path() -> Path:
    """``CHENGXIN_EVALUATION_MODELS`` (a TOML model file) or the shipped defaults."""
    return Path(os.environ.get("CHENGXIN_EVALUATION_MODELS") or DEFAULTS)


def current_models(
    session: Session, path: Path | None = None, catalog: Catalog | None = None
) -> dict[str, ScoringModel]:
    """The models in force, checked against the catalog in force (``ModelInvalid`` if unusable)."""
    return load_models(path or models_path(), known_types=(catalog or active_catalog(session)).types)


def mark_stale(session: Session, subject_ids: Iterable[int], *, cause: str) -> int:
    """Mark the subjects' evaluations stale (already stale ones keep their first cause and time);
    returns how many were newly marked. For a few subjects (``changed``); a large change is found
    by ``behind`` from the records' times instead."""
    wanted = sorted(set(subject_ids))
    if not wanted:
        return 0
    now = utcnow()
    known = {
        s.subject_id: s for s in session.scalars(select(EvaluationState).where(EvaluationState.subject_id.in_(wanted)))
    }
    marked = 0
    for sid in wanted:
        state = known.get(sid)
        if state is None:
            session.add(EvaluationState(subject_id=sid, stale=True, stale_since=now, cause=cause, updated_at=now))
        elif not state.stale:
            state.stale, state.stale_since, state.cause, state.updated_at = True, now, cause, now
        else:
            continue
        marked += 1
    session.flush()
    return marked


def is_stale(session: Session, subject_id: int) -> bool:
    state = session.get(EvaluationState, subject_id)
    return state is not None and state.stale


# --- one subject -------------------------------------------------------------------------------


def explain(session: Session, subject_id: int, on: date, models: Mapping[str, ScoringModel] | None = None) -> Explained:
    """The subject's evaluation on ``on`` with every contribution and what would change it."""
    catalog = active_catalog(session)
    models = models or current_models(session, catalog=catalog)
    found = facts.subject_facts(session, subject_id, catalog, on, rating_rules.load_rules())
    if found is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该信用主体")
    return evaluate(models[found.model_kind], found, on)


def refresh(session: Session, subject_ids: Iterable[int], *, on: date, cause: str) -> list[Explained]:
    """Recompute the subjects' evaluations now (incremental refresh), keeping their grade history."""
    models = current_models(session)
    out = []
    for sid in sorted(set(subject_ids)):
        result = explain(session, sid, on, models)
        _store_one(session, result, cause=cause)
        out.append(result)
    return out


REFRESH_AT_ONCE = 50  # a change touching at most this many subjects refreshes them in its own transaction


def changed(session: Session, subject_ids: Iterable[int], *, cause: str, on: date) -> None:
    """A subject's file changed: a few subjects are re-evaluated now; a large change (a file import,
    the day's expiries) is left to ``refresh_stale``, which finds the subjects whose records changed
    after their evaluation — nothing is written per subject on an import's hot path."""
    wanted = sorted(set(subject_ids))
    if 0 < len(wanted) <= REFRESH_AT_ONCE:
        mark_stale(session, wanted, cause=cause)
        refresh(session, wanted, on=on, cause=cause)


def behind(session: Session, limit: int) -> list[tuple[int, str]]:
    """Subjects to re-evaluate, with the cause: those marked stale (oldest first), then those with a
    record created or changed after their last evaluation (or never evaluated)."""
    stmt = select(EvaluationState.subject_id, EvaluationState.cause).where(EvaluationState.stale.is_(True))
    out = [
        (sid, cause or "stale")
        for sid, cause in session.execute(stmt.order_by(EvaluationState.stale_since).limit(limit))
    ]
    if len(out) < limit:
        r, e = CreditRecord, Evaluation
        after = or_(e.subject_id.is_(None), r.created_at > e.evaluated_at, r.status_changed_at > e.evaluated_at)
        seen = {sid for sid, _ in out}
        found = session.scalars(select(r.subject_id).outerjoin(e, e.subject_id == r.subject_id).where(after)
                                .distinct().order_by(r.subject_id).limit(limit))  # fmt: skip
        out += [(sid, "record.changed") for sid in found if sid not in seen][: limit - len(out)]
    return out


def refresh_stale(session: Session, *, on: date, limit: int = 10_000) -> int:
    """Refresh the subjects ``behind`` says are behind (at most ``limit``); returns how many."""
    rows = behind(session, limit)
    models = current_models(session) if rows else {}
    for sid, cause in rows:
        _store_one(session, explain(session, sid, on, models), cause=cause)
    return len(rows)


def _store_one(session: Session, result: Explained, *, cause: str) -> None:
    now = utcnow()
    row = session.get(Evaluation, result.subject_id)
    previous = None if row is None else (row.grade, row.weighted_units, row.model_version)
    if row is None:
        row = Evaluation(subject_id=result.subject_id)
        session.add(row)
    row.model_version, row.weighted_units, row.score = result.model, result.weighted_units, result.score
    row.grade, row.as_of, row.evaluated_at, row.engine = result.grade, result.on, now, "rules"
    if previous != (result.grade, result.weighted_units, result.model):
        session.add(GradeChange(subject_id=result.subject_id, model_version=result.model, grade=result.grade,
                                score=result.score, previous_grade=previous[0] if previous else None,
                                as_of=result.on, cause=cause, recorded_at=now))  # fmt: skip
    state = session.get(EvaluationState, result.subject_id)
    if state is not None and state.stale:
        state.stale, state.refreshed_at, state.updated_at = False, now, now
    session.flush()


def stored(session: Session, subject_id: int) -> Evaluation | None:
    return session.get(Evaluation, subject_id)


def history(session: Session, subject_id: int, limit: int = 50) -> list[GradeChange]:
    stmt = select(GradeChange).where(GradeChange.subject_id == subject_id).order_by(GradeChange.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def evaluation_out(session: Session, actor: Actor, subject_id: int) -> EvaluationOut:
    """The subject's evaluation as of today with its explanation and history; the read is audited."""
    from chengxin.domains.subjects.service import legal_today

    result = explain(session, subject_id, legal_today())
    row = stored(session, subject_id)
    event = audit.Event("evaluation.read", subject_id=subject_id, object_type="evaluation", object_id=subject_id,
                        fields=["score", "grade", "explanation"])  # fmt: skip
    audit.record(session, actor, event)
    data = result.as_dict()
    hist = [GradeChangeOut(grade=h.grade, previous_grade=h.previous_grade, score=h.score, model_version=h.model_version,
                           as_of=h.as_of, cause=h.cause, recorded_at=h.recorded_at)
            for h in history(session, subject_id)]  # fmt: skip
    return EvaluationOut(**data, stored_grade=row.grade if row else None, stored_at=row.evaluated_at if row else None,
                         history=hist)  # fmt: skip


# --- every subject -----------------------------------------------------------------------------


@dataclass
class RunSummary:
    engine: str
    as_of: date
    subjects: int
    changed: int | None  # None: nothing stored (a run from files)
    grades: dict[str, int]
    model_versions: list[str]

    @classmethod
    def of(cls, results: pl.DataFrame, *, engine: str, on: date, changed: int | None = None) -> RunSummary:
        grades = dict(sorted(results.group_by("grade").len().iter_rows()))
        return cls(engine, on, results.height, changed, grades, sorted(set(results["model_version"])))

    def as_dict(self) -> dict[str, Any]:
        out = {"engine": self.engine, "as_of": self.as_of.isoformat(), "subjects": self.subjects,
               "changed": self.changed, "grades": self.grades, "model_versions": self.model_versions}  # fmt: skip
        return out if self.changed is not None else {k: v for k, v in out.items() if k != "changed"}


def compute_all(db: Database, *, engine: str, on: date, path: Path | None = None) -> pl.DataFrame:
    """Every subject's result (nothing written): read the facts, run the pipeline."""
    with unit_of_work(db, readonly=True) as session:
        models = current_models(session, path)
        subjects, records = facts.frames(session, active_catalog(session), on, rating_rules.load_rules())
    return evaluate_frames(get_engine(engine), subjects, records, models, on)


def run(
    db: Database, actor: Actor, *, engine: str, on: date, path: Path | None = None
) -> tuple[RunSummary, pl.DataFrame]:
    """Evaluate every subject and replace the stored results (see ``write_all``)."""
    started = utcnow()
    results = compute_all(db, engine=engine, on=on, path=path)
    return write_all(db, actor, results, engine=engine, on=on, started=started), results


def write_all(db: Database, actor: Actor, results: pl.DataFrame, *, engine: str, on: date,
              started: datetime) -> RunSummary:  # fmt: skip
    """Replace the stored results with ``results`` in one transaction (with its audit entry); a grade
    history row for each subject whose grade, score or model changed; evaluations marked stale
    before ``started`` are fresh again."""
    now = utcnow()
    with unit_of_work(db) as session:
        before = pl.DataFrame(
            session.execute(select(Evaluation.subject_id, Evaluation.grade, Evaluation.weighted_units,
                                   Evaluation.model_version)).all(),
            schema={"subject_id": pl.Int64, "old_grade": pl.String, "old_units": pl.Int64, "old_model": pl.String},
            orient="row",
        )  # fmt: skip
        joined = results.join(before, on="subject_id", how="left")
        changed = joined.filter(
            pl.col("old_grade").is_null() | (pl.col("old_grade") != pl.col("grade"))
            | (pl.col("old_units") != pl.col("weighted_units")) | (pl.col("old_model") != pl.col("model_version"))
        )  # fmt: skip
        session.execute(delete(Evaluation))
        columns = ["subject_id", "model_version", "weighted_units", "score", "grade"]
        rows = [
            {**r, "as_of": on, "evaluated_at": started, "engine": engine}
            for r in results.select(columns).iter_rows(named=True)
        ]
        for start in range(0, len(rows), WRITE_CHUNK):
            session.execute(insert(Evaluation), rows[start : start + WRITE_CHUNK])
        history = [{"subject_id": r["subject_id"], "model_version": r["model_version"], "grade": r["grade"],
                    "score": r["score"], "previous_grade": r["old_grade"], "as_of": on, "cause": "batch",
                    "recorded_at": now} for r in changed.iter_rows(named=True)]  # fmt: skip
        for start in range(0, len(history), WRITE_CHUNK):
            session.execute(insert(GradeChange), history[start : start + WRITE_CHUNK])
        session.execute(
            update(EvaluationState).where(EvaluationState.stale.is_(True), EvaluationState.stale_since < started)
            .values(stale=False, refreshed_at=now, updated_at=now)
        )  # fmt: skip
        summary = RunSummary.of(results, engine=engine, on=on, changed=changed.height)
        audit.record(session, actor, audit.Event("evaluation.batch", object_type="evaluation_run",
                                                 detail=summary.as_dict()))  # fmt: skip
    return summary
