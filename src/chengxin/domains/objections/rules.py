"""Objections (异议): routing, deadlines and who may do what — pure functions fed by
``defaults.toml`` (RULES.md "Objections").

An objection is filed against the current version of a record; the record is marked *under
objection* (异议处理中) at once. The credit centre decides it when the error is its own (matching,
processing); otherwise the objection goes to the record's source, which decides. A decision
corrects the record (a new version), revokes it, or upholds it with reasons.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("defaults.toml")


class Handler(StrEnum):
    centre = "centre"  # the credit centre (信用中心) decides
    source = "source"  # the record's source organisation (数据来源单位) decides


class ObjectionStatus(StrEnum):
    filed = "filed"  # 已受理: with the credit centre
    forwarded = "forwarded"  # 已转办: with the source
    decided = "decided"  # 已办结


OPEN = frozenset({ObjectionStatus.filed, ObjectionStatus.forwarded})


class Outcome(StrEnum):
    corrected = "corrected"  # 更正: a new version of the record
    revoked = "revoked"  # 撤销: the record is withdrawn
    upheld = "upheld"  # 维持: the record stands, with reasons


STATUS_ZH = {ObjectionStatus.filed: "信用中心处理中", ObjectionStatus.forwarded: "已转来源单位处理",
             ObjectionStatus.decided: "已办结"}  # fmt: skip
OUTCOME_ZH = {Outcome.corrected: "已更正", Outcome.revoked: "已撤销", Outcome.upheld: "维持原记录"}


@dataclass(frozen=True)
class ReasonKind:
    code: str
    handler: Handler
    name_zh: str


@dataclass(frozen=True)
class ObjectionPolicy:
    mark_working_days: int
    centre_decide_working_days: int
    forward_working_days: int
    source_decide_working_days: int
    auto_forward: bool
    reasons: Mapping[str, ReasonKind]


class PolicyError(ValueError):
    pass


def parse_policy(raw: Mapping[str, Any]) -> ObjectionPolicy:
    def days(name: str) -> int:
        value = raw.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
            raise PolicyError(f"{name}: a whole number of working days from 0 to 60 is required")
        return value

    reasons: dict[str, ReasonKind] = {}
    for code, r in (raw.get("reasons") or {}).items():
        try:
            handler = Handler(r.get("handler"))
        except ValueError as exc:
            raise PolicyError(f"reasons.{code}.handler must be 'centre' or 'source'") from exc
        reasons[code] = ReasonKind(code, handler, str(r.get("name_zh") or code))
    if not reasons:
        raise PolicyError("at least one reason kind is required")
    return ObjectionPolicy(
        mark_working_days=days("mark_working_days"),
        centre_decide_working_days=days("centre_decide_working_days"),
        forward_working_days=days("forward_working_days"),
        source_decide_working_days=days("source_decide_working_days"),
        auto_forward=bool(raw.get("auto_forward", True)),
        reasons=reasons,
    )


@cache
def default_policy() -> ObjectionPolicy:
    return parse_policy(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))


def route(policy: ObjectionPolicy, reason_kind: str) -> Handler:
    """Who decides an objection of this kind (the credit centre may still forward one of its own)."""
    kind = policy.reasons.get(reason_kind)
    if kind is None:
        raise PolicyError(f"unknown reason kind {reason_kind!r} (one of: {', '.join(policy.reasons)})")
    return kind.handler


AddWorkingDays = Callable[[date, int], tuple[date, bool]]  # (start, n) → (due, provisional)


@dataclass(frozen=True)
class Deadlines:
    """The due dates of one objection (the last day on which it is still on time)."""

    decide_due: date
    forward_due: date | None  # only while the credit centre still holds an objection for the source
    provisional: bool  # a due date falls in a year whose official calendar is not loaded


def deadlines_at_filing(policy: ObjectionPolicy, handler: Handler, filed_on: date, add: AddWorkingDays) -> Deadlines:
    """Due dates when filed: the centre decides its own within its limit; an objection for the
    source is forwarded within the forwarding limit and decided within the source's limit after."""
    if handler is Handler.centre:
        due, prov = add(filed_on, policy.centre_decide_working_days)
        return Deadlines(due, None, prov)
    forward_due, p1 = add(filed_on, policy.forward_working_days)
    decide_due, p2 = add(forward_due, policy.source_decide_working_days)
    return Deadlines(decide_due, forward_due, p1 or p2)


def deadline_after_forwarding(policy: ObjectionPolicy, forwarded_on: date, add: AddWorkingDays) -> tuple[date, bool]:
    return add(forwarded_on, policy.source_decide_working_days)


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and today > due


def may_decide(*, status: str, role: str, organisation_id: int | None, source_org_id: int) -> tuple[bool, str]:
    """Whether this actor decides the objection now: (allowed, error code when not)."""
    if status not in OPEN:
        return False, "objection_decided"
    if status == ObjectionStatus.filed:
        return (role == "credit_centre"), "not_the_deciding_organisation"
    return (role == "department" and organisation_id == source_org_id), "not_the_deciding_organisation"


def has_standing(*, role: str, actor_subject_id: int | None, record_subject_id: int) -> bool:
    """Who may object to a record: the subject itself, or the credit centre on its behalf (at the
    counter). A department, a platform or another subject has no standing."""
    if role == "subject":
        return actor_subject_id == record_subject_id
    return role == "credit_centre"


def may_object(*, is_current: bool, record_status: str, open_objection: bool) -> bool:
    """Whether a record can be objected to now: its current version, published (active), with no
    objection still open on it."""
    return is_current and record_status == "active" and not open_objection
