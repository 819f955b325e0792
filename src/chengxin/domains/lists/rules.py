"""List rules (红黑名单): which subjects a list's criteria select, the listing procedure as a state machine,
and when a listing ends — pure functions fed by ``defaults.toml`` (or ``CHENGXIN_LIST_RULES``).

The procedure cannot be skipped: a candidate is reviewed, the subject notified with reasons, basis and
rights, the objection window passes (or an objection is rejected), and only then is the listing published.
"""

from __future__ import annotations

import calendar
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from chengxin.domains.records.rules import LIVE as RECORD_LIVE
from chengxin.errors import ProblemsFound

DEFAULTS = Path(__file__).with_name("defaults.toml")
KINDS = ("black", "watch", "red")
NEGATIVE = frozenset({"black", "watch"})
REVIEWS = ("one_level_up", "same_level")

# the procedure: status → the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"approved", "rejected"}),
    "approved": frozenset({"notified"}),
    "notified": frozenset({"objected", "published"}),
    "objected": frozenset({"notified", "withdrawn"}),  # objection rejected (back to notified) or upheld
    "published": frozenset({"removed"}),
}
OPEN = frozenset({"candidate", "approved", "notified", "objected", "published"})  # one open entry per list
STATUS_ZH = {
    "candidate": "待审核",
    "approved": "已审核待告知",
    "rejected": "审核未通过",
    "notified": "已告知（异议期）",
    "objected": "异议处理中",
    "withdrawn": "异议成立，不予列入",
    "published": "已公示",
    "removed": "已移出",
}
REMOVAL_ZH = {
    "expired": "期满移出",
    "repaired": "信用修复提前移出",
    "revoked": "处罚决定撤销移出",
    "no_longer_qualifies": "不再符合条件移出",
}
LIVE = frozenset(str(s) for s in RECORD_LIVE)  # the records' statuses in force


class RulesInvalid(ProblemsFound):
    """RulesInvalid: every problem named (``problems``)."""


