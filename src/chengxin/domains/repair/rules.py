"""Credit repair (信用修复): eligibility as pure functions fed by ``defaults.toml``.

A record is eligible when it is a current, published negative record of a repairable type, its
minimum publicity period has elapsed (``repairable_from``, set by the publicity engine; a minor
record without one is repairable once its obligations are met), it is not under objection, and
the subject's repair history is within the repeat limits. The applicant sees this *before*
applying — for each record whether it is eligible now, and if not, why and from which date.
An application then needs the evidence the type requires and a signed repair commitment.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chengxin.domains.catalog.rules import add_months

DEFAULTS = Path(__file__).with_name("defaults.toml")


class Decider(StrEnum):
    source = "source"
    centre = "centre"


class RepairStatus(StrEnum):
    submitted = "submitted"  # 待审核
    approved = "approved"  # 已修复
    rejected = "rejected"  # 不予修复


STATUS_ZH = {RepairStatus.submitted: "审核中", RepairStatus.approved: "修复成功", RepairStatus.rejected: "不予修复"}


@dataclass(frozen=True)
class TypeRule:
    code: str
    decider: Decider
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class RepairPolicy:
    review_working_days: int
    commitment_template: str
    min_months_since_last_repair: int
    max_repairs_in_window: int
    window_months: int
    same_type_window_months: int
    evidence: Mapping[str, str]
    types: Mapping[str, TypeRule]
    not_repairable: Mapping[str, str]


class PolicyError(ValueError):
    pass


def parse_policy(raw: Mapping[str, Any]) -> RepairPolicy:
    def months(name: str) -> int:
        v = raw.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 240:
            raise PolicyError(f"{name}: a whole number from 0 to 240 is required")
        return v

    evidence = {str(k): str(v) for k, v in (raw.get("evidence") or {}).items()}
    types: dict[str, TypeRule] = {}
    for code, t in (raw.get("types") or {}).items():
        try:
            decider = Decider(t.get("decider"))
        except ValueError as exc:
            raise PolicyError(f"types.{code}.decider must be 'source' or 'centre'") from exc
        needed = tuple(str(e) for e in t.get("evidence") or ())
        unknown = [e for e in needed if e not in evidence]
        if unknown:
            raise PolicyError(f"types.{code}.evidence: unknown evidence kinds {unknown}")
        types[code] = TypeRule(code, decider, needed)
    blocked = {str(k): str(v) for k, v in (raw.get("not_repairable") or {}).items()}
    both = sorted(set(types) & set(blocked))
    if both:
        raise PolicyError(f"types both repairable and not: {both}")
    return RepairPolicy(
        review_working_days=months("review_working_days"),
        commitment_template=str(raw.get("commitment_template") or "credit_repair"),
        min_months_since_last_repair=months("min_months_since_last_repair"),
        max_repairs_in_window=months("max_repairs_in_window"),
        window_months=months("window_months"),
        same_type_window_months=months("same_type_window_months"),
        evidence=evidence,
        types=types,
        not_repairable=blocked,
    )


@cache
def default_policy() -> RepairPolicy:
    return parse_policy(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class RecordFacts:
    """What eligibility needs to know of one record."""

    record_id: int
    type_code: str
    polarity: str
    severity: str
    status: str
    is_current: bool
    decided_on: date
    repairable_from: date | None
    publicity_until: date | None


@dataclass(frozen=True)
class PastRepair:
    type_code: str
    approved_on: date


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str


@dataclass(frozen=True)
class Eligibility:
    record_id: int
    eligible: bool
    eligible_from: date | None  # None: never through the platform
    reasons: tuple[Reason, ...] = ()
    decider: Decider | None = None
    evidence: tuple[str, ...] = ()
    commitment_required: bool = True


def eligibility(policy: RepairPolicy, rec: RecordFacts, history: Sequence[PastRepair], today: date) -> Eligibility:
    """Whether ``rec`` may be repaired now, and if not why and from when (pure)."""
    blocked = _never(policy, rec)
    if blocked is not None:
        return Eligibility(rec.record_id, False, None, (blocked,))
    rule = policy.types[rec.type_code]
    if rec.status == "under_objection":
        reason = Reason("under_objection", "该记录异议处理中，办结后方可申请修复")
        return Eligibility(rec.record_id, False, None, (reason,), rule.decider, rule.evidence)
    reasons: list[Reason] = []
    starts: list[date] = []
    period_from = rec.repairable_from or rec.decided_on
    if today < period_from:
        reasons.append(Reason("minimum_period", f"最短公示期未满，{period_from.isoformat()} 起可申请"))
        starts.append(period_from)
    for code, zh, lifts in _repeat_limits(policy, rec.type_code, history, today):
        reasons.append(Reason(code, zh))
        starts.append(lifts)
    eligible_from = max(starts) if starts else today
    return Eligibility(rec.record_id, not reasons, eligible_from, tuple(reasons), rule.decider, rule.evidence)


def _never(policy: RepairPolicy, rec: RecordFacts) -> Reason | None:
    if not rec.is_current:
        return Reason("not_current_version", "只能对记录的现行版本申请修复")
    if rec.polarity != "negative":
        return Reason("not_negative", "只有失信（负面）记录需要信用修复")
    if rec.status not in ("active", "under_objection"):
        return Reason("not_published", "该记录已不在公示中，无需修复")
    if rec.type_code in policy.not_repairable:
        return Reason("type_not_repairable", policy.not_repairable[rec.type_code])
    if rec.type_code not in policy.types:
        return Reason("type_not_repairable", "该类记录不通过本平台修复")
    if rec.publicity_until is not None and rec.publicity_until <= (rec.repairable_from or rec.decided_on):
        return Reason("no_early_end", "该记录公示期已是最短期限，期满自动停止公示")
    return None


def _repeat_limits(
    policy: RepairPolicy, type_code: str, history: Iterable[PastRepair], today: date
) -> list[tuple[str, str, date]]:
    """Every repeat limit in force, with the day it lifts."""
    past = sorted(history, key=lambda p: p.approved_on)
    found: list[tuple[str, str, date]] = []
    if past:
        last = past[-1].approved_on
        lifts = add_months(last, policy.min_months_since_last_repair)
        if today < lifts:
            found.append(("repeat_too_soon", f"距上次信用修复不足{policy.min_months_since_last_repair}个月", lifts))
    window_start = add_months(today, -policy.window_months)
    recent = [p for p in past if p.approved_on > window_start]
    if len(recent) >= policy.max_repairs_in_window:
        oldest = recent[-policy.max_repairs_in_window]
        found.append(("repeat_limit", f"{policy.window_months // 12}年内已修复{len(recent)}次",
                      add_months(oldest.approved_on, policy.window_months)))  # fmt: skip
    same = [p for p in past if p.type_code == type_code]
    if same:
        lifts = add_months(same[-1].approved_on, policy.same_type_window_months)
        if today < lifts:
            found.append(("same_type_repaired", f"同类失信记录{policy.same_type_window_months // 12}年内已修复过",
                          lifts))  # fmt: skip
    return found


def missing_for_application(elig: Eligibility, evidence_given: Iterable[str], commitment_signed: bool) -> list[Reason]:
    """What an application for an eligible record still lacks."""
    given = set(evidence_given)
    out = [Reason("evidence_missing", f"缺少证明材料：{e}") for e in elig.evidence if e not in given]
    if elig.commitment_required and not commitment_signed:
        out.append(Reason("commitment_missing", "请先签署信用修复承诺书"))
    return out


def may_decide(
    *, status: str, decider: str, role: str, organisation_id: int | None, decider_org_id: int | None
) -> tuple[bool, str]:
    """Whether this actor decides the application now: (allowed, error code when not). The
    credit centre decides the types it decides; the record's source department the others."""
    if status != RepairStatus.submitted:
        return False, "repair_decided"
    if decider == Decider.centre:
        return role == "credit_centre", "not_the_deciding_organisation"
    return (role == "department" and organisation_id == decider_org_id), "not_the_deciding_organisation"
