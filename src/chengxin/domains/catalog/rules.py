"""Catalog rules (pure): record types, severity checks and publicity periods.

The catalog (信用信息目录) is configuration: ``defaults.toml`` ships with Chengxin and the credit
centre edits it (each edit a new version). Everything here is a pure function of a parsed
catalog and the facts of one record, so the rules can be tested exhaustively.

Publicity periods (RULES.md, "Publicity periods and repair"):
- decided before 2026-04-01 — NDRC Order 58: minimum 3 months (1 year for special equipment,
  work safety, fire), maximum 3 years, from the decision date;
- decided from 2026-04-01 — NDRC Order 36: minor at most 3 months, general 3 months to 1 year,
  serious 1 to 3 years.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Any


class Polarity(StrEnum):
    positive = "positive"  # 守信 / 正面
    negative = "negative"  # 失信 / 负面
    basic = "basic"  # 基础信息


class Severity(StrEnum):
    none = "none"  # not a dishonesty record
    minor = "minor"  # 轻微
    general = "general"  # 一般
    serious = "serious"  # 严重


SEVERITY_RANK = {Severity.none: 0, Severity.minor: 1, Severity.general: 2, Severity.serious: 3}
SEVERITY_ZH = {Severity.none: "—", Severity.minor: "轻微", Severity.general: "一般", Severity.serious: "严重"}


class Disclosure(StrEnum):
    public = "public"  # 社会公开
    departments = "departments"  # 政务共享（部门间）
    restricted = "restricted"  # 授权查询（本人及授权）


DISCLOSURE_ZH = {Disclosure.public: "公开", Disclosure.departments: "政务共享", Disclosure.restricted: "授权查询"}


class PublicityKind(StrEnum):
    dishonesty = "dishonesty"  # periods by regime and severity
    validity = "validity"  # until the payload's valid_to (licences, qualifications)
    fixed = "fixed"  # publicity_months from the decision
    permanent = "permanent"  # until revoked


SUBMITTER_ROLES = frozenset({"department", "platform", "credit_centre"})
SUBJECT_KINDS = frozenset({"legal", "natural"})
INDEFINITE = date(2099, 12, 31)  # 双公示 "有效期至 2099/12/31" means no end

CATEGORY_ZH = {
    "licence": "行政许可",
    "penalty": "行政处罚",
    "honour": "表彰荣誉",
    "judicial": "司法判决执行",
    "tax": "纳税",
    "utility": "公共事业缴费",
    "inspection": "抽查检查",
    "complaint": "投诉举报",
    "platform": "平台交易",
    "privacy": "个人信息保护",
    "qualification": "资质职称",
    "commitment": "信用承诺",
}


class CatalogError(ValueError):
    """A catalog (or one record type in it) that cannot be used; the message says why."""


@dataclass(frozen=True)
class SeverityRule:
    default: Severity
    allowed: tuple[Severity, ...]
    by_penalty_category: tuple[tuple[str, Severity], ...] = ()


@dataclass(frozen=True)
class RecordType:
    code: str
    name: str
    category: str
    polarity: Polarity
    severity: SeverityRule
    submitters: frozenset[str]
    subject_kinds: frozenset[str]
    required: tuple[str, ...]
    disclosure: Disclosure
    publicity: PublicityKind
    legal_basis: str
    scoring: bool
    publicity_months: int | None = None
    active: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "polarity": str(self.polarity),
            "severity": {
                "default": str(self.severity.default),
                "allowed": [str(s) for s in self.severity.allowed],
                "by_penalty_category": {k: str(v) for k, v in self.severity.by_penalty_category},
            },
            "submitters": sorted(self.submitters),
            "subject_kinds": sorted(self.subject_kinds),
            "required": list(self.required),
            "disclosure": str(self.disclosure),
            "publicity": str(self.publicity),
            "legal_basis": self.legal_basis,
            "scoring": self.scoring,
            "active": self.active,
        }
        if self.publicity_months is not None:
            out["publicity_months"] = self.publicity_months
        if not self.severity.by_penalty_category:
            del out["severity"]["by_penalty_category"]
        return out


@dataclass(frozen=True)
class Order58:
    decided_before: date
    min_months: int
    max_months: int
    special_sector_min_months: int
    special_sector_keywords: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class Band:
    min_months: int
    max_months: int
    published: bool = True


@dataclass(frozen=True)
class Order36:
    decided_from: date
    bands: Mapping[Severity, Band]
    name: str = ""


@dataclass(frozen=True)
class Regimes:
    order58: Order58
    order36: Order36

    def to_dict(self) -> dict[str, Any]:
        o58, o36 = self.order58, self.order36
        return {
            "order58": {
                "name": o58.name,
                "decided_before": o58.decided_before.isoformat(),
                "min_months": o58.min_months,
                "max_months": o58.max_months,
                "special_sector_min_months": o58.special_sector_min_months,
                "special_sector_keywords": list(o58.special_sector_keywords),
            },
            "order36": {
                "name": o36.name,
                "decided_from": o36.decided_from.isoformat(),
                **{
                    str(sev): {"min_months": b.min_months, "max_months": b.max_months, "published": b.published}
                    for sev, b in o36.bands.items()
                },
            },
        }


@dataclass(frozen=True)
class Catalog:
    version: int
    regimes: Regimes
    types: Mapping[str, RecordType] = field(default_factory=dict)
    note: str = ""

    def get(self, code: str) -> RecordType | None:
        return self.types.get(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version_note": self.note,
            "regimes": self.regimes.to_dict(),
            "types": [t.to_dict() for t in self.types.values()],
        }


# --------------------------------------------------------------------------- parsing


def _date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogError(f"{what}: not a date: {value!r}") from exc


def _months(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 600:
        raise CatalogError(f"{what}: months must be a whole number from 0 to 600, got {value!r}")
    return value


def _enum(kind: type[StrEnum], value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError as exc:
        choices = ", ".join(m.value for m in kind)
        raise CatalogError(f"{what}: {value!r} is not one of {choices}") from exc


def parse_regimes(raw: Mapping[str, Any]) -> Regimes:
    try:
        o58, o36 = raw["order58"], raw["order36"]
    except (KeyError, TypeError) as exc:
        raise CatalogError("regimes: both order58 and order36 are required") from exc
    order58 = Order58(
        decided_before=_date(o58.get("decided_before"), "regimes.order58.decided_before"),
        min_months=_months(o58.get("min_months"), "regimes.order58.min_months"),
        max_months=_months(o58.get("max_months"), "regimes.order58.max_months"),
        special_sector_min_months=_months(
            o58.get("special_sector_min_months"), "regimes.order58.special_sector_min_months"
        ),
        special_sector_keywords=tuple(str(k) for k in o58.get("special_sector_keywords", ())),
        name=str(o58.get("name", "")),
    )
    bands: dict[Severity, Band] = {}
    for sev in (Severity.minor, Severity.general, Severity.serious):
        b = o36.get(str(sev))
        if not isinstance(b, Mapping):
            raise CatalogError(f"regimes.order36.{sev}: required")
        band = Band(
            _months(b.get("min_months"), f"regimes.order36.{sev}.min_months"),
            _months(b.get("max_months"), f"regimes.order36.{sev}.max_months"),
            bool(b.get("published", True)),
        )
        if band.min_months > band.max_months:
            raise CatalogError(f"regimes.order36.{sev}: min_months exceeds max_months")
        bands[sev] = band
    order36 = Order36(_date(o36.get("decided_from"), "regimes.order36.decided_from"), bands, str(o36.get("name", "")))
    if order58.min_months > order58.max_months or order58.special_sector_min_months > order58.max_months:
        raise CatalogError("regimes.order58: a minimum exceeds max_months")
    if order36.decided_from != order58.decided_before:
        raise CatalogError("regimes: order36.decided_from must equal order58.decided_before (no gap, no overlap)")
    return Regimes(order58, order36)


TYPE_FIELDS = {
    "code", "name", "category", "polarity", "severity", "submitters", "subject_kinds", "required",
    "disclosure", "publicity", "publicity_months", "legal_basis", "scoring", "active",
}  # fmt: skip


def parse_type(raw: Mapping[str, Any]) -> RecordType:
    """One record type from its configuration form; ``CatalogError`` names what is wrong."""
    code = str(raw.get("code", "")).strip()
    if not code or not code.replace("_", "").isalnum() or not code.isascii() or code != code.lower():
        raise CatalogError(f"record type code {code!r}: lower-case letters, digits and _ only")
    where = f"types.{code}"
    unknown = set(raw) - TYPE_FIELDS
    if unknown:
        raise CatalogError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    name = str(raw.get("name", "")).strip()
    if not name:
        raise CatalogError(f"{where}.name: required")
    polarity = _enum(Polarity, raw.get("polarity"), f"{where}.polarity")
    sev_raw = raw.get("severity") or {}
    default_sev = _enum(Severity, sev_raw.get("default", "none"), f"{where}.severity.default")
    allowed = tuple(_enum(Severity, s, f"{where}.severity.allowed") for s in sev_raw.get("allowed", [default_sev]))
    if default_sev not in allowed:
        raise CatalogError(f"{where}.severity: the default {default_sev} is not among the allowed severities")
    if polarity is Polarity.negative and Severity.none in allowed:
        raise CatalogError(f"{where}.severity: a negative record type needs minor, general or serious")
    if polarity is not Polarity.negative and allowed != (Severity.none,):
        raise CatalogError(f"{where}.severity: only negative record types have a dishonesty severity")
    by_cat = tuple(
        (str(k), _enum(Severity, v, f"{where}.severity.by_penalty_category"))
        for k, v in (sev_raw.get("by_penalty_category") or {}).items()
    )
    submitters = frozenset(str(s) for s in raw.get("submitters", ()))
    if not submitters or not submitters <= SUBMITTER_ROLES:
        raise CatalogError(f"{where}.submitters: a non-empty subset of {', '.join(sorted(SUBMITTER_ROLES))}")
    kinds = frozenset(str(s) for s in raw.get("subject_kinds", SUBJECT_KINDS))
    if not kinds or not kinds <= SUBJECT_KINDS:
        raise CatalogError(f"{where}.subject_kinds: a non-empty subset of legal, natural")
    publicity = _enum(PublicityKind, raw.get("publicity"), f"{where}.publicity")
    months = raw.get("publicity_months")
    if publicity is PublicityKind.fixed:
        months = _months(months, f"{where}.publicity_months")
    elif months is not None:
        raise CatalogError(f"{where}.publicity_months: only for publicity = fixed")
    if publicity is PublicityKind.dishonesty and polarity is not Polarity.negative:
        raise CatalogError(f"{where}.publicity: dishonesty periods apply to negative record types only")
    if polarity is Polarity.negative and publicity is not PublicityKind.dishonesty:
        raise CatalogError(f"{where}.publicity: a negative record type follows the dishonesty periods")
    required = tuple(str(f) for f in raw.get("required", ()))
    return RecordType(
        code=code,
        name=name,
        category=str(raw.get("category", "other")),
        polarity=polarity,
        severity=SeverityRule(default_sev, allowed, by_cat),
        submitters=submitters,
        subject_kinds=kinds,
        required=required,
        disclosure=_enum(Disclosure, raw.get("disclosure"), f"{where}.disclosure"),
        publicity=publicity,
        legal_basis=str(raw.get("legal_basis", "")),
        scoring=bool(raw.get("scoring", False)),
        publicity_months=months,
        active=bool(raw.get("active", True)),
    )


def parse_catalog(raw: Mapping[str, Any], *, version: int = 0) -> Catalog:
    types: dict[str, RecordType] = {}
    for entry in raw.get("types", ()):
        t = parse_type(entry)
        if t.code in types:
            raise CatalogError(f"types.{t.code}: defined twice")
        types[t.code] = t
    if not types:
        raise CatalogError("types: the catalog defines no record type")
    return Catalog(version, parse_regimes(raw.get("regimes", {})), types, str(raw.get("version_note", "")))


def default_catalog_source() -> dict[str, Any]:
    text = resources.files("chengxin.domains.catalog").joinpath("defaults.toml").read_text("utf-8")
    return tomllib.loads(text)


def as_config(catalog: Catalog) -> dict[str, Any]:
    """The storable (JSON) form of a catalog; ``parse_catalog(as_config(c))`` gives ``c`` back."""
    return catalog.to_dict()


# --------------------------------------------------------------------------- severity


def implied_severity(rule: SeverityRule, penalty_category: str | None) -> Severity | None:
    """The heaviest severity the penalty categories imply (处罚类别 may list several: the
    longest applicable period wins), or None when no keyword matches."""
    if not penalty_category or not rule.by_penalty_category:
        return None
    found = [sev for key, sev in rule.by_penalty_category if key in penalty_category]
    return max(found, key=SEVERITY_RANK.__getitem__) if found else None


def resolve_severity(rtype: RecordType, submitted: str | None, penalty_category: str | None) -> Severity:
    """The record's severity: as submitted, or implied by the penalty categories, or the type's
    default. Raises ``ValueError`` when the submitted one is not allowed for the type or is
    lighter than what the penalty categories imply (inconsistent severity)."""
    rule = rtype.severity
    implied = implied_severity(rule, penalty_category)
    if submitted:
        try:
            sev = Severity(submitted)
        except ValueError as exc:
            raise ValueError(f"severity {submitted!r} is not one of minor, general, serious, none") from exc
        if sev not in rule.allowed:
            allowed = ", ".join(rule.allowed)
            raise ValueError(f"severity {sev} is not allowed for {rtype.code} (allowed: {allowed})")
        if implied is not None and SEVERITY_RANK[sev] < SEVERITY_RANK[implied]:
            raise ValueError(
                f"severity {sev} is inconsistent with penalty category {penalty_category!r}, which implies {implied}"
            )
        return sev
    if implied is not None and implied in rule.allowed:
        return implied
    return rule.default


# --------------------------------------------------------------------------- publicity


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's end (2026-01-31 + 1 = 2026-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Publicity:
    """When a record is published, until when, and from when it may be repaired.

    ``until`` None means no end (permanent, or a licence valid indefinitely). ``published``
    False means the record is not published at all (an Order 36 minor record when configured so).
    ``repairable_from`` is the end of the minimum period (dishonesty records only)."""

    regime: str | None
    published: bool
    published_from: date
    until: date | None
    min_months: int | None = None
    max_months: int | None = None
    repairable_from: date | None = None


def is_special_sector(order58: Order58, texts: Iterable[str | None]) -> bool:
    return any(k in t for t in texts if t for k in order58.special_sector_keywords)


def dishonesty_period(
    regimes: Regimes, severity: Severity, decided_on: date, *, special_sector: bool
) -> tuple[str, Band]:
    """(regime, band) for a dishonesty record decided on ``decided_on``."""
    if severity is Severity.none:
        raise ValueError("a dishonesty record needs a severity")
    if decided_on < regimes.order58.decided_before:
        o58 = regimes.order58
        minimum = o58.special_sector_min_months if special_sector else o58.min_months
        return "order58", Band(max(minimum, o58.min_months), o58.max_months)
    return "order36", regimes.order36.bands[severity]


def publicity_for(
    rtype: RecordType,
    regimes: Regimes,
    *,
    severity: Severity,
    decided_on: date,
    valid_to: date | None = None,
    special_sector: bool = False,
) -> Publicity:
    """The publicity of one record (pure): the heart of the publicity engine."""
    if rtype.publicity is PublicityKind.dishonesty:
        regime, band = dishonesty_period(regimes, severity, decided_on, special_sector=special_sector)
        return Publicity(
            regime=regime,
            published=band.published,
            published_from=decided_on,
            until=add_months(decided_on, band.max_months),
            min_months=band.min_months,
            max_months=band.max_months,
            repairable_from=add_months(decided_on, band.min_months),
        )
    if rtype.publicity is PublicityKind.fixed:
        assert rtype.publicity_months is not None
        return Publicity(None, True, decided_on, add_months(decided_on, rtype.publicity_months))
    if rtype.publicity is PublicityKind.validity:
        until = None if valid_to is None or valid_to >= INDEFINITE else valid_to
        return Publicity(None, True, decided_on, until)
    return Publicity(None, True, decided_on, None)