class Refusal(ValueError):
    """A step the procedure does not allow; ``code`` is stable."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Criterion:
    name: str
    record_types: frozenset[str] = frozenset()
    severities: frozenset[str] | None = None
    min_count: int = 1
    within_months: int | None = None
    grades: frozenset[str] | None = None
    clean_months: int | None = None


@dataclass(frozen=True)
class ListKind:
    key: str
    name: str
    legal_basis: str
    period_months: int
    objection_working_days: int
    review: str
    criteria: tuple[Criterion, ...]
    early_removal_after_months: int | None = None
    rectification_months: int | None = None

    @property
    def negative(self) -> bool:
        return self.key in NEGATIVE


@dataclass(frozen=True)
class RecordFact:
    record_id: int
    type_code: str
    severity: str
    polarity: str
    status: str
    decided_on: date
    source_org_id: int | None = None


@dataclass(frozen=True)
class Match:
    criterion: str
    record_ids: tuple[int, ...] = ()
    grade: str | None = None


@dataclass(frozen=True)
class ListRules:
    lists: Mapping[str, ListKind] = field(default_factory=dict)
    escalation: Mapping[str, str] = field(default_factory=dict)  # 716 notice: step → what is done
    platform_notice_days: int = 10


def _int(raw: Mapping[str, Any], name: str, where: str, problems: list[str], *, required: bool = True) -> int | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.append(f"{where}: {name} must be a whole number ≥ 1")
        return None
    return value


def _criterion(raw: Mapping[str, Any], where: str, known: set[str] | None, problems: list[str]) -> Criterion:
    types = frozenset(raw.get("record_types", []))
    if known is not None and types - known:
        problems.append(f"{where}: unknown record types {', '.join(sorted(types - known))}")
    grades = raw.get("grades")
    if not types and not grades:
        problems.append(f"{where}: give record_types, grades or both")
    sev = raw.get("severities")
    return Criterion(
        name=str(raw.get("name") or where),
        record_types=types,
        severities=frozenset(sev) if sev else None,
        min_count=_int(raw, "min_count", where, problems, required=False) or 1,
        within_months=_int(raw, "within_months", where, problems, required=False),
        grades=frozenset(grades) if grades else None,
        clean_months=_int(raw, "clean_months", where, problems, required=False),
    )


def parse_rules(raw: Mapping[str, Any], *, known_types: Iterable[str] | None = None) -> ListRules:
    problems: list[str] = []
    known = set(known_types) if known_types is not None else None
    out: dict[str, ListKind] = {}
    for key, body in raw.get("lists", {}).items():
        where = f"list {key}"
        if key not in KINDS:
            problems.append(f"{where}: unknown list (known: {', '.join(KINDS)})")
            continue
        if body.get("review") not in REVIEWS:
            problems.append(f"{where}: review must be one of {', '.join(REVIEWS)}")
        criteria = [
            _criterion(c, f"{where} criterion {i + 1}", known, problems) for i, c in enumerate(body.get("criteria", []))
        ]
        if not criteria:
            problems.append(f"{where}: no criteria")
        out[key] = ListKind(
            key=key,
            name=str(body.get("name", key)),
            legal_basis=str(body.get("legal_basis", "")),
            period_months=_int(body, "period_months", where, problems) or 1,
            objection_working_days=_int(body, "objection_working_days", where, problems) or 1,
            review=str(body.get("review")),
            criteria=tuple(criteria),
            early_removal_after_months=_int(body, "early_removal_after_months", where, problems, required=False),
            rectification_months=_int(body, "rectification_months", where, problems, required=False),
        )
    for key in KINDS:
        if key not in out:
            problems.append(f"no rules for the {key} list")
    rect = raw.get("rectification", {})
    escalation = {str(k): str(v) for k, v in rect.get("escalation", {}).items()}
    if not escalation:
        problems.append("rectification.escalation: no steps")
    days = _int(rect, "platform_notice_days", "rectification", problems) or 1
    if problems:
        raise RulesInvalid(problems)
    return ListRules(lists=out, escalation=escalation, platform_notice_days=days)


def load_rules(path: Path | None = None, *, known_types: Iterable[str] | None = None) -> ListRules:
    chosen = path or Path(os.environ.get("CHENGXIN_LIST_RULES") or DEFAULTS)
    known = frozenset(known_types) if known_types is not None else None
    return _load(str(chosen), chosen.stat().st_mtime_ns, known)


@cache
def _load(path: str, _mtime_ns: int, known: frozenset[str] | None) -> ListRules:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid([f"{path}: not valid TOML ({exc})"]) from exc
    return parse_rules(raw, known_types=known)


# --- dates -----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- who qualifies ---------------------------------------------------------------------------


def _criterion_match(c: Criterion, records: Sequence[RecordFact], grade: str | None, today: date) -> Match | None:
    if c.grades is not None and grade not in c.grades:
        return None
    if c.clean_months is not None:
        clean_since = add_months(today, -c.clean_months)
        if any(r.polarity == "negative" and r.status in LIVE and r.decided_on >= clean_since for r in records):
            return None
    if not c.record_types:
        return Match(criterion=c.name, grade=grade)
    since = add_months(today, -c.within_months) if c.within_months else None
    hits = [
        r.record_id
        for r in records
        if r.type_code in c.record_types
        and r.status in LIVE
        and (c.severities is None or r.severity in c.severities)
        and (since is None or r.decided_on >= since)
    ]
    if len(hits) < c.min_count:
        return None
    return Match(criterion=c.name, record_ids=tuple(sorted(hits)), grade=grade if c.grades else None)


def matches(kind: ListKind, records: Sequence[RecordFact], grade: str | None, today: date) -> list[Match]:
    """The criteria of ``kind`` the subject meets today, each with the records (or grade) it rests on."""
    found = (_criterion_match(c, records, grade, today) for c in kind.criteria)
    return [m for m in found if m is not None]


# --- the procedure ---------------------------------------------------------------------------


def check_step(status: str, to: str) -> None:
    """Raise ``Refusal`` when the procedure does not allow ``status`` → ``to`` (no skipping review or notice)."""
    if to not in TRANSITIONS.get(status, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(status, frozenset()))) or "nothing"
        raise Refusal("list_step_refused", f"a listing that is {status} cannot become {to} (it may become: {allowed})")


def check_publish(status: str, objection_until: date | None, today: date) -> None:
    """Publication needs the notice and a closed objection window."""
    check_step(status, "published")
    if objection_until is None or today <= objection_until:
        raise Refusal("objection_window_open", f"the objection window runs until {objection_until}; publish after it")


def check_reviewer(
    kind: ListKind, *, source_org: int | None, parent_org: int | None, reviewer_org: int | None, is_centre: bool
) -> None:
    """``one_level_up``: the parent of the deciding organisation reviews (the deciding organisation itself
    or the credit centre when it has no parent); ``same_level``: the deciding organisation or the centre."""
    if is_centre and (kind.review == "same_level" or parent_org is None):
        return
    expected = parent_org if kind.review == "one_level_up" and parent_org is not None else source_org
    if reviewer_org is None or reviewer_org != expected:
        raise Refusal(
            "list_reviewer",
            f"the {kind.name} listing is reviewed by organisation {expected}"
            + (" (one level up from the deciding organisation)" if kind.review == "one_level_up" else ""),
        )


def removal(
    kind: ListKind, *, published_on: date, ends_on: date, still_qualifies: bool, basis_revoked: bool, today: date
) -> str | None:
    """Why a published listing ends today, or None: its period is over; its basis was revoked (at once); it
    no longer qualifies — a red listing at once, a black or watch listing once the minimum time has passed."""
    if today >= ends_on:
        return "expired"
    if still_qualifies:
        return None
    if basis_revoked:
        return "revoked"
    if not kind.negative:
        return "no_longer_qualifies"
    earliest = add_months(published_on, kind.early_removal_after_months or 0)
    return "repaired" if today >= earliest else None
