"""Credit evaluation rules (信用评价): the scoring model as configuration, and one subject's score.

A model (``defaults.toml``, or a file an operator gives) declares weighted dimensions, indicators
that turn a subject's facts into points in a dimension, severity multipliers, time decay and grade
thresholds. ``parse_models`` checks a model file completely before anything uses it; ``evaluate``
scores one subject and says why (PIPL §24: automated decisions are explainable).

All arithmetic is in integers — *units* of 1/10,000 of a point: points × severity % × decay % —
so that the batch pipeline (``pipeline.py``, on any analytics engine) and this module agree exactly.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from chengxin.domains.records.rules import LIVE
from chengxin.errors import ProblemsFound

UNIT = 10_000  # units per point (points × percent × percent)
TOP = 100  # scores and dimension scores run from 0 to TOP points
SOURCES = ("records", "identity", "positive_rate", "store_rating")
APPLIES_TO = ("enterprise", "natural", "platform")
SEVERITIES = ("none", "minor", "general", "serious")
LIVE_STATUSES = sorted(str(s) for s in LIVE)  # records in force (active, under objection) count
PLATFORM_ROLES = frozenset({"platform_operator", "logistics_company"})
DEFAULTS = Path(__file__).with_name("defaults.toml")


class ModelInvalid(ProblemsFound):
    """A model file that cannot be used; ``problems`` lists every problem found, exactly."""


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    weight: int
    base: int  # the dimension's score before any indicator (0…TOP)


@dataclass(frozen=True)
class Band:
    at_least: int  # hundredths: of a percent (positive rate) or of a star (store rating)
    points: int


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    dimension: str
    source: str
    points: int = 0  # records: per record, before severity and decay
    record_types: tuple[str, ...] = ()
    by_status: Mapping[str, int] = field(default_factory=dict)  # identity
    bands: tuple[Band, ...] = ()  # positive_rate, store_rating: highest first
    min_count: int = 0


@dataclass(frozen=True)
class Grade:
    grade: str
    label: str
    min: int  # points, inclusive
    max: int  # points, exclusive (inclusive for the top grade)


@dataclass(frozen=True)
class ScoringModel:
    key: str
    version: int
    name: str
    applies_to: str
    weight_total: int
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    severity_percent: Mapping[str, int]
    decay: tuple[tuple[int, int], ...]  # (within_months, percent), ascending
    decay_beyond_percent: int
    grades: tuple[Grade, ...]  # highest first

    @property
    def label(self) -> str:
        return f"{self.key}-v{self.version}"

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)

    def record_indicator(self, type_code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.source == "records" and type_code in i.record_types), None)

    def grade_for(self, weighted_units: int) -> Grade:
        """The grade of a score given as Σ weight × dimension units (exact integer comparison)."""
        for g in self.grades:
            if weighted_units >= g.min * UNIT * self.weight_total:
                return g
        return self.grades[-1]


# --- reading and checking a model file -----------------------------------------------------------


def _hundredths(value: Any) -> int | None:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    scaled = d * 100
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _int(raw: Mapping[str, Any], name: str, where: str, problems: list[str], *, default: int | None = None) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: {name} must be a whole number, not {value!r}")
        return 0
    return value


def _one_model(raw: Mapping[str, Any], known_types: set[str] | None, problems: list[str]) -> ScoringModel | None:
    key = str(raw.get("key", ""))
    where = f"model {key or '?'}"
    start = len(problems)
    applies_to = str(raw.get("applies_to", ""))
    if applies_to not in APPLIES_TO:
        problems.append(f"{where}: applies_to must be one of {', '.join(APPLIES_TO)}, not {applies_to!r}")
    version = _int(raw, "version", where, problems)
    weight_total = _int(raw, "weight_total", where, problems)
    dims = []
    for d in raw.get("dimensions", []):
        dw = f"{where} dimension {d.get('key', '?')}"
        weight, base = _int(d, "weight", dw, problems), _int(d, "base", dw, problems)
        if weight <= 0:
            problems.append(f"{dw}: weight must be positive, not {weight}")
        if not 0 <= base <= TOP:
            problems.append(f"{dw}: base must be within 0…{TOP}, not {base}")
        dims.append(Dimension(str(d.get("key", "")), str(d.get("name", "")), weight, base))
    if not dims:
        problems.append(f"{where}: no dimensions")
    keys = [d.key for d in dims]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"{where}: dimension {k} declared twice")
    total = sum(d.weight for d in dims)
    if dims and total != weight_total:
        problems.append(
            f"{where}: the dimensions' weights sum to {total}, not the declared weight_total {weight_total}"
        )
    severity = raw.get("severity_percent", {})
    missing = [s for s in SEVERITIES if not isinstance(severity.get(s), int) or severity.get(s) < 0]
    if missing:
        problems.append(f"{where}: severity_percent needs a non-negative whole percent for {', '.join(missing)}")
    unknown_sev = sorted(set(severity) - set(SEVERITIES))
    if unknown_sev:
        problems.append(f"{where}: unknown severities in severity_percent: {', '.join(unknown_sev)}")
    decay = [
        (_int(b, "within_months", where, problems), _int(b, "percent", where, problems)) for b in raw.get("decay", [])
    ]
    if [m for m, _ in decay] != sorted({m for m, _ in decay}) or any(m <= 0 for m, _ in decay):
        problems.append(f"{where}: decay bands must have increasing positive within_months")
    beyond = _int(raw, "decay_beyond_percent", where, problems, default=0)
    indicators = [_indicator(i, where, set(keys), known_types, problems) for i in raw.get("indicators", [])]
    ikeys = [i.key for i in indicators]
    for k in sorted({k for k in ikeys if ikeys.count(k) > 1}):
        problems.append(f"{where}: indicator {k} declared twice")
    types = [t for i in indicators for t in i.record_types]
    for t in sorted({t for t in types if types.count(t) > 1}):
        problems.append(f"{where}: record type {t} feeds more than one indicator")
    grades = _grades(raw.get("grades", []), where, problems)
    if len(problems) > start:
        return None
    return ScoringModel(
        key=key, version=version, name=str(raw.get("name", key)), applies_to=applies_to, weight_total=weight_total,
        dimensions=tuple(dims), indicators=tuple(indicators), severity_percent=dict(severity), decay=tuple(decay),
        decay_beyond_percent=beyond, grades=grades,
    )  # fmt: skip


def _indicator(
    raw: Mapping[str, Any], where: str, dims: set[str], known_types: set[str] | None, problems: list[str]
) -> Indicator:
    iw = f"{where} indicator {raw.get('key', '?')}"
    source = str(raw.get("source", ""))
    if source not in SOURCES:
        problems.append(f"{iw}: unknown source {source!r} (known: {', '.join(SOURCES)})")
    dimension = str(raw.get("dimension", ""))
    if dimension not in dims:
        problems.append(f"{iw}: dimension {dimension!r} is not declared")
    record_types = tuple(str(t) for t in raw.get("record_types", []))
    if source == "records":
        if not record_types:
            problems.append(f"{iw}: a records indicator needs record_types")
        if known_types is not None:
            for t in record_types:
                if t not in known_types:
                    problems.append(f"{iw}: record type {t!r} is not in the information catalog")
    bands = []
    for b in raw.get("bands", []):
        at_least = _hundredths(b.get("at_least"))
        if at_least is None or at_least < 0:
            problems.append(
                f"{iw}: band threshold {b.get('at_least')!r} must be a number ≥ 0 with at most two decimals"
            )
        bands.append(Band(at_least or 0, _int(b, "points", iw, problems)))
    if source in ("positive_rate", "store_rating"):
        if not bands:
            problems.append(f"{iw}: needs bands")
        elif [b.at_least for b in bands] != sorted({b.at_least for b in bands}, reverse=True):
            problems.append(f"{iw}: bands must be listed from the highest threshold down, each once")
    by_status = {str(k): v for k, v in raw.get("by_status", {}).items()}
    if any(isinstance(v, bool) or not isinstance(v, int) for v in by_status.values()):
        problems.append(f"{iw}: by_status points must be whole numbers")
    return Indicator(
        key=str(raw.get("key", "")), name=str(raw.get("name", "")), dimension=dimension, source=source,
        points=_int(raw, "points", iw, problems, default=0), record_types=record_types, by_status=by_status,
        bands=tuple(bands), min_count=_int(raw, "min_count", iw, problems, default=0),
    )  # fmt: skip


def _grades(raw: Iterable[Mapping[str, Any]], where: str, problems: list[str]) -> tuple[Grade, ...]:
    grades = [
        Grade(str(g.get("grade", "")), str(g.get("label", "")), _int(g, "min", where, problems),
              _int(g, "max", where, problems))
        for g in raw
    ]  # fmt: skip
    if not grades:
        problems.append(f"{where}: no grades")
        return ()
    ordered = sorted(grades, key=lambda g: (g.min, g.max))
    for g in ordered:
        if g.min >= g.max:
            problems.append(f"{where}: grade {g.grade} runs from {g.min} to {g.max}, an empty range")
    for low, high in zip(ordered, ordered[1:], strict=False):
        if high.min < low.max:
            problems.append(f"{where}: grades {low.grade} [{low.min}, {low.max}) and {high.grade} "
                            f"[{high.min}, {high.max}) overlap")  # fmt: skip
        elif high.min > low.max:
            problems.append(f"{where}: no grade covers scores from {low.max} to {high.min}")
    if ordered[0].min != 0 or ordered[-1].max != TOP:
        problems.append(f"{where}: the grades must cover 0…{TOP}, not {ordered[0].min}…{ordered[-1].max}")
    return tuple(reversed(ordered))


def parse_models(raw: Mapping[str, Any], *, known_types: set[str] | None = None) -> dict[str, ScoringModel]:
    """The models of a model file (parsed TOML), keyed by ``applies_to``; ``ModelInvalid`` with every
    problem when any is unusable. ``known_types``: the catalog's record type codes, when known."""
    problems: list[str] = []
    models = [_one_model(m, known_types, problems) for m in raw.get("models", [])]
    if not models and not problems:
        problems.append("the file declares no [[models]]")
    by_kind: dict[str, ScoringModel] = {}
    for m in models:
        if m is None:
            continue
        if m.applies_to in by_kind:
            problems.append(f"two models apply to {m.applies_to}: {by_kind[m.applies_to].key} and {m.key}")
        by_kind[m.applies_to] = m
    missing = [k for k in APPLIES_TO if k not in by_kind]
    if missing and not problems:
        problems.append(f"no model applies to {', '.join(missing)}")
    if problems:
        raise ModelInvalid(problems)
    return by_kind


