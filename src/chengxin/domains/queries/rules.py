"""Query rules (信用信息查询): which purposes (查询用途) a caller may state, when a query of a natural person
needs an authorisation (查询授权, PIPL §14-15, §23) and whether one covers the query, and the abuse rules
over the query log (查询日志审查) — pure functions fed by ``defaults.toml`` (or ``CHENGXIN_QUERY_RULES``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chengxin.errors import ProblemsFound

DEFAULTS = Path(__file__).with_name("defaults.toml")
ROLES = frozenset({"platform", "department", "credit_centre", "auditor", "subject", "public"})
LEGAL_BASIS_ROLES = frozenset({"department", "credit_centre"})  # may rely on a stated legal basis
SHANGHAI = ZoneInfo("Asia/Shanghai")
RULE_ZH = {
    "many_subjects": "短时间内查询大量不同主体",
    "off_hours": "非工作时间批量查询",
    "purpose_mismatch": "查询用途与机构业务不符",
    "repeated_subject": "反复查询同一主体",
}


class RulesInvalid(ProblemsFound):
    """The query rules file has problems (``problems`` names each)."""


class Refusal(ValueError):
    """A query or authorisation the rules refuse: ``code`` is stable, ``message_zh`` the reason shown."""

    def __init__(self, code: str, detail: str, message_zh: str) -> None:
        super().__init__(detail)
        self.code, self.detail, self.message_zh = code, detail, message_zh


@dataclass(frozen=True)
class Purpose:
    key: str
    name: str
    roles: frozenset[str]
    fields: tuple[str, ...]
    legal_basis: bool = False  # a department may query under a stated legal basis instead of an authorisation
    legal_needs_authorisation: bool = False


@dataclass(frozen=True)
class AbuseThresholds:
    window_minutes: int = 60
    many_subjects: int = 30
    off_hours_queries: int = 10
    repeated_queries: int = 5
    work_start_hour: int = 8
    work_end_hour: int = 20


@dataclass(frozen=True)
class QueryRules:
    fields: Mapping[str, str]
    purposes: Mapping[str, Purpose]
    business: Mapping[str, frozenset[str]]
    abuse: AbuseThresholds = field(default_factory=AbuseThresholds)

    def purpose_zh(self, key: str | None) -> str:
        if not key:
            return "—"
        p = self.purposes.get(key)
        return p.name if p else key

    def business_purposes(self, kind: str | None, sector: str | None) -> frozenset[str] | None:
        """The purposes that fit an organisation's business ("kind:sector", else "kind"); None: not checked."""
        if kind is None:
            return None
        return self.business.get(f"{kind}:{sector}") or self.business.get(kind)


def parse_rules(raw: Mapping[str, Any]) -> QueryRules:
    problems: list[str] = []
    fields = {str(k): str(v) for k, v in dict(raw.get("fields", {})).items()}
    if not fields:
        problems.append("[fields] is empty")
    purposes: dict[str, Purpose] = {}
    for key, p in dict(raw.get("purposes", {})).items():
        roles = frozenset(str(r) for r in p.get("roles", []))
        wanted = tuple(str(f) for f in p.get("fields", []))
        if not p.get("name"):
            problems.append(f"purpose {key}: no name")
        if not roles or roles - ROLES:
            problems.append(f"purpose {key}: roles must be some of {sorted(ROLES)}")
        if not wanted or set(wanted) - set(fields):
            problems.append(f"purpose {key}: fields must be some of {sorted(fields)}")
        purposes[key] = Purpose(
            key=key,
            name=str(p.get("name", key)),
            roles=roles,
            fields=wanted,
            legal_basis=bool(p.get("legal_basis", False)),
            legal_needs_authorisation=bool(p.get("legal_needs_authorisation", False)),
        )
    if not purposes:
        problems.append("no [purposes]")
    business: dict[str, frozenset[str]] = {}
    for key, keys in dict(raw.get("business", {})).items():
        unknown = set(keys) - set(purposes)
        if unknown:
            problems.append(f"business {key}: unknown purposes {sorted(unknown)}")
        business[str(key)] = frozenset(str(k) for k in keys)
    try:
        abuse = AbuseThresholds(**dict(raw.get("abuse", {})))
    except TypeError as exc:
        problems.append(f"[abuse]: {exc}")
        abuse = AbuseThresholds()
    if min(abuse.window_minutes, abuse.many_subjects, abuse.off_hours_queries, abuse.repeated_queries) < 1:
        problems.append("[abuse]: thresholds and the window must be at least 1")
    if not 0 <= abuse.work_start_hour < abuse.work_end_hour <= 24:
        problems.append("[abuse]: working hours must satisfy 0 <= start < end <= 24")
    if problems:
        raise RulesInvalid(problems)
    return QueryRules(fields=fields, purposes=purposes, business=business, abuse=abuse)


