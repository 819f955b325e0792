"""Assessment rules (信用状况评估) as pure functions: the assessment models read from configuration,
assessment periods, a complaint row's validation, and the scoring of one subject's measures.

A model starts from ``base`` points; each indicator turns one measure of the period into points —
``points_per_unit`` × the measure within ``cap``, or a ``by_value`` table — and the score's grade is the
first whose ``min`` it reaches. Every indicator's line says what was measured and why it cost points.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from chengxin.domains.subjects.identifiers import IdentifierError, validate_uscc
from chengxin.errors import ProblemsFound

DEFAULTS = Path(__file__).with_name("defaults.toml")
KINDS = ("platform", "logistics")
MEASURES: dict[str, frozenset[str]] = {
    "platform": frozenset(
        {
            "poor_merchant_percent",
            "complaints_per_10k",
            "late_response_percent",
            "notices_missed",
            "warnings",
            "own_grade",
        }
    ),
    "logistics": frozenset(
        {
            "late_delivery_percent",
            "poor_rating_percent",
            "complaints_per_10k",
            "late_response_percent",
            "notices_missed",
            "warnings",
            "own_grade",
        }
    ),
}
CHANNELS = ("12315", "12345", "platform", "other")
OUTCOMES = ("pending", "upheld", "not_upheld", "mediated", "withdrawn")
NOTICE_KINDS = {
    "rectification": "责令整改通知",
    "takedown": "处置（下架、关停）通知",
    "assistance": "协查通知",
    "warning": "警示约谈",
}
BEIJING = timezone(timedelta(hours=8))


class RulesInvalid(ProblemsFound):
    """An assessment rules file with problems; ``problems`` lists every one of them."""


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    measure: str
    unit: str = ""
    points_per_unit: float | None = None
    cap: float | None = None
    by_value: Mapping[str, float] | None = None


@dataclass(frozen=True)
class AssessmentModel:
    key: str  # platform | logistics
    version: int
    name: str
    base: float
    indicators: tuple[Indicator, ...]
    grades: tuple[tuple[str, str, float], ...]  # (grade, label, min), highest min first

    @property
    def label(self) -> str:
        return f"{self.key}-v{self.version}"

    def grade_for(self, score: float) -> tuple[str, str]:
        for grade, label, low in self.grades:
            if score >= low:
                return grade, label
        grade, label, _ = self.grades[-1]
        return grade, label


@dataclass(frozen=True)
class Handling:
    response_limit_hours: int
    delivery_limit_hours_same_city: int
    delivery_limit_hours: int
    poor_logistics_rating: int


@dataclass(frozen=True)
class AssessmentRules:
    handling: Handling
    models: Mapping[str, AssessmentModel]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _indicator(raw: Mapping[str, Any], kind: str, where: str, problems: list[str]) -> Indicator | None:
    key, measure = raw.get("key"), raw.get("measure")
    if not isinstance(key, str) or not key:
        problems.append(f"{where}: an indicator needs a key")
        return None
    where = f"{where} indicator {key}"
    if measure not in MEASURES[kind]:
        problems.append(f"{where}: unknown measure {measure!r} (known: {', '.join(sorted(MEASURES[kind]))})")
        return None
    per, cap, by_value = raw.get("points_per_unit"), raw.get("cap"), raw.get("by_value")
    if (per is None) == (by_value is None):
        problems.append(f"{where}: give either points_per_unit or by_value")
        return None
    if per is not None and not _number(per):
        problems.append(f"{where}: points_per_unit must be a number")
    if cap is not None and (not _number(cap) or per is None or (cap > 0) != (per > 0)):
        problems.append(f"{where}: cap must be a number of the same sign as points_per_unit")
    if by_value is not None and (not isinstance(by_value, dict) or not all(_number(v) for v in by_value.values())):
        problems.append(f"{where}: by_value must map values to points")
    return Indicator(
        key=key,
        name=str(raw.get("name") or key),
        measure=str(measure),
        unit=str(raw.get("unit", "")),
        points_per_unit=per,
        cap=cap,
        by_value=by_value,
    )


def _model(raw: Mapping[str, Any], problems: list[str]) -> AssessmentModel | None:
    kind, version = raw.get("key"), raw.get("version")
    if kind not in KINDS:
        problems.append(f"model {kind!r}: key must be one of {', '.join(KINDS)}")
        return None
    where = f"model {kind}"
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"{where}: version must be a whole number ≥ 1")
    base = raw.get("base", 100)
    if not _number(base) or not 0 < base <= 100:
        problems.append(f"{where}: base must be within 0…100")
    indicators = [_indicator(i, kind, where, problems) for i in raw.get("indicators", [])]
    keys = [i.key for i in indicators if i]
    if len(set(keys)) != len(keys):
        problems.append(f"{where}: indicator keys repeat")
    grades = []
    for g in raw.get("grades", []):
        if not isinstance(g.get("grade"), str) or not _number(g.get("min")):
            problems.append(f"{where}: each grade needs a grade letter and a min")
            continue
        grades.append((g["grade"], str(g.get("label", g["grade"])), float(g["min"])))
    grades.sort(key=lambda g: -g[2])
    mins = [g[2] for g in grades]
    if len(set(mins)) != len(mins):
        problems.append(f"{where}: grade thresholds overlap (two grades start at the same score)")
    if not grades or mins[-1] != 0:
        problems.append(f"{where}: the lowest grade must start at 0 so that every score has a grade")
    if len({g[0] for g in grades}) != len(grades):
        problems.append(f"{where}: grade letters repeat")
    if any(not 0 <= m <= 100 for m in mins):
        problems.append(f"{where}: grade thresholds must lie within 0…100")
    return AssessmentModel(
        key=str(kind),
        version=int(version or 1),
        name=str(raw.get("name", kind)),
        base=float(base) if _number(base) else 100.0,
        indicators=tuple(i for i in indicators if i),
        grades=tuple(grades),
    )


def parse_rules(raw: Mapping[str, Any]) -> AssessmentRules:
    problems: list[str] = []
    h = raw.get("handling", {})
    names = ("response_limit_hours", "delivery_limit_hours_same_city", "delivery_limit_hours", "poor_logistics_rating")
    limits = {k: h.get(k) for k in names}
    for k, v in limits.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            problems.append(f"handling.{k} must be a whole number ≥ 1")
    models: dict[str, AssessmentModel] = {}
    for m in raw.get("models", []):
        model = _model(m, problems)
        if model is not None:
            if model.key in models:
                problems.append(f"model {model.key}: defined twice")
            models[model.key] = model
    for kind in KINDS:
        if kind not in models:
            problems.append(f"no model for {kind}")
    if problems:
        raise RulesInvalid(problems)
    return AssessmentRules(handling=Handling(**limits), models=models)


def load_rules(path: Path | None = None) -> AssessmentRules:
    chosen = path or Path(os.environ.get("CHENGXIN_ASSESSMENT_RULES") or DEFAULTS)
    return _load(str(chosen), chosen.stat().st_mtime_ns)


@cache
def _load(path: str, _mtime_ns: int) -> AssessmentRules:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid([f"{path}: not valid TOML ({exc})"]) from exc
    return parse_rules(raw)


# --- periods ---------------------------------------------------------------------------------


def parse_period(text: str) -> tuple[date, date]:
    """``2026Q3`` (a quarter), ``2026-10`` (a month) or ``2026`` (a year) → [first day, day after the last)."""
    t = text.strip().upper()
    if not (t[:4].isdigit() and 1900 <= int(t[:4]) <= 9998):  # as UTC instants, year 1 or 9999 overflow
        t = ""
    try:
        if len(t) == 6 and t[4] == "Q" and t[5] in "1234":
            year, q = int(t[:4]), int(t[5])
            start = date(year, 3 * q - 2, 1)
            end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
            return start, end
        if len(t) == 7 and t[4] == "-":
            year, month = int(t[:4]), int(t[5:])
            start = date(year, month, 1)
            return start, date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        if len(t) == 4:
            year = int(t)
            return date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        pass
    raise ValueError(f"period {text!r}: use a quarter (2026Q3), a month (2026-10) or a year (2026) from 1900 to 9998")


def last_complete_quarter(today: date) -> str:
    q = (today.month - 1) // 3  # the current quarter's index 0…3; the last complete one is q - 1
    return f"{today.year - 1}Q4" if q == 0 else f"{today.year}Q{q}"


def bounds_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """A period's dates (Beijing days) as UTC instants."""
    return (
        datetime.combine(start, datetime.min.time(), BEIJING).astimezone(UTC),
        datetime.combine(end, datetime.min.time(), BEIJING).astimezone(UTC),
    )


