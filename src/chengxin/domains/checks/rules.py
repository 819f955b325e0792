"""The measures catalog (联合奖惩措施清单) and which measures apply to a subject in a scenario — pure
functions fed by ``measures.toml`` (or ``CHENGXIN_MEASURES``).

A measure applies when one of its triggers holds — a published listing, the current grade, a live record
of a type — and the scenario is one of its scenarios. A name alone never intercepts: only a subject
identified by its USCC or RIC gets measures (see ``service``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from chengxin.errors import ProblemsFound

DEFAULTS = Path(__file__).with_name("measures.toml")
_DEFAULTS = str(DEFAULTS)
ACTIONS = ("block", "restrict", "warn", "reward")  # strongest first
# the lists whose listing makes an enterprise's legal representative a related person, reached by the
# measures the catalog marks ``reaches_related``
REACHES_RELATED = frozenset({"black", "watch"})
KINDS = ("punishment", "reward")
LIST_ZH = {"black": "严重失信主体名单", "watch": "重点关注名单", "red": "守信激励名单"}
MAX_BATCH = 10_000
MAX_NAMES = 1_000  # a name costs ~10 ms (candidates); identifiers cost microseconds


class CatalogInvalid(ProblemsFound):
    """CatalogInvalid: every problem named (``problems``)."""


@dataclass(frozen=True)
class Measure:
    code: str
    text: str
    basis: str
    implementer: str
    kind: str
    action: str
    scenarios: frozenset[str]
    lists: frozenset[str] = frozenset()
    grades: frozenset[str] = frozenset()
    record_types: frozenset[str] = frozenset()
    reaches_related: bool = False


@dataclass(frozen=True)
class MeasuresCatalog:
    scenarios: Mapping[str, str]  # code → Chinese name
    measures: tuple[Measure, ...]

    @cached_property
    def record_types(self) -> frozenset[str]:
        """The record types some measure names (what the standing index keeps of each subject)."""
        return frozenset(t for m in self.measures for t in m.record_types)


@dataclass(frozen=True)
class Hit:
    code: str
    text: str
    action: str
    kind: str
    reason: str
    basis: str
    implementer: str
    reaches_related: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "action": self.action,
            "kind": self.kind,
            "reason": self.reason,
            "basis": self.basis,
            "implementer": self.implementer,
            "reaches_related": self.reaches_related,
        }


def parse_catalog(raw: Mapping[str, Any], *, known_types: Iterable[str] | None = None) -> MeasuresCatalog:
    problems: list[str] = []
    scenarios = dict(raw.get("scenarios", {}))
    if not scenarios:
        problems.append("no scenarios")
    known = set(known_types) if known_types is not None else None
    measures, codes = [], set()
    for m in raw.get("measures", []):
        code = str(m.get("code", ""))
        where = f"measure {code or '?'}"
        if not code or code in codes:
            problems.append(f"{where}: a unique code is required")
        codes.add(code)
        if m.get("action") not in ACTIONS:
            problems.append(f"{where}: action must be one of {', '.join(ACTIONS)}")
        if m.get("kind") not in KINDS:
            problems.append(f"{where}: kind must be punishment or reward")
        if (m.get("kind") == "reward") != (m.get("action") == "reward"):
            problems.append(f"{where}: a reward has the action reward, a punishment another action")
        unknown = set(m.get("scenarios", [])) - set(scenarios)
        if unknown or not m.get("scenarios"):
            problems.append(
                f"{where}: scenarios must be among the declared ones (unknown: {', '.join(sorted(unknown))})"
            )
        lists = set(m.get("lists", []))
        if lists - set(LIST_ZH):
            problems.append(f"{where}: unknown lists {', '.join(sorted(lists - set(LIST_ZH)))}")
        types = set(m.get("record_types", []))
        if known is not None and types - known:
            problems.append(f"{where}: unknown record types {', '.join(sorted(types - known))}")
        if not (lists or m.get("grades") or types):
            problems.append(f"{where}: no trigger (lists, grades or record_types)")
        for field in ("text", "basis", "implementer"):
            if not m.get(field):
                problems.append(f"{where}: {field} is required")
        measures.append(
            Measure(
                code=code,
                text=str(m.get("text", "")),
                basis=str(m.get("basis", "")),
                implementer=str(m.get("implementer", "")),
                kind=str(m.get("kind")),
                action=str(m.get("action")),
                scenarios=frozenset(m.get("scenarios", [])),
                lists=frozenset(lists),
                grades=frozenset(m.get("grades", [])),
                record_types=frozenset(types),
                reaches_related=bool(m.get("reaches_related", False)),
            )
        )
    if problems:
        raise CatalogInvalid(problems)
    return MeasuresCatalog(scenarios=scenarios, measures=tuple(measures))


def load_catalog(path: Path | None = None, *, known_types: Iterable[str] | None = None) -> MeasuresCatalog:
    """The measures catalog in ``path`` (default: ``CHENGXIN_MEASURES``, else the shipped one), read again
    when the file changes (looked at on every call: a stat, no ``Path`` — this runs for every check)."""
    chosen = str(path) if path is not None else os.environ.get("CHENGXIN_MEASURES") or _DEFAULTS
    known = frozenset(known_types) if known_types is not None else None
    return _load(chosen, os.stat(chosen).st_mtime_ns, known)


@cache
def _load(path: str, _mtime_ns: int, known: frozenset[str] | None) -> MeasuresCatalog:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogInvalid([f"{path}: not valid TOML ({exc})"]) from exc
    return parse_catalog(raw, known_types=known)


def applicable(
    catalog: MeasuresCatalog,
    scenario: str,
    *,
    lists: Collection[str],
    grade: str | None,
    record_types: Collection[str],
    type_names: Mapping[str, str] | None = None,
    related: bool = False,
) -> list[Hit]:
    """The measures of ``scenario`` whose triggers hold, strongest action first. ``related``: the subject
    is checked as a related person of a listed enterprise — only the measures reaching related persons
    apply (``as_related`` names the enterprise in their reasons)."""
    hits = []
    for m in catalog.measures:
        if scenario not in m.scenarios or (related and not m.reaches_related):
            continue
        reasons = [f"列入{LIST_ZH[k]}" for k in sorted(m.lists & set(lists))]
        if grade is not None and grade in m.grades:
            reasons.append(f"信用等级为{grade}")
        reasons += [f"存在{(type_names or {}).get(t, t)}记录" for t in sorted(m.record_types & set(record_types))]
        if not reasons:
            continue
        hits.append(
            Hit(m.code, m.text, m.action, m.kind, "；".join(reasons), m.basis, m.implementer, m.reaches_related)
        )
    return sorted(hits, key=lambda h: (ACTIONS.index(h.action), h.code))


def as_related(hits: Sequence[Hit], enterprise: str) -> list[Hit]:
    """The hits of a related person of ``enterprise``, their reasons saying so."""
    return [replace(h, reason=related_reason(enterprise, h.reason)) for h in hits]


def related_reason(enterprise: str, reason: str) -> str:
    """A measure's reason as it reaches a related person of ``enterprise``."""
    return f"系{enterprise}的法定代表人或负责人：{reason}"


def decision(hits: Sequence[Hit]) -> str:
    """The strongest action among the hits, or ``pass``."""
    return hits[0].action if hits else "pass"