def load_models(path: Path = DEFAULTS, *, known_types: Iterable[str] | None = None) -> dict[str, ScoringModel]:
    """The models of a file, checked; read and parsed once per file version and catalog (every
    refresh and explanation asks)."""
    known = None if known_types is None else frozenset(known_types)
    return dict(_load(str(path), path.stat().st_mtime_ns, known))


@cache
def _load(path: str, _mtime_ns: int, known: frozenset[str] | None) -> dict[str, ScoringModel]:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ModelInvalid([f"{Path(path).name}: not valid TOML: {exc}"]) from exc
    return parse_models(raw, known_types=None if known is None else set(known))


# --- what counts, and how much (the scoring rules) ------------------------------------------------


def counts(*, scoring: bool, status: str, decided_on: date, publicity_until: date | None, on: date) -> bool:
    """A record counts while it is in force, the catalog marks its type as usable for evaluation,
    and its use period has not ended."""
    return scoring and status in LIVE and decided_on <= on and (publicity_until is None or publicity_until >= on)


def age_months(decided_on: date, on: date) -> int:
    """Whole months from the decision to ``on`` (0 for a decision this month or later)."""
    months = (
        (on.year * 12 + on.month) - (decided_on.year * 12 + decided_on.month) - (1 if on.day < decided_on.day else 0)
    )
    return max(months, 0)


def decay_percent(model: ScoringModel, months: int) -> int:
    for within, percent in model.decay:
        if months < within:
            return percent
    return model.decay_beyond_percent


def band_points(ind: Indicator, numerator: int, denominator: int, scale: int) -> int | None:
    """First band whose threshold the ratio reaches (exactly: numerator × scale ≥ at_least × denominator);
    None below the indicator's minimum count."""
    if denominator <= 0 or denominator < ind.min_count:
        return None
    for band in ind.bands:
        if numerator * scale >= band.at_least * denominator:
            return band.points
    return None


def model_kind(subject_kind: str, roles: Iterable[str]) -> str:
    """Which model scores a subject: persons, platforms and logistics companies, other enterprises."""
    if subject_kind == "natural":
        return "natural"
    return "platform" if PLATFORM_ROLES & set(roles) else "enterprise"
