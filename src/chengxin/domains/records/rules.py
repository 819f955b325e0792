"""Credit-record rules (pure): validating a submission against the catalog, lifecycle states,
and who may see which record.

``prepare`` turns one submission (from the API, a file row or another capability) into the
column values of a record, or raises ``RecordRejected`` with a stable code and a reason. The
same function serves every channel, so a file row and an API call are judged alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import orjson

from chengxin.domains.catalog.rules import (
    Catalog,
    Disclosure,
    Publicity,
    RecordType,
    Severity,
    is_special_sector,
    publicity_for,
    resolve_severity,
)


class Status(StrEnum):
    active = "active"  # 有效（公示中）
    under_objection = "under_objection"  # 异议处理中
    repaired = "repaired"  # 已修复
    expired = "expired"  # 公示期满
    revoked = "revoked"  # 已撤销


STATUS_ZH = {
    Status.active: "有效",
    Status.under_objection: "异议处理中",
    Status.repaired: "已修复",
    Status.expired: "公示期满",
    Status.revoked: "已撤销",
}
LIVE = frozenset({Status.active, Status.under_objection})  # statuses in which a record may be shown


class Change(StrEnum):
    original = "original"
    correction = "correction"  # 更正
    revocation = "revocation"  # 撤销


class RecordRejected(ValueError):
    """A submission that cannot become a record; ``code`` is stable, ``detail`` says why."""

    def __init__(self, code: str, detail: str, *, forbidden: bool = False) -> None:
        super().__init__(detail)
        self.code, self.detail, self.forbidden = code, detail, forbidden


@dataclass(frozen=True)
class Party:
    """Who a record is about, as the source names it (行政相对人)."""

    name: str = ""
    kind: str | None = None  # legal | natural, when known
    uscc: str | None = None
    ric: str | None = None
    other_code: str | None = None  # 工商注册号, 组织机构代码 … (kept for reconciliation)
    subject_id: int | None = None


@dataclass(frozen=True)
class Submission:
    type_code: str
    source_record_id: str
    decided_on: date | str | None
    party: Party
    occurred_on: date | str | None = None
    severity: str | None = None
    document_no: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    valid_to: date | str | None = None


@dataclass(frozen=True)
class Prepared:
    """A valid submission: the record's column values (subject and source still to be set)."""

    rtype: RecordType
    values: dict[str, Any]
    party: Party
    publicity: Publicity


