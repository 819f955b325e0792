"""One subject's score, grade and explanation under a scoring model (pure functions).

The reference for the batch pipeline: ``pipeline.py`` must give every subject the same units and
grade as ``evaluate`` (a property test compares them). Units are 1/10,000 of a point (``rules.UNIT``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from chengxin.domains.evaluation.rules import TOP, UNIT, ScoringModel, age_months, band_points, decay_percent
from chengxin.domains.evaluation.rules import counts as rule_counts


@dataclass(frozen=True)
class RecordFact:
    record_id: int
    type_code: str
    type_name: str
    severity: str
    decided_on: date
    publicity_until: date | None  # the end of its use period; None: no end
    status: str
    scoring: bool  # the catalog marks the type as usable for evaluation
    repairable: bool = False  # the subject may apply to repair it (信用修复)


@dataclass(frozen=True)
class SubjectFacts:
    subject_id: int
    model_kind: str  # rules.APPLIES_TO
    verification_status: str
    records: Sequence[RecordFact] = ()
    rated: int = 0  # initial ratings of its shops' completed orders in the rating window
    rated_good: int = 0
    dsr_sum: int = 0  # detailed store ratings: sum of stars and how many were given
    dsr_count: int = 0


@dataclass(frozen=True)
class Contribution:
    indicator: str
    indicator_name: str
    dimension: str
    units: int  # in the dimension (before its weight)
    why: str
    record_id: int | None = None
    decay_percent: int | None = None
    severity_percent: int | None = None

    def points(self) -> float:
        return self.units / UNIT


@dataclass(frozen=True)
class DimensionScore:
    key: str
    name: str
    weight: int
    base_units: int
    raw_units: int  # base + contributions
    units: int  # kept within 0…TOP (the cap)

    @property
    def capped_units(self) -> int:
        return self.units - self.raw_units


@dataclass(frozen=True)
class WhatIf:
    record_id: int
    action: str  # repair | expiry
    on: date | None
    score_change: float
    why: str


@dataclass
class Evaluation:
    subject_id: int
    model: str  # key-vVERSION
    weighted_units: int  # Σ weight × dimension units
    weight_total: int
    grade: str
    grade_label: str
    on: date
    dimensions: list[DimensionScore]
    contributions: list[Contribution]
    what_if: list[WhatIf] = field(default_factory=list)

    @property
    def score(self) -> float:
        """0…100, exact to 1/10,000 of a point times the weight total's factors; shown rounded to 2."""
        return round(self.weighted_units / (self.weight_total * UNIT), 4)

    def effect(self, c: Contribution) -> float:
        """What one contribution moves the score by (its dimension's weight applied)."""
        return c.units * next(d.weight for d in self.dimensions if d.key == c.dimension) / (self.weight_total * UNIT)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id, "model_version": self.model, "score": self.score, "grade": self.grade,
            "grade_label": self.grade_label, "as_of": self.on.isoformat(),
            "dimensions": [
                {"key": d.key, "name": d.name, "weight": d.weight, "base": d.base_units / UNIT,
                 "points": d.units / UNIT, "capped": d.capped_units / UNIT,
                 "effect": round(d.weight * d.units / (self.weight_total * UNIT), 4)}
                for d in self.dimensions
            ],
            "contributions": [
                {"indicator": c.indicator, "indicator_name": c.indicator_name, "dimension": c.dimension,
                 "record_id": c.record_id, "points": c.points(), "effect": round(self.effect(c), 4), "why": c.why}
                for c in self.contributions
            ],
            "what_if": [
                {"record_id": w.record_id, "action": w.action, "on": w.on.isoformat() if w.on else None,
                 "score_change": w.score_change, "why": w.why}
                for w in self.what_if
            ],
        }  # fmt: skip


def counts(fact: RecordFact, on: date) -> bool:
    return rule_counts(scoring=fact.scoring, status=fact.status, decided_on=fact.decided_on,
                       publicity_until=fact.publicity_until, on=on)  # fmt: skip


