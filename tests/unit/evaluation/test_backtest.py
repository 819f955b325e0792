"""The migration matrix: counts by (grade before, grade after), new and gone subjects under "—"."""

from __future__ import annotations

import polars as pl

from chengxin.domains.evaluation.backtest import NONE, migration


def frame(rows: list[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"subject_id": pl.Int64, "grade": pl.String}, orient="row")


def test_migration_matrix() -> None:
    before = frame([(1, "A"), (2, "A"), (3, "B"), (4, "C"), (5, "D")])
    after = frame([(1, "A"), (2, "B"), (3, "B"), (4, "B"), (6, "A")])
    m = migration(before, after, labels=("2026-10-01", "2026-11-01"))
    assert m.rows == ["A", "B", "C", "D", NONE]
    assert m.matrix["A"] == {"A": 1, "B": 1, "C": 0, "D": 0, NONE: 0}
    assert m.matrix["C"]["B"] == 1 and m.matrix["D"][NONE] == 1 and m.matrix[NONE]["A"] == 1
    assert m.moved == 4  # 2: A→B, 4: C→B, 5: gone, 6: new
    assert m.distribution_before == {"A": 2, "B": 1, "C": 1, "D": 1}
    assert m.distribution_after == {"A": 2, "B": 3, "C": 0, "D": 0}


def test_nothing_moved() -> None:
    same = frame([(1, "A"), (2, "C")])
    m = migration(same, same, labels=("x", "y"))
    assert (
        m.moved == 0
        and m.rows == ["A", "C"]
        and m.as_dict()["matrix"] == {"A": {"A": 1, "C": 0}, "C": {"A": 0, "C": 1}}
    )