def parse_day(value: date | str | None, what: str) -> date | None:
    """A date from ISO text or the forms Chinese sheets use (2024/3/5, 2024年3月5日, 20240305)."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    for a, b in (("年", "-"), ("月", "-"), ("日", ""), ("/", "-"), (".", "-")):
        text = text.replace(a, b)
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text.split("-")
    try:
        if len(parts) != 3:
            raise ValueError(text)
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise RecordRejected("invalid_date", f"{what}: {value!r} is not a date") from exc


FINGERPRINT_JSON = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _fingerprint(values: Mapping[str, Any], party: Party) -> str:
    content = {k: values[k] for k in ("type_code", "source_document_no", "occurred_on", "decided_on", "severity")}
    content["payload"] = values["payload"]
    content["party"] = [party.subject_id, party.uscc, party.ric, party.name]
    return hashlib.sha256(orjson.dumps(content, default=str, option=FINGERPRINT_JSON)).hexdigest()


# A prepared record's column values come in three parts: those of its type, those of its
# publicity, and its own (``OWN_VALUES`` and the fingerprint). A bulk import ships only the last
# between processes and rebuilds the others from the catalog.
OWN_VALUES = ("source_record_id", "source_document_no", "occurred_on", "decided_on", "payload", "severity")


def type_values(rtype: RecordType, catalog_version: int) -> dict[str, Any]:
    return {
        "type_code": rtype.code,
        "category": rtype.category,
        "polarity": str(rtype.polarity),
        "catalog_version": catalog_version,
        "disclosure": str(rtype.disclosure),
    }


def publicity_values(publicity: Publicity) -> dict[str, Any]:
    return {
        "regime": publicity.regime,
        "published": publicity.published,
        "published_from": publicity.published_from,
        "publicity_until": publicity.until,
        "repairable_from": publicity.repairable_from,
    }


def prepare(catalog: Catalog, sub: Submission, *, submitter_role: str | None, today: date) -> Prepared:
    """Validate ``sub`` against the catalog in force; compute severity and publicity.
    ``submitter_role`` None: a correction decided on an objection (the decider's right to make it
    was checked by the objection), not a submission."""
    rtype = catalog.get(sub.type_code)
    if rtype is None:
        raise RecordRejected("unknown_record_type", f"record type {sub.type_code!r} is not in the catalog")
    if not rtype.active:
        raise RecordRejected("record_type_inactive", f"record type {rtype.code} is no longer accepted")
    if submitter_role is not None and submitter_role not in rtype.submitters:
        raise RecordRejected(
            "submitter_not_allowed",
            f"a {submitter_role} may not submit {rtype.code} records (allowed: {', '.join(sorted(rtype.submitters))})",
            forbidden=True,
        )
    source_id = (sub.source_record_id or "").strip()
    if not source_id:
        raise RecordRejected("missing_field", "source_record_id is required (the source's own id of the record)")
    if len(source_id) > 120:
        raise RecordRejected("invalid_field", "source_record_id is longer than 120 characters")
    if sub.party.kind and sub.party.kind not in rtype.subject_kinds:
        raise RecordRejected(
            "subject_kind_not_allowed", f"{rtype.code} records are not kept for {sub.party.kind} persons"
        )
    payload = {str(k): v for k, v in sub.payload.items() if v not in (None, "")}
    document_no = (sub.document_no or "").strip() or None
    if document_no:
        payload.setdefault("document_no", document_no)
    missing = [f for f in rtype.required if f not in payload]
    if missing:
        raise RecordRejected("missing_field", f"{rtype.code} requires {', '.join(missing)}")
    decided = parse_day(sub.decided_on, "decided_on")
    if decided is None:
        raise RecordRejected("missing_field", "decided_on (the decision date) is required")
    occurred = parse_day(sub.occurred_on, "occurred_on")
    valid_to = parse_day(sub.valid_to, "valid_to")
    for what, day in (("decided_on", decided), ("occurred_on", occurred)):
        if day is not None and day > today:
            raise RecordRejected("future_date", f"{what} {day} is in the future")
        if day is not None and day.year < 1949:
            raise RecordRejected("invalid_date", f"{what} {day} is implausibly early")
    if occurred is not None and occurred > decided:
        raise RecordRejected("date_order", f"occurred_on {occurred} is after decided_on {decided}")
    if valid_to is not None and valid_to < decided:
        raise RecordRejected("date_order", f"valid_to {valid_to} is before decided_on {decided}")
    try:
        severity = resolve_severity(rtype, sub.severity, str(payload.get("penalty_category") or "") or None)
    except ValueError as exc:
        code = (
            "inconsistent_severity" if "inconsistent" in str(exc) or "not allowed" in str(exc) else "invalid_severity"
        )
        raise RecordRejected(code, str(exc)) from exc
    special = is_special_sector(
        catalog.regimes.order58,
        [
            str(payload.get("violation_type") or ""),
            str(payload.get("legal_basis") or ""),
            str(payload.get("sector") or ""),
        ],
    )
    publicity = publicity_for(
        rtype, catalog.regimes, severity=severity, decided_on=decided, valid_to=valid_to, special_sector=special
    )
    if valid_to is not None:
        payload.setdefault("valid_to", valid_to.isoformat())
    own = (source_id, document_no, occurred, decided, payload, str(severity))
    values = {
        **type_values(rtype, catalog.version),
        **publicity_values(publicity),
        **dict(zip(OWN_VALUES, own, strict=True)),
    }
    values["fingerprint"] = _fingerprint(values, sub.party)
    return Prepared(rtype, values, sub.party, publicity)


def initial_status(publicity: Publicity, today: date) -> Status:
    """A record submitted after its publicity period already ended lands as expired."""
    if publicity.until is not None and publicity.until < today:
        return Status.expired
    return Status.active


def is_due(status: str, publicity_until: date | None, today: date) -> bool:
    """Whether the publicity job must stop publishing the record today (its last day was before)."""
    return status in LIVE and publicity_until is not None and publicity_until < today


def is_public(
    *, status: str, published: bool, disclosure: str, published_from: date, publicity_until: date | None, today: date
) -> bool:
    """Shown on public pages: live, published, public, and inside its publicity period (checked
    on the date itself, so a record is hidden on time even before the job has run)."""
    return (
        status in LIVE
        and published
        and disclosure == Disclosure.public
        and published_from <= today
        and (publicity_until is None or today <= publicity_until)
    )


class Viewer(StrEnum):
    public = "public"  # anyone: public records inside their period
    self = "self"  # the subject itself: everything, with history
    departments = "departments"  # shared among departments: public + departments, any status
    full = "full"  # also restricted records (authorised, with a purpose)


def may_see(viewer: Viewer, *, disclosure: str, public_now: bool) -> bool:
    if viewer in (Viewer.self, Viewer.full):
        return True
    if viewer is Viewer.departments:
        return disclosure in (Disclosure.public, Disclosure.departments)
    return public_now


SEVERITY_LABEL = {
    str(k): v for k, v in {Severity.minor: "轻微", Severity.general: "一般", Severity.serious: "严重"}.items()
}