def _contributions(model: ScoringModel, facts: SubjectFacts, on: date) -> list[Contribution]:
    out: list[Contribution] = []
    for ind in model.indicators:
        pts: int | None
        if ind.source == "identity":
            pts = ind.by_status.get(facts.verification_status, 0)
            if pts:
                why = f"实名核验状态为 {facts.verification_status}（{pts:+d} 分）"
                out.append(Contribution(ind.key, ind.name, ind.dimension, pts * UNIT, why))
        elif ind.source == "positive_rate":
            pts = band_points(ind, facts.rated_good, facts.rated, 10_000)  # rate in hundredths of a percent
            if pts:
                rate = 100 * facts.rated_good / facts.rated
                why = f"评价期内好评率 {rate:.2f}%（{facts.rated} 笔评价）：{pts:+d} 分"
                out.append(Contribution(ind.key, ind.name, ind.dimension, pts * UNIT, why))
        elif ind.source == "store_rating":
            pts = band_points(ind, facts.dsr_sum, facts.dsr_count, 100)  # stars in hundredths
            if pts:
                why = f"店铺评分均值 {facts.dsr_sum / facts.dsr_count:.2f}（{facts.dsr_count} 项）：{pts:+d} 分"
                out.append(Contribution(ind.key, ind.name, ind.dimension, pts * UNIT, why))
    for fact in facts.records:
        found = model.record_indicator(fact.type_code)
        if found is None or not counts(fact, on) or found.points == 0:
            continue
        ind = found
        sev = model.severity_percent.get(fact.severity, 100)
        months = age_months(fact.decided_on, on)
        dec = decay_percent(model, months)
        units = ind.points * sev * dec
        why = (f"{fact.type_name}（{fact.decided_on.isoformat()}，严重程度 {fact.severity} ×{sev}%，"
               f"已 {months} 个月 ×{dec}%）：{units / UNIT:+g} 分")  # fmt: skip
        out.append(Contribution(ind.key, ind.name, ind.dimension, units, why, fact.record_id, dec, sev))
    return out


def _score(model: ScoringModel, contributions: Sequence[Contribution]) -> tuple[list[DimensionScore], int]:
    dims = []
    weighted = 0
    for d in model.dimensions:
        raw = d.base * UNIT + sum(c.units for c in contributions if c.dimension == d.key)
        units = min(max(raw, 0), TOP * UNIT)
        dims.append(DimensionScore(d.key, d.name, d.weight, d.base * UNIT, raw, units))
        weighted += d.weight * units
    return dims, weighted


def evaluate(model: ScoringModel, facts: SubjectFacts, on: date, *, what_if: bool = True) -> Evaluation:
    """The subject's score and grade on ``on``, with every contribution and what would change it."""
    contributions = _contributions(model, facts, on)
    dims, weighted = _score(model, contributions)
    grade = model.grade_for(weighted)
    result = Evaluation(facts.subject_id, model.label, weighted, model.weight_total, grade.grade, grade.label, on,
                        dims, contributions)  # fmt: skip
    if what_if:
        result.what_if = _what_if(model, facts, on, result)
    return result


def _what_if(model: ScoringModel, facts: SubjectFacts, on: date, now: Evaluation) -> list[WhatIf]:
    """Each negative record that could be repaired, or that leaves the evaluation by itself: how much
    the score would rise without it (caps included)."""
    out = []
    for c in now.contributions:
        if c.record_id is None or c.units >= 0:
            continue
        fact = next(f for f in facts.records if f.record_id == c.record_id)
        others = replace(facts, records=[f for f in facts.records if f.record_id != c.record_id])
        _, weighted = _score(model, _contributions(model, others, on))
        change = round((weighted - now.weighted_units) / (model.weight_total * UNIT), 4)
        if change <= 0:
            continue
        if fact.repairable:
            out.append(
                WhatIf(
                    c.record_id, "repair", None, change, f"修复该条记录（{fact.type_name}）可使评分提高 {change:g} 分"
                )
            )
        if fact.publicity_until is not None:
            out.append(
                WhatIf(
                    c.record_id,
                    "expiry",
                    fact.publicity_until,
                    change,
                    f"该条记录于 {fact.publicity_until.isoformat()} 公示期满后不再计入，评分提高 {change:g} 分",
                )
            )
    return out