# --- complaints --------------------------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """ISO 8601 with an offset, or a Beijing wall-clock time (``2026-10-01 09:30``) → UTC."""
    value = datetime.fromisoformat(text.strip().replace("/", "-"))
    return (value if value.tzinfo else value.replace(tzinfo=BEIJING)).astimezone(UTC)


def check_complaint(row: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """A complaint row → (clean values, []) or (None, [(code, reason), …])."""
    errors: list[tuple[str, str]] = []
    text = {k: str(v).strip() if v is not None else "" for k, v in row.items()}
    for k, v in text.items():
        if any(not (ch.isprintable() or ch in " \t") for ch in v):
            errors.append(("control_character", f"{k} contains control characters"))
            text[k] = ""
    out: dict[str, Any] = {}
    number = text.get("complaint_no", "")
    if not number or len(number) > 64:
        errors.append(("complaint_no_missing", "complaint_no is required (at most 64 characters)"))
    out["complaint_no"] = number
    channel = text.get("channel") or "other"
    if channel not in CHANNELS:
        errors.append(("value_not_allowed", f"channel {channel!r} is not one of {', '.join(CHANNELS)}"))
    out["channel"] = channel
    outcome = text.get("outcome") or "pending"
    if outcome not in OUTCOMES:
        errors.append(("value_not_allowed", f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}"))
    out["outcome"] = outcome
    for name, limit in (("platform_id", 40), ("seller_account_id", 64), ("category", 100)):
        value = text.get(name) or None
        if value is not None and len(value) > limit:
            errors.append(("too_long", f"{name} is longer than {limit} characters"))
        out[name] = value
    carrier = text.get("carrier_uscc") or None
    if carrier is not None:
        try:
            carrier = validate_uscc(carrier).code
        except IdentifierError as exc:
            errors.append(("bad_uscc", f"carrier_uscc: {exc.detail}"))
    out["carrier_uscc"] = carrier
    if out["platform_id"] is None and carrier is None:
        errors.append(
            ("no_respondent", "give platform_id (a platform's merchant) or carrier_uscc (a logistics company)")
        )
    if out["seller_account_id"] is not None and out["platform_id"] is None:
        errors.append(("no_platform", "seller_account_id needs the platform_id it belongs to"))
    for name in ("received_at", "responded_at", "closed_at"):
        value = text.get(name) or ""
        if not value:
            if name == "received_at":
                errors.append(("received_at_missing", "received_at is required"))
            out[name] = None
            continue
        try:
            out[name] = parse_time(value)
        except ValueError:
            errors.append(("bad_time", f"{name} {value!r} is not a time (e.g. 2026-10-01T09:30:00+08:00)"))
            out[name] = None
    received = out["received_at"]
    for name in ("responded_at", "closed_at"):
        if received and out[name] and out[name] < received:
            errors.append(("time_order", f"{name} is before received_at"))
    if out["closed_at"] is not None and outcome == "pending":
        errors.append(("outcome_missing", "a closed complaint needs its outcome"))
    return (None, errors) if errors else (out, [])


# --- scoring ---------------------------------------------------------------------------------


def _explain(ind: Indicator, value: Any, points: float) -> str:
    shown = f"{value:g}{ind.unit}" if isinstance(value, int | float) else str(value)
    if points == 0:
        return f"{ind.name}：{shown}，不扣分"
    word = "扣" if points < 0 else "加"
    capped = ind.cap is not None and points == ind.cap
    return f"{ind.name}：{shown}，{word} {abs(points):g} 分" + ("（已达上限）" if capped else "")


def indicator_points(ind: Indicator, value: Any) -> tuple[float, str]:
    """Points of one indicator for the measured value, and the sentence that says why."""
    if value is None:
        return 0.0, f"{ind.name}：本期无数据，不计分"
    if ind.by_value is not None:
        points = float(ind.by_value.get(str(value), 0))
    else:
        points = round(float(value) * float(ind.points_per_unit or 0), 2)
        if ind.cap is not None:
            points = max(points, float(ind.cap)) if ind.cap < 0 else min(points, float(ind.cap))
    return points, _explain(ind, value, points)


def assess(model: AssessmentModel, measures: Mapping[str, Any]) -> tuple[float, str, list[dict[str, Any]]]:
    """(score, grade, indicator lines) of one subject; the lines' points add up to score − base."""
    lines: list[dict[str, Any]] = []
    for ind in model.indicators:
        value = measures.get(ind.measure)
        points, why = indicator_points(ind, value)
        lines.append(
            {
                "key": ind.key,
                "name": ind.name,
                "measure": ind.measure,
                "value": value,
                "unit": ind.unit,
                "points": points,
                "why": why,
            }
        )
    raw = model.base + sum(float(line["points"]) for line in lines)
    score = round(min(100.0, max(0.0, raw)), 2)
    grade, _ = model.grade_for(score)
    return score, grade, lines


def delivery_limit(handling: Handling, origin: str | None, dest: str | None) -> int:
    """Hours a parcel may take: within one city (the same first four division digits) or otherwise."""
    same_city = bool(origin and dest and origin[:4] == dest[:4])
    return handling.delivery_limit_hours_same_city if same_city else handling.delivery_limit_hours


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 2)


def per_10k(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(10_000.0 * part / whole, 2)
