"""Graded supervision rules (分级分类监管) and the random inspection draw (双随机): pure functions.

A subject's supervision class follows its credit grade; a plan draws, from each class, its share of
the class's subjects at random (a low-risk subject drawn once is not drawn again that calendar year)
and, for each subject drawn, inspectors at random from the sector's roster, never one with a declared
conflict of interest with that subject. The same inputs and seed give the same plan.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("defaults.toml")


class PolicyInvalid(ValueError):
    pass


class NotEnoughInspectors(ValueError):
    def __init__(self, subject_id: int, free: int, needed: int) -> None:
        super().__init__(f"subject {subject_id}: {free} inspector(s) without a conflict of interest, {needed} needed")
        self.subject_id, self.free, self.needed = subject_id, free, needed


@dataclass(frozen=True)
class SupervisionClass:
    code: str
    label: str
    from_grades: tuple[str, ...]
    percent: int  # share of the class drawn per plan


@dataclass(frozen=True)
class InspectionPolicy:
    classes: tuple[SupervisionClass, ...]  # lowest risk first
    inspectors_per_task: int
    low_risk_once_a_year: bool
    low_risk_classes: frozenset[str]

    def class_of(self, grade: str | None) -> SupervisionClass | None:
        return next((c for c in self.classes if grade in c.from_grades), None)


def parse_policy(raw: Mapping[str, Any]) -> InspectionPolicy:
    problems: list[str] = []
    classes = []
    for code, c in raw.get("classes", {}).items():
        pct = c.get("percent")
        if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
            problems.append(f"class {code}: percent must be a whole number within 0…100, not {pct!r}")
            pct = 0
        classes.append(SupervisionClass(code, str(c.get("label", code)), tuple(c.get("from_grades", [])), pct))
    grades = [g for c in classes for g in c.from_grades]
    for g in sorted({g for g in grades if grades.count(g) > 1}):
        problems.append(f"grade {g} maps to more than one class")
    if [c.percent for c in classes] != sorted(c.percent for c in classes):
        problems.append("a riskier class must not be drawn less often than a safer one")
    per_task = raw.get("inspectors_per_task", 2)
    if isinstance(per_task, bool) or not isinstance(per_task, int) or per_task < 1:
        problems.append(f"inspectors_per_task must be at least 1, not {per_task!r}")
    if not classes:
        problems.append("no supervision classes")
    if problems:
        raise PolicyInvalid("; ".join(problems))
    return InspectionPolicy(tuple(classes), per_task, bool(raw.get("low_risk_once_a_year", True)),
                            frozenset(raw.get("low_risk_classes", [])))  # fmt: skip


@cache
def load_policy(path: str | None = None) -> InspectionPolicy:
    """``CHENGXIN_INSPECTION_RULES`` (a TOML file) or the shipped defaults."""
    chosen = Path(path or os.environ.get("CHENGXIN_INSPECTION_RULES") or DEFAULTS)
    return parse_policy(tomllib.loads(chosen.read_text(encoding="utf-8")))


def default_seed(sector: str, month: str) -> int:
    """A plan's seed when none is given: derived from what the plan is for, so it can be recomputed."""
    return int.from_bytes(hashlib.sha256(f"{sector}|{month}".encode()).digest()[:6], "big")


def draw_count(class_size: int, percent: int, eligible: int) -> int:
    """How many of a class a plan draws: its share of the whole class, rounded up, at most the eligible."""
    return min(eligible, math.ceil(class_size * percent / 100))


@dataclass(frozen=True)
class Drawn:
    subject_id: int
    supervision_class: str
    inspector_ids: tuple[int, ...]


def draw(
    population: Iterable[tuple[int, str]],
    policy: InspectionPolicy,
    *,
    seed: int,
    roster: Sequence[int],
    conflicts: Iterable[tuple[int, int]] = (),
    drawn_this_year: Iterable[int] = (),
) -> list[Drawn]:
    """The plan: ``population`` is (subject_id, supervision class); ``roster`` the sector's inspector
    ids; ``conflicts`` (inspector_id, subject_id) pairs; ``drawn_this_year`` subjects already drawn by
    a plan of the same sector and year. Raises ``NotEnoughInspectors`` when a subject cannot get
    ``inspectors_per_task`` inspectors free of conflicts."""
    rng = random.Random(seed)
    by_class: dict[str, list[int]] = {}
    for sid, cls in sorted(population):
        by_class.setdefault(cls, []).append(sid)
    already = set(drawn_this_year)
    banned: dict[int, set[int]] = {}
    for inspector, subject in conflicts:
        banned.setdefault(subject, set()).add(inspector)
    inspectors = sorted(set(roster))
    out: list[Drawn] = []
    for c in policy.classes:
        members = by_class.get(c.code, [])
        skip = policy.low_risk_once_a_year and c.code in policy.low_risk_classes
        eligible = [s for s in members if not (skip and s in already)]
        chosen = sorted(rng.sample(eligible, draw_count(len(members), c.percent, len(eligible))))
        for sid in chosen:
            free = [i for i in inspectors if i not in banned.get(sid, set())]
            if len(free) < policy.inspectors_per_task:
                raise NotEnoughInspectors(sid, len(free), policy.inspectors_per_task)
            out.append(Drawn(sid, c.code, tuple(sorted(rng.sample(free, policy.inspectors_per_task)))))
    return out
