"""Backtest of the evaluation (回测): grade distribution, the migration matrix between two dates, and
what a model change would do before it is activated (a what-if run on current data, nothing written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.db import Database, unit_of_work
from chengxin.domains.evaluation.models import GradeChange
from chengxin.domains.evaluation.rules import load_models
from chengxin.domains.evaluation.service import compute_all

NONE = "—"  # not evaluated (yet) on that date
GRADES = ("A", "B", "C", "D")


@dataclass
class Migration:
    before: str  # label of the "from" side: a date or a model version
    after: str
    rows: list[str]
    matrix: dict[str, dict[str, int]]  # from grade → to grade → subjects
    distribution_before: dict[str, int]
    distribution_after: dict[str, int]

    @property
    def moved(self) -> int:
        return sum(n for a, row in self.matrix.items() for b, n in row.items() if a != b)

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before, "after": self.after, "matrix": self.matrix, "moved": self.moved,
            "distribution_before": self.distribution_before, "distribution_after": self.distribution_after,
        }  # fmt: skip


def migration(before: pl.DataFrame, after: pl.DataFrame, *, labels: tuple[str, str]) -> Migration:
    """Subjects by (grade before, grade after); ``before``/``after`` have subject_id and grade columns."""
    joined = (
        before.select("subject_id", pl.col("grade").alias("g0"))
        .join(after.select("subject_id", pl.col("grade").alias("g1")), on="subject_id", how="full", coalesce=True)
        .with_columns(pl.col("g0").fill_null(NONE), pl.col("g1").fill_null(NONE))
    )
    grades = sorted({*joined["g0"], *joined["g1"]} - {NONE}) or list(GRADES)
    rows = [*grades, NONE] if NONE in {*joined["g0"], *joined["g1"]} else grades
    matrix = {a: dict.fromkeys(rows, 0) for a in rows}
    for a, b, n in joined.group_by("g0", "g1").len().iter_rows():
        matrix[a][b] = n
    dist0 = {g: sum(matrix[g].values()) for g in rows if g != NONE}
    dist1 = {g: sum(matrix[a][g] for a in rows) for g in rows if g != NONE}
    return Migration(labels[0], labels[1], rows, matrix, dist0, dist1)


def grades_on(session: Session, day: date) -> pl.DataFrame:
    """Each subject's grade as of ``day``: its last grade-history row dated on or before it."""
    last = (select(GradeChange.subject_id, func.max(GradeChange.id).label("id"))
            .where(GradeChange.as_of <= day).group_by(GradeChange.subject_id).subquery())  # fmt: skip
    rows = session.execute(select(GradeChange.subject_id, GradeChange.grade).join(last, last.c.id == GradeChange.id))
    return pl.DataFrame(list(rows), schema={"subject_id": pl.Int64, "grade": pl.String}, orient="row")


def between(db: Database, start: date, end: date) -> Migration:
    with unit_of_work(db, readonly=True) as session:
        return migration(grades_on(session, start), grades_on(session, end), labels=(str(start), str(end)))


def what_if(db: Database, candidate: Path, *, on: date, engine: str = "polars") -> Migration:
    """The current models and ``candidate`` on the same current data: who would move where."""
    load_models(candidate)  # checked before anything runs (ModelInvalid lists every problem)
    now = compute_all(db, engine=engine, on=on)
    then = compute_all(db, engine=engine, on=on, path=candidate)
    return migration(now, then, labels=(_versions(now), f"{candidate.name}: {_versions(then)}"))


def _versions(frame: pl.DataFrame) -> str:
    return ", ".join(sorted(set(frame["model_version"]))) or NONE
