"""Credit report rules (信用报告): which kind of report a caller may have, what each kind shows, its number
and its validity. Pure functions fed by ``defaults.toml`` (or ``CHENGXIN_REPORT_RULES``); no I/O but loading it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from chengxin.errors import ProblemsFound

DEFAULTS = Path(__file__).with_name("defaults.toml")
Kind = Literal["self", "public", "third_party"]
KINDS: tuple[Kind, ...] = ("self", "public", "third_party")
KIND_ZH = {"self": "本人版", "public": "公示版", "third_party": "授权查询版"}
RECORD_VIEWS = ("self", "full", "public")
IDENTITY_MODES = ("own", "policy", "masked")
LIST_STATUSES = ("published", "notified", "objected", "removed")
# Report numbers: no I, O, S, Z, V (read as 1, 0, 5, 2, U); the check character is over the same alphabet.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RANDOM_LENGTH = 8


class RulesInvalid(ProblemsFound):
    """The report rules file has problems (each one named)."""


class Refusal(ValueError):
    """A report the caller may not have: a stable code, a Chinese message and the HTTP-ish kind."""

    def __init__(self, code: str, detail: str, message_zh: str, *, denied: bool = True) -> None:
        super().__init__(detail)
        self.code, self.detail, self.message_zh, self.denied = code, detail, message_zh, denied


@dataclass(frozen=True)
class KindPolicy:
    title: str
    records: str  # self | full | public
    identity: str  # own | policy | masked
    grade: bool
    lists: tuple[str, ...]
    commitments: bool
    transaction_credit: bool


@dataclass(frozen=True)
class ReportRules:
    validity_days: int
    number_prefix: str
    kinds: Mapping[str, KindPolicy]

    def policy(self, kind: str) -> KindPolicy:
        return self.kinds[kind]


def parse_rules(raw: Mapping[str, Any]) -> ReportRules:
    problems: list[str] = []
    days = raw.get("validity_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3660:
        problems.append("validity_days: a whole number of days from 1 to 3660")
        days = 30
    prefix = raw.get("number_prefix", "XY")
    if not isinstance(prefix, str) or not prefix or any(c not in ALPHABET for c in prefix) or len(prefix) > 4:
        problems.append(f"number_prefix: 1-4 characters of {ALPHABET}")
        prefix = "XY"
    kinds: dict[str, KindPolicy] = {}
    given = raw.get("kinds") or {}
    for kind in KINDS:
        k = given.get(kind)
        where = f"kinds.{kind}"
        if not isinstance(k, Mapping):
            problems.append(f"{where}: missing")
            continue
        records, identity = k.get("records"), k.get("identity")
        if records not in RECORD_VIEWS:
            problems.append(f"{where}.records: one of {', '.join(RECORD_VIEWS)}")
        if identity not in IDENTITY_MODES:
            problems.append(f"{where}.identity: one of {', '.join(IDENTITY_MODES)}")
        lists = k.get("lists", [])
        if not isinstance(lists, list) or any(s not in LIST_STATUSES for s in lists):
            problems.append(f"{where}.lists: statuses among {', '.join(LIST_STATUSES)}")
            lists = []
        flags = {f: k.get(f, False) for f in ("grade", "commitments", "transaction_credit")}
        problems += [f"{where}.{f}: true or false" for f, v in flags.items() if not isinstance(v, bool)]
        if kind != "self" and (records == "self" or identity == "own"):
            problems.append(f"{where}: only the subject's own report may show its whole file or identity in clear")
        kinds[kind] = KindPolicy(
            title=str(k.get("title") or f"信用报告（{KIND_ZH[kind]}）"),
            records=str(records),
            identity=str(identity),
            grade=bool(flags["grade"]),
            lists=tuple(lists),
            commitments=bool(flags["commitments"]),
            transaction_credit=bool(flags["transaction_credit"]),
        )
    if problems:
        raise RulesInvalid(problems)
    return ReportRules(validity_days=days, number_prefix=prefix, kinds=kinds)


def load_rules(path: Path | None = None) -> ReportRules:
    chosen = path or Path(os.environ.get("CHENGXIN_REPORT_RULES") or DEFAULTS)
    return _load(str(chosen), chosen.stat().st_mtime_ns)


@cache
def _load(path: str, _mtime_ns: int) -> ReportRules:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid([f"{path}: not valid TOML ({exc})"]) from exc
    return parse_rules(raw)


# --- who may have which report -------------------------------------------------------------------


def check_request(
    kind: str, *, role: str, is_self: bool, may_issue: bool, may_query: bool, purpose: str | None
) -> Kind:
    """The kind asked for, if this caller may have it; ``Refusal`` says why not.

    - ``self``: the subject itself (``self:read``), or the credit centre on its behalf;
    - ``public``: anyone (rate-limited per client over HTTP);
    - ``third_party``: a holder of ``reports:issue`` or ``queries:run`` with a stated purpose — then admitted
      as an authorised query is (``queries.service.admit``: the purpose from the query purposes, for a natural
      person the person's authorisation or, for departments on purposes that allow it, a legal basis)."""
    if kind not in KINDS:
        raise Refusal("report_kind_unknown", f"kind must be one of {', '.join(KINDS)}", "报告类型无效", denied=False)
    if kind == "self":
        if not (is_self or role == "credit_centre"):
            raise Refusal("report_not_own", "only the subject itself (or the credit centre for it) may have its own "
                          "full report", "本人版信用报告仅限信用主体本人（或信用中心代为）出具")  # fmt: skip
    elif kind == "third_party":
        if not (may_issue or may_query):
            raise Refusal("report_not_authorised", "an authorised report needs the permission reports:issue or "
                          "queries:run", "无权出具授权查询版信用报告")  # fmt: skip
        if not purpose:
            raise Refusal("purpose_required", "an authorised report needs a stated purpose (purpose: one of GET "
                          "/api/v1/query-purposes)", "授权查询版信用报告须说明查询用途")  # fmt: skip
    return kind


# --- numbers and validity ------------------------------------------------------------------------


def check_char(body: str) -> str:
    """MOD 31 check character over ``ALPHABET``, weighted by position: 31 is prime, so any one changed
    character (and any swap of two neighbours) of a body shorter than 31 changes it."""
    total = sum((i + 1) * (ALPHABET.index(ch) if ch in ALPHABET else ord(ch)) for i, ch in enumerate(body))
    return ALPHABET[-total % 31]


def new_number(prefix: str, day: date, randomness: bytes) -> str:
    """A report number (报告编号): prefix, issue date, random characters (numbers cannot be guessed from
    each other), one check character, e.g. ``XY20261125K7Q3M9A2T``."""
    if len(randomness) < RANDOM_LENGTH:
        raise ValueError(f"need {RANDOM_LENGTH} random bytes")
    tail = "".join(ALPHABET[b % 31] for b in randomness[:RANDOM_LENGTH])
    body = f"{prefix}{day:%Y%m%d}{tail}"
    return body + check_char(body)


def well_formed(number: str) -> bool:
    """The shape and check character of a report number (before asking the registry about it)."""
    text = number.strip().upper()
    if not 12 <= len(text) <= 32 or any(c not in ALPHABET for c in text):
        return False
    return check_char(text[:-1]) == text[-1]


def valid_until(issued_at: datetime, days: int) -> datetime:
    return issued_at + timedelta(days=days)


def is_expired(until: datetime, now: datetime) -> bool:
    return now > until
