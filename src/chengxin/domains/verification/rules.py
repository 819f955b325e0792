"""Identity verification rules (pure): compare a claimed identity with a registry record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

ACTIVE_BUSINESS = frozenset({"存续", "在业", "开业", "正常", "active"})
ACTIVE_PERSON = frozenset({"正常", "active"})


class Result(StrEnum):
    verified = "verified"  # 核验一致
    mismatch = "mismatch"  # 核验不一致 — flagged, never silently accepted
    not_found = "not_found"  # 登记库中无此记录


@dataclass(frozen=True)
class RegistryFacts:
    kind: str
    name_norm: str
    status: str


@dataclass(frozen=True)
class Outcome:
    result: Result
    reasons: tuple[str, ...] = field(default=())


def compare(claimed_name_norm: str, facts: RegistryFacts | None) -> Outcome:
    """``verified`` only when the registry holds the code, under the same (normalised) name,
    with an active status; otherwise say exactly what differs."""
    if facts is None:
        return Outcome(Result.not_found, ("code_not_in_registry",))
    reasons: list[str] = []
    if facts.name_norm != claimed_name_norm:
        reasons.append("name_differs")
    active = ACTIVE_BUSINESS if facts.kind == "business" else ACTIVE_PERSON
    if facts.status not in active:
        reasons.append(f"registry_status:{facts.status}")
    return Outcome(Result.mismatch, tuple(reasons)) if reasons else Outcome(Result.verified)