@cache
def _load(path: str, mtime: float) -> QueryRules:
    with open(path, "rb") as fh:
        return parse_rules(tomllib.load(fh))


def load_rules(path: str | Path | None = None) -> QueryRules:
    """The rules in force: ``path``, else ``CHENGXIN_QUERY_RULES``, else ``defaults.toml`` (read again when
    the file changes)."""
    chosen = Path(path or os.environ.get("CHENGXIN_QUERY_RULES") or DEFAULTS)
    return _load(str(chosen), chosen.stat().st_mtime)


# ---------------------------------------------------------------- authorised queries


@dataclass(frozen=True)
class AuthorisationFacts:
    """What the rules need to know of an authorisation (查询授权)."""

    id: int
    subject_id: int
    organisation_id: int | None
    purpose: str
    scope: frozenset[str]
    valid_from: date
    valid_until: date
    withdrawn: bool


@dataclass(frozen=True)
class Decision:
    purpose: Purpose
    fields: tuple[str, ...]
    basis: str  # authorisation | legal_basis | purpose (a legal person, no authorisation needed)


def check_scope(rules: QueryRules, *, purpose: str, scope: Sequence[str], valid_from: date, valid_until: date) -> None:
    """An authorisation to record: a known purpose, a scope of known kinds of information, a sane validity."""
    if purpose not in rules.purposes:
        raise Refusal("purpose_unknown", f"unknown purpose {purpose!r}", "查询用途不在规定范围内")
    bad = sorted(set(scope) - set(rules.fields))
    if not scope or bad:
        raise Refusal(
            "scope_invalid", f"scope must be some of {sorted(rules.fields)}; got {bad or 'nothing'}", "授权范围无效"
        )
    if valid_until < valid_from:
        raise Refusal("validity_invalid", "valid_until is before valid_from", "授权有效期无效")


def decide(
    rules: QueryRules,
    *,
    role: str,
    organisation_id: int | None,
    purpose: str | None,
    subject_id: int,
    subject_kind: str,
    authorisation: AuthorisationFacts | None,
    legal_basis: str | None,
    fields: Sequence[str] | None,
    today: date,
) -> Decision:
    """Whether this authorised query may be answered, and with which kinds of information; ``Refusal`` names
    the reason otherwise (no or an unknown purpose, a purpose the role may not state, an authorisation that
    is missing, not yet or no longer valid, withdrawn, out of scope, or another's)."""
    if not purpose:
        raise Refusal("purpose_missing", "an authorised query must state its purpose", "查询须说明用途")
    p = rules.purposes.get(purpose)
    if p is None:
        raise Refusal("purpose_unknown", f"unknown purpose {purpose!r}", "查询用途不在规定范围内")
    if role not in p.roles:
        raise Refusal(
            "purpose_not_allowed", f"role {role} may not query for {purpose}", f"您的角色不能以“{p.name}”用途查询"
        )
    wanted = tuple(fields) if fields else p.fields
    beyond = sorted(set(wanted) - set(p.fields))
    if beyond:
        raise Refusal(
            "field_not_allowed", f"purpose {purpose} does not cover {beyond}", f"“{p.name}”用途不能查询所请求的信息"
        )
    if legal_basis and authorisation is None:
        if not p.legal_basis or role not in LEGAL_BASIS_ROLES:
            raise Refusal(
                "legal_basis_not_allowed",
                f"a legal basis replaces an authorisation only for departments and purposes that allow it ({purpose}"
                " does not)"
                if not p.legal_basis
                else f"role {role} may not query on a legal basis",
                "该用途或角色不能以法定依据代替授权",
            )
        return Decision(p, wanted, "legal_basis")
    needs = subject_kind == "natural" or p.legal_needs_authorisation
    if authorisation is None:
        if needs:
            raise Refusal(
                "authorisation_required",
                "a query of a natural person needs the subject's authorisation (authorisation_id)"
                + (" or, for this purpose, a legal basis" if p.legal_basis and role in LEGAL_BASIS_ROLES else ""),
                "查询自然人信用信息须取得本人授权",
            )
        return Decision(p, wanted, "purpose")
    a = authorisation
    if a.subject_id != subject_id:
        raise Refusal(
            "authorisation_other_subject", f"authorisation {a.id} is for another subject", "该授权不是本主体的授权"
        )
    if a.organisation_id != organisation_id:
        raise Refusal(
            "authorisation_other_organisation",
            f"authorisation {a.id} was given to another organisation",
            "该授权不是授予本机构的",
        )
    if a.withdrawn:
        raise Refusal(
            "authorisation_withdrawn", f"authorisation {a.id} was withdrawn by the subject", "本人已撤回该授权"
        )
    if today < a.valid_from:
        raise Refusal(
            "authorisation_not_yet_valid", f"authorisation {a.id} is valid from {a.valid_from}", "授权尚未生效"
        )
    if today > a.valid_until:
        raise Refusal("authorisation_expired", f"authorisation {a.id} expired on {a.valid_until}", "授权已过期")
    if a.purpose != purpose:
        raise Refusal(
            "authorisation_out_of_scope",
            f"authorisation {a.id} is for the purpose {a.purpose}, not {purpose}",
            "查询用途超出授权范围",
        )
    outside = sorted(set(wanted) - a.scope)
    if outside:
        raise Refusal(
            "authorisation_out_of_scope", f"authorisation {a.id} does not cover {outside}", "查询的信息超出授权范围"
        )
    return Decision(p, wanted, "authorisation")


