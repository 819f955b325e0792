"""Commitment rules (pure): the standard templates (信用承诺书规范格式), who may sign which,
rendering a template for a subject, the dates a commitment and a breach (违诺) may carry, and
what the public sees.

The templates are configuration (``templates.toml``); ``parse_templates`` checks them once, so a
typo in a placeholder or a role fails at load, not when a subject signs.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from chengxin.errors import Conflict, InvalidInput
from chengxin.security.masking import mask_text as mask_text  # re-exported (the masks live in security.masking)

SUBJECT_KINDS = frozenset({"legal", "natural"})
SUBJECT_ROLES = frozenset({"platform_operator", "merchant", "logistics_company", "courier", "practitioner", "consumer"})
PLACEHOLDERS = frozenset({"name", "code_label", "code", "date"})
CODE_LABEL = {"legal": "统一社会信用代码", "natural": "居民身份证号码"}


class Channel(StrEnum):
    online = "online"  # 网上签署 (the subject itself, self-service)
    paper = "paper"  # 书面承诺 (signed on paper, recorded by a department)


class Status(StrEnum):
    active = "active"  # 履约中
    breached = "breached"  # 已违诺
    withdrawn = "withdrawn"  # 已撤回


STATUS_ZH = {Status.active: "履约中", Status.breached: "已违诺", Status.withdrawn: "已撤回"}
CHANNEL_ZH = {Channel.online: "网上签署", Channel.paper: "书面承诺"}
PUBLIC_STATUSES = frozenset({Status.active, Status.breached})  # shown to the public when published


class TemplateError(ValueError):
    """The template configuration is wrong (raised at load)."""


@dataclass(frozen=True)
class Template:
    code: str
    title: str  # 承诺书名称
    topic: str  # short label: 守法经营, 价格诚信 …
    subject_kinds: frozenset[str]
    roles: frozenset[str]  # empty: any role
    repeatable: bool
    legal_basis: str
    body: str

    def applies_to(self, *, kind: str, roles: Iterable[str]) -> bool:
        """Whether a subject of ``kind`` playing ``roles`` may sign this commitment."""
        if kind not in self.subject_kinds:
            return False
        return not self.roles or bool(self.roles & set(roles))


@dataclass(frozen=True)
class TemplateSet:
    version: int
    earliest_signed_on: date
    preamble: str
    closing: str
    templates: tuple[Template, ...]

    def get(self, code: str) -> Template | None:
        return next((t for t in self.templates if t.code == code), None)

    def require(self, code: str) -> Template:
        found = self.get(code)
        if found is None:
            raise InvalidInput(
                f"unknown commitment template {code!r} (known: {', '.join(t.code for t in self.templates)})",
                code="unknown_template",
                message_zh="没有这种信用承诺书格式",
            )
        return found

    def full_text(self, template: Template) -> str:
        """The wording with its placeholders, as published in the template list."""
        return self.preamble + template.body + "\n" + self.closing

    def applicable(self, *, kind: str, roles: Iterable[str]) -> list[Template]:
        held = list(roles)
        return [t for t in self.templates if t.applies_to(kind=kind, roles=held)]


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise TemplateError(f"malformed placeholder in {text[:40]!r}…: {exc}") from exc


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{where}: {key} must be non-empty text")
    unknown = _placeholders(value) - PLACEHOLDERS
    if unknown:
        raise TemplateError(f"{where}: unknown placeholder(s) {sorted(unknown)} in {key}")
    return value


def parse_templates(content: Mapping[str, Any]) -> TemplateSet:
    """Check and freeze the template configuration."""
    earliest = content.get("earliest_signed_on")
    if not isinstance(earliest, date):
        raise TemplateError("earliest_signed_on must be a date (YYYY-MM-DD)")
    templates: list[Template] = []
    seen: set[str] = set()
    for i, raw in enumerate(content.get("templates") or []):
        where = f"templates[{i}]"
        code = raw.get("code")
        if not isinstance(code, str) or not code.isidentifier() or len(code) > 40:
            raise TemplateError(f"{where}: code must be an identifier of at most 40 characters")
        if code in seen:
            raise TemplateError(f"{where}: duplicate code {code!r}")
        seen.add(code)
        kinds = frozenset(raw.get("subject_kinds") or ())
        if not kinds or kinds - SUBJECT_KINDS:
            raise TemplateError(f"{code}: subject_kinds must be a non-empty subset of {sorted(SUBJECT_KINDS)}")
        roles = frozenset(raw.get("roles") or ())
        if roles - SUBJECT_ROLES:
            raise TemplateError(f"{code}: unknown role(s) {sorted(roles - SUBJECT_ROLES)}")
        title = _text(raw, "title", code)
        if len(title) > 200:
            raise TemplateError(f"{code}: title longer than 200 characters")
        templates.append(
            Template(
                code=code,
                title=title,
                topic=_text(raw, "topic", code),
                subject_kinds=kinds,
                roles=roles,
                repeatable=bool(raw.get("repeatable", False)),
                legal_basis=str(raw.get("legal_basis") or ""),
                body=_text(raw, "body", code),
            )
        )
    if not templates:
        raise TemplateError("no templates defined")
    return TemplateSet(
        version=int(content.get("version", 1)),
        earliest_signed_on=earliest,
        preamble=_text(content, "preamble", "preamble"),
        closing=_text(content, "closing", "closing"),
        templates=tuple(templates),
    )


@cache
def default_templates() -> TemplateSet:
    """The shipped templates (``templates.toml`` beside this module)."""
    text = resources.files("chengxin.domains.commitments").joinpath("templates.toml").read_text("utf-8")
    return parse_templates(tomllib.loads(text))


# --------------------------------------------------------------------------- rendering


def chinese_date(day: date) -> str:
    """2026-11-24 → 2026年11月24日 (the form a signed document carries)."""
    return f"{day.year}年{day.month}月{day.day}日"


def render(tset: TemplateSet, template: Template, *, kind: str, name: str, code: str, signed_on: date) -> str:
    """The text a subject signs: the template filled in with its name, code and the date.

    ``code`` is the USCC of a legal person or the *masked* identity number of a person — the
    text is published, so it never holds an identity number in clear."""
    values = {"name": name, "code_label": CODE_LABEL[kind], "code": code, "date": chinese_date(signed_on)}
    return tset.full_text(template).format_map(values)


# --------------------------------------------------------------------------- checks


def check_applicable(template: Template, *, kind: str, roles: Iterable[str]) -> None:
    held = sorted(roles)
    if not template.applies_to(kind=kind, roles=held):
        who = ", ".join(sorted(template.roles)) or "any role"
        raise InvalidInput(
            f"template {template.code} is for {'/'.join(sorted(template.subject_kinds))} subjects with roles: {who}; "
            f"this subject is {kind} with roles: {', '.join(held) or 'none'}",
            code="template_not_applicable",
            message_zh=f"该主体不适用《{template.title}》",
        )


def check_not_duplicate(template: Template, *, active_id: int | None) -> None:
    """One active commitment per subject and (non-repeatable) template."""
    if active_id is not None and not template.repeatable:
        raise Conflict(
            f"the subject already has an active {template.code} commitment (id {active_id})",
            code="already_committed",
            message_zh="已作出过该项信用承诺，且仍在履约中",
            errors=[{"field": "template", "code": "already_committed", "existing_id": active_id}],
        )


def check_signed_on(signed_on: date, *, today: date, earliest: date) -> None:
    """A commitment is dated on or before today (Asia/Shanghai) and not before the regime existed."""
    if signed_on > today:
        raise InvalidInput(
            f"signed_on {signed_on} is in the future (today is {today})",
            code="future_date",
            message_zh="承诺日期不能晚于今天",
            errors=[{"field": "signed_on", "code": "future_date"}],
        )
    if signed_on < earliest:
        raise InvalidInput(
            f"signed_on {signed_on} is before {earliest}, when credit commitments began",
            code="date_too_early",
            message_zh="承诺日期早于信用承诺制度建立时间",
            errors=[{"field": "signed_on", "code": "date_too_early"}],
        )


def check_found_on(found_on: date, *, signed_on: date, today: date) -> None:
    """A breach is found on or before today, and not before the commitment was signed."""
    if found_on > today:
        raise InvalidInput(
            f"found_on {found_on} is in the future (today is {today})",
            code="future_date",
            message_zh="违诺认定日期不能晚于今天",
            errors=[{"field": "found_on", "code": "future_date"}],
        )
    if found_on < signed_on:
        raise InvalidInput(
            f"found_on {found_on} is before the commitment was signed ({signed_on})",
            code="date_order",
            message_zh="违诺认定日期早于承诺日期",
            errors=[{"field": "found_on", "code": "date_order"}],
        )


def check_breachable(status: str) -> None:
    """A withdrawn commitment binds no longer: a breach of it is refused."""
    if status == Status.withdrawn:
        raise Conflict(
            "the commitment was withdrawn; a breach cannot be recorded against it",
            code="commitment_withdrawn",
            message_zh="该信用承诺已撤回，不能认定违诺",
        )


def publicly_listed(*, status: str, published: bool) -> bool:
    """The public sees published commitments that are in force or breached (履约中 / 已违诺)."""
    return published and status in PUBLIC_STATUSES


def sees_everything(*, is_self: bool, is_official: bool) -> bool:
    """The subject itself and departments (records shared among departments) see every
    commitment, unpublished and withdrawn ones too."""
    return is_self or is_official
