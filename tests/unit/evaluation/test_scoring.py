"""One subject's score: worked examples, explanations that add up, and the batch pipeline agreeing
with the rules on random subjects (Polars, DuckDB; Spark in its own test)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.analytics.engines import get_engine
from chengxin.domains.catalog.rules import default_catalog_source, parse_catalog
from chengxin.domains.evaluation.pipeline import evaluate_frames
from chengxin.domains.evaluation.rules import UNIT, load_models
from chengxin.domains.evaluation.scoring import RecordFact, SubjectFacts, age_months, evaluate

CATALOG = parse_catalog(default_catalog_source())
MODELS = load_models(known_types=set(CATALOG.types))
ON = date(2026, 11, 24)


def rec(rid: int, code: str, severity: str, decided: date, until: date | None = None, status: str = "active",
        scoring: bool = True, repairable: bool = False) -> RecordFact:  # fmt: skip
    return RecordFact(rid, code, CATALOG.types[code].name, severity, decided, until, status, scoring, repairable)


def test_a_worked_example() -> None:
    facts = SubjectFacts(1, "enterprise", "verified", [
        rec(10, "admin_penalty", "serious", date(2025, 9, 1), date(2027, 9, 1), repairable=True),
        rec(11, "commendation", "none", date(2026, 1, 1), date(2027, 1, 1)),
    ], rated=100, rated_good=98, dsr_sum=470, dsr_count=100)  # fmt: skip
    e = evaluate(MODELS["enterprise"], facts, ON)
    # penalty: −20 × 250 % × 60 % (14 months old) = −30 in administrative (weight 30) → −9
    # commendation: +20 in honours (base 60, weight 5) → +1; positive rate 98 %: +10 in transaction
    # (base 80, weight 15) → +1.5; store rating 4.70: band 4.5 → 0
    assert e.score == 100 - 9 + (60 + 20 - 100) * 5 / 100 + (80 + 10 - 100) * 15 / 100 == 88.5
    assert e.grade == "B"
    assert [(c.record_id, c.units / UNIT) for c in e.contributions] == [(None, 10), (10, -30), (11, 20)]
    assert [(w.action, w.score_change) for w in e.what_if] == [("repair", 9.0), ("expiry", 9.0)]


def test_records_that_do_not_count() -> None:
    m = MODELS["natural"]
    facts = SubjectFacts(2, "natural", "verified", [
        rec(1, "admin_penalty", "general", date(2026, 1, 1), date(2026, 11, 23)),  # use period over
        rec(2, "admin_penalty", "general", date(2026, 1, 1), status="repaired"),
        rec(3, "admin_penalty", "general", date(2026, 1, 1), status="revoked"),
        rec(4, "commitment_signed", "none", date(2026, 1, 1)),  # the catalog: not for scoring
        rec(5, "admin_penalty", "general", date(2026, 12, 1)),  # decided after the day evaluated
        rec(6, "admin_penalty", "general", date(2026, 1, 1), scoring=False),
    ])  # fmt: skip
    assert evaluate(m, facts, ON).contributions == []
    counted = SubjectFacts(2, "natural", "verified", [rec(7, "admin_penalty", "general", date(2026, 1, 1),
                                                          status="under_objection")])  # fmt: skip
    assert [c.record_id for c in evaluate(m, counted, ON).contributions] == [7]


def test_a_dimension_is_capped_and_the_explanation_says_so() -> None:
    records = [rec(i, "court_dishonest_debtor", "serious", date(2026, 6, 1)) for i in range(5)]
    e = evaluate(MODELS["enterprise"], SubjectFacts(3, "enterprise", "verified", records), ON)
    judicial = next(d for d in e.dimensions if d.key == "judicial")
    assert judicial.raw_units == (100 - 5 * 100) * UNIT and judicial.units == 0
    assert judicial.capped_units == 400 * UNIT
    assert e.score == 100 - 15 - (100 - 80) * 15 / 100 - (100 - 60) * 5 / 100 == 80.0  # judicial 0; bases
    assert e.grade == "B"
    assert e.what_if == []  # four others keep the dimension at 0: repairing one changes nothing


def test_age_in_whole_months() -> None:
    assert age_months(date(2026, 10, 24), ON) == 1
    assert age_months(date(2026, 10, 25), ON) == 0
    assert age_months(date(2025, 11, 24), ON) == 12
    assert age_months(date(2027, 1, 1), ON) == 0


# --- random subjects: the explanation adds up; the pipeline equals the rules ---------------------

CODES = sorted(CATALOG.types)
STATUSES = ["active", "under_objection", "repaired", "expired", "revoked"]
SEVERITIES = ["none", "minor", "general", "serious"]


@st.composite
def subjects(draw: st.DrawFn, n: int = 8) -> list[SubjectFacts]:
    out = []
    rid = 0
    for sid in range(1, draw(st.integers(1, n)) + 1):
        records = []
        for _ in range(draw(st.integers(0, 6))):
            rid += 1
            decided = ON - timedelta(days=draw(st.integers(-40, 5 * 365)))
            until = draw(st.one_of(st.none(), st.just(decided + timedelta(days=draw(st.integers(0, 4 * 365))))))
            code = draw(st.sampled_from(CODES))
            records.append(rec(rid, code, draw(st.sampled_from(SEVERITIES)), decided, until,
                               draw(st.sampled_from(STATUSES)), CATALOG.types[code].scoring))  # fmt: skip
        rated = draw(st.integers(0, 60))
        dsr_n = draw(st.integers(0, 60))
        out.append(SubjectFacts(
            sid, draw(st.sampled_from(["enterprise", "natural", "platform"])),
            draw(st.sampled_from(["verified", "unverified", "mismatch", "not_found"])), records, rated,
            draw(st.integers(0, rated)), draw(st.integers(dsr_n, 5 * dsr_n)), dsr_n,
        ))  # fmt: skip
    return out


def frames(batch: list[SubjectFacts]) -> tuple[pl.DataFrame, pl.DataFrame]:
    subj = pl.DataFrame([{"subject_id": f.subject_id, "model_kind": f.model_kind, "verification_status":
                          f.verification_status, "rated": f.rated, "rated_good": f.rated_good, "dsr_sum": f.dsr_sum,
                          "dsr_count": f.dsr_count} for f in batch])  # fmt: skip
    recs = pl.DataFrame(
        [{"subject_id": f.subject_id, "record_id": r.record_id, "type_code": r.type_code, "severity": r.severity,
          "decided_on": r.decided_on, "publicity_until": r.publicity_until, "status": r.status, "scoring": r.scoring}
         for f in batch for r in f.records],
        schema={"subject_id": pl.Int64, "record_id": pl.Int64, "type_code": pl.String, "severity": pl.String,
                "decided_on": pl.Date, "publicity_until": pl.Date, "status": pl.String, "scoring": pl.Boolean},
    )  # fmt: skip
    return subj, recs


def expected(batch: list[SubjectFacts]) -> list[tuple[int, int, str]]:
    return [(f.subject_id, (e := evaluate(MODELS[f.model_kind], f, ON, what_if=False)).weighted_units, e.grade)
            for f in batch]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(subjects())
def test_the_explanation_adds_up_to_the_score(batch: list[SubjectFacts]) -> None:
    for f in batch:
        m = MODELS[f.model_kind]
        e = evaluate(m, f, ON)
        for d in e.dimensions:
            mine = sum(c.units for c in e.contributions if c.dimension == d.key)
            assert d.raw_units == d.base_units + mine and 0 <= d.units <= 100 * UNIT
            assert d.units == d.raw_units + d.capped_units
        assert e.weighted_units == sum(d.weight * d.units for d in e.dimensions)
        total = sum(d.weight * (d.base_units + d.capped_units) for d in e.dimensions)
        total += sum(c.units * m.dimension(c.dimension).weight for c in e.contributions)
        assert total == e.weighted_units
        assert e.score == pytest.approx(e.weighted_units / (m.weight_total * UNIT))
        assert m.grades[[g.grade for g in m.grades].index(e.grade)].min <= e.score


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
@settings(max_examples=40, deadline=None)
@given(batch=subjects())
def test_the_pipeline_equals_the_rules(engine: str, batch: list[SubjectFacts]) -> None:
    subj, recs = frames(batch)
    out = evaluate_frames(get_engine(engine), subj, recs, MODELS, ON)
    assert list(zip(out["subject_id"], out["weighted_units"], out["grade"], strict=True)) == expected(batch)
    assert out["model_version"].to_list() == [MODELS[f.model_kind].label for f in batch]