# ---------------------------------------------------------------- abuse detection


@dataclass(frozen=True)
class QueryEvent:
    """One registered query as the abuse rules see it."""

    id: int
    account: str  # "token:12", "user:alice", "ip:10.0.0.1"
    subject_id: int
    purpose: str | None
    at: datetime


@dataclass(frozen=True)
class Finding:
    rule: str
    subject_id: int | None
    count: int
    detail: str
    query_ids: tuple[int, ...]


def off_hours(at: datetime, t: AbuseThresholds) -> bool:
    """Outside working hours (Asia/Shanghai): before the start, after the end, or at the weekend."""
    local = at.astimezone(SHANGHAI)
    return local.weekday() >= 5 or not t.work_start_hour <= local.hour < t.work_end_hour


def findings(
    recent: Sequence[QueryEvent], new: QueryEvent, *, t: AbuseThresholds, fits: frozenset[str] | None
) -> list[Finding]:
    """What the query ``new`` shows, given the same account's ``recent`` queries (``new`` among them or not):
    many distinct subjects, off-hours bulk, a purpose outside the organisation's business (``fits``), the
    same subject again and again — each a finding only once its threshold is reached."""
    since = new.at - timedelta(minutes=t.window_minutes)
    window = {e.id: e for e in recent if e.account == new.account and since <= e.at <= new.at}
    window[new.id] = new
    events = sorted(window.values(), key=lambda e: (e.at, e.id))
    out: list[Finding] = []
    subjects = {e.subject_id for e in events}
    if len(subjects) >= t.many_subjects:
        out.append(
            Finding("many_subjects", None, len(subjects),
                    f"{len(subjects)} distinct subjects in {t.window_minutes} minutes", tuple(e.id for e in events))
        )  # fmt: skip
    if off_hours(new.at, t):
        late = [e for e in events if off_hours(e.at, t)]
        if len(late) >= t.off_hours_queries:
            out.append(
                Finding("off_hours", None, len(late), f"{len(late)} queries outside working hours in "
                        f"{t.window_minutes} minutes", tuple(e.id for e in late))
            )  # fmt: skip
    if fits is not None and new.purpose is not None and new.purpose not in fits:
        out.append(
            Finding("purpose_mismatch", None, 1, f"purpose {new.purpose} is not among the organisation's "
                    f"business purposes {sorted(fits)}", (new.id,))
        )  # fmt: skip
    same = [e for e in events if e.subject_id == new.subject_id]
    if len(same) >= t.repeated_queries:
        out.append(
            Finding("repeated_subject", new.subject_id, len(same),
                    f"subject {new.subject_id} queried {len(same)} times in {t.window_minutes} minutes",
                    tuple(e.id for e in same))
        )  # fmt: skip
    return out
