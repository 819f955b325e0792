"""Detection review rules (pure): what a valid finding row is, how findings group into review cases,
and whom a confirmed case's credit records are about.

The findings contract is MARKETPLACE.md § Findings. A row that breaks it is refused with a stable code
and a reason; the others land. A case is one (detector, group_id) — a finding without a group is a case
of its own. On confirmation, records go to the *accounts* the case names: the flagged seller and buyer
accounts, and the seller an evidence names as the one concerned (``seller_account_id`` …); the market
data tells the seller of a flagged order, item, waybill or visitor when the evidence does not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from chengxin.domains.subjects.identifiers import IdentifierError, validate_uscc

COLUMNS = ("finding_id", "detector", "entity_type", "entity_id", "score", "group_id", "explanation", "evidence")
DETECTORS = ("brushing", "malicious_review", "empty_parcel", "fake_traffic", "price_fraud")
ENTITY_TYPES = ("seller", "buyer", "order", "rating", "waybill", "item", "visitor")
ACCOUNT_TYPES = frozenset({"seller", "buyer"})
LOOKUP_TYPES = frozenset({"order", "item", "waybill", "visitor"})  # the market data knows their seller
EVIDENCE_LISTS = ("orders", "accounts", "links")
# evidence keys naming the seller concerned (空包裹/价格欺诈/虚假流量) or the competitor behind malicious reviews
SELLER_KEYS = ("seller_account_id", "seller_account_ids", "sellers")
COMPETITOR_KEYS = ("competitor_account_id", "competitor_seller_account_id", "beneficiary_account_id")
MAX_ID, MAX_GROUP, MAX_TEXT = 120, 200, 2000

DETECTOR_ZH = {
    "brushing": "刷单炒信",
    "malicious_review": "恶意评价",
    "empty_parcel": "空包裹代发",
    "fake_traffic": "虚假流量",
    "price_fraud": "价格欺诈",
}
ENTITY_ZH = {"seller": "卖家", "buyer": "买家", "order": "订单", "rating": "评价", "waybill": "运单",
             "item": "商品", "visitor": "访客"}  # fmt: skip


class CaseStatus(StrEnum):
    pending = "pending"  # 待复核
    confirmed = "confirmed"  # 已确认
    dismissed = "dismissed"  # 已排除


STATUS_ZH = {CaseStatus.pending: "待复核", CaseStatus.confirmed: "已确认", CaseStatus.dismissed: "已排除"}


class FindingRejected(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Rejection:
    row: int  # the file's row number (2 = the first under the header) or the upload's position (1 = first)
    finding_id: str | None
    code: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "finding_id": self.finding_id, "code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class ValidFinding:
    finding_id: str
    detector: str
    entity_type: str
    entity_id: str
    score: float
    group_id: str | None
    explanation: str
    evidence: dict[str, Any]
    platform_id: str | None


class FindingLike(Protocol):
    @property
    def detector(self) -> str: ...
    @property
    def entity_type(self) -> str: ...
    @property
    def entity_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def evidence(self) -> dict[str, Any]: ...
    @property
    def explanation(self) -> str: ...


def missing_columns(columns: Iterable[str]) -> list[str]:
    have = set(columns)
    return [c for c in COLUMNS if c not in have]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _required(raw: Mapping[str, Any], name: str, longest: int) -> str:
    value = _text(raw.get(name))
    if value is None:
        raise FindingRejected("missing_value", f"{name} is empty")
    if len(value) > longest:
        raise FindingRejected("value_too_long", f"{name} is longer than {longest} characters")
    return value


def _evidence(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        parsed: Any = dict(value)
    else:
        text = _text(value)
        if text is None:
            raise FindingRejected("missing_evidence", "evidence is empty (findings carry their evidence)")
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise FindingRejected("invalid_evidence", f"evidence is not JSON ({exc})") from exc
    if not isinstance(parsed, dict):
        raise FindingRejected("invalid_evidence", "evidence must be a JSON object")
    for key in EVIDENCE_LISTS:
        if key in parsed and not isinstance(parsed[key], list):
            raise FindingRejected("invalid_evidence", f"evidence.{key} must be a list")
    uscc = parsed.get("subject_id")
    if uscc is not None:
        try:
            parsed["subject_id"] = validate_uscc(str(uscc)).code
        except IdentifierError as exc:
            raise FindingRejected("invalid_subject_id", f"evidence.subject_id: {exc.detail}") from exc
    return parsed


def validate_row(raw: Mapping[str, Any], *, platform_id: str | None) -> ValidFinding:
    """One row as the contract wants it, or ``FindingRejected``. ``platform_id``: the platform the run is
    about — an evidence naming another platform is refused."""
    finding_id = _required(raw, "finding_id", MAX_ID)
    detector = _required(raw, "detector", 40)
    if detector not in DETECTORS:
        raise FindingRejected("unknown_detector", f"detector {detector!r} is not one of {', '.join(DETECTORS)}")
    entity_type = _required(raw, "entity_type", 40)
    if entity_type not in ENTITY_TYPES:
        raise FindingRejected("unknown_entity_type", f"entity_type {entity_type!r} is not one of "
                              f"{', '.join(ENTITY_TYPES)}")  # fmt: skip
    entity_id = _required(raw, "entity_id", MAX_GROUP)
    try:
        score = float(str(raw.get("score")).strip())
    except ValueError as exc:
        raise FindingRejected("invalid_score", f"score {raw.get('score')!r} is not a number") from exc
    if math.isnan(score) or not 0.0 <= score <= 1.0:
        raise FindingRejected("invalid_score", f"score {score} is not between 0 and 1")
    group_id = _text(raw.get("group_id"))
    if group_id is not None and len(group_id) > MAX_GROUP:
        raise FindingRejected("value_too_long", f"group_id is longer than {MAX_GROUP} characters")
    explanation = _required(raw, "explanation", MAX_TEXT)
    evidence = _evidence(raw.get("evidence"))
    said = _text(evidence.get("platform_id"))
    if platform_id and said and said != platform_id:
        raise FindingRejected("other_platform", f"the evidence names platform {said}, the run is about {platform_id}")
    return ValidFinding(finding_id, detector, entity_type, entity_id, score, group_id, explanation, evidence,
                        said or platform_id)  # fmt: skip


def validate(
    rows: Iterable[tuple[int, Mapping[str, Any]]], *, platform_id: str | None
) -> tuple[list[ValidFinding], list[Rejection]]:
    """Every row judged; a finding id seen earlier in the same input is refused (``duplicate_in_input``)."""
    valid: list[ValidFinding] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    for row, raw in rows:
        try:
            f = validate_row(raw, platform_id=platform_id)
            if f.finding_id in seen:
                raise FindingRejected("duplicate_in_input", f"finding_id {f.finding_id} appears earlier in the input")
        except FindingRejected as exc:
            rejected.append(Rejection(row, _text(raw.get("finding_id")), exc.code, exc.detail))
            continue
        seen.add(f.finding_id)
        valid.append(f)
    return valid, rejected


# --------------------------------------------------------------------------- cases


def entity_key(f: FindingLike) -> tuple[str, str, str]:
    """What a dismissal clears: the same entity flagged by the same detector is not queued again."""
    return (f.detector, f.entity_type, f.entity_id)


CaseKey = tuple[str | None, str, str | None, str | None]


def case_key(f: ValidFinding) -> CaseKey:
    """(platform, detector, group, lone finding): one case per ring or campaign, one per lone finding."""
    return (f.platform_id, f.detector, f.group_id, None if f.group_id else f.finding_id)


def group(findings: Iterable[ValidFinding]) -> dict[CaseKey, list[ValidFinding]]:
    out: dict[CaseKey, list[ValidFinding]] = {}
    for f in findings:
        out.setdefault(case_key(f), []).append(f)
    return out


def headline(findings: Sequence[FindingLike]) -> tuple[float, str]:
    """The case's top score and the explanation of its top-scoring finding."""
    top = max(findings, key=lambda f: (f.score, f.entity_type in ACCOUNT_TYPES))
    return top.score, top.explanation


# --------------------------------------------------------------------------- consequences


@dataclass(frozen=True)
class Target:
    """An account a confirmed case's record is about, with what the findings say of its subject."""

    account_id: str
    uscc: str | None = None  # from the evidence (contract: subject_id)
    platform_id: str | None = None
    why: str = "flagged"  # flagged | seller_concerned | competitor


@dataclass
class Targets:
    accounts: list[Target] = field(default_factory=list)
    lookup: list[tuple[str, str]] = field(default_factory=list)  # (entity_type, id): find the seller in market data


def _ids(value: Any) -> list[str]:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, (str, int)) and str(v).strip()]
    return []


def targets(detector: str, findings: Sequence[FindingLike]) -> Targets:
    """Whom the records of a confirmed case concern: the flagged seller and buyer accounts (brushing: the
    sellers that bought fake orders and the buyers that placed them; malicious reviews: the accounts that
    wrote them), the seller an evidence names (and the competitor behind malicious reviews); for a case
    naming no seller, its orders, items, waybills and visitors to look the seller up by."""
    out = Targets()
    seen: set[str] = set()

    def add(t: Target) -> None:
        if t.account_id not in seen:
            seen.add(t.account_id)
            out.accounts.append(t)

    for f in sorted(findings, key=lambda f: (f.entity_type != "seller", -f.score, f.entity_id)):
        ev = f.evidence
        platform = _text(ev.get("platform_id"))
        if f.entity_type in ACCOUNT_TYPES:
            add(Target(f.entity_id, _text(ev.get("subject_id")), platform, "flagged"))
        for key in SELLER_KEYS:
            for account in _ids(ev.get(key)):
                add(Target(account, None, platform, "seller_concerned"))
        if detector == "malicious_review":
            for key in COMPETITOR_KEYS:
                for account in _ids(ev.get(key)):
                    add(Target(account, None, platform, "competitor"))
    names_seller = any(t.why != "flagged" or _is_seller(findings, t.account_id) for t in out.accounts)
    if not names_seller and detector != "malicious_review":  # a rating's ratee is the victim, not the culprit
        out.lookup = sorted({(f.entity_type, f.entity_id) for f in findings if f.entity_type in LOOKUP_TYPES})
    return out


def _is_seller(findings: Sequence[FindingLike], account_id: str) -> bool:
    return any(f.entity_type == "seller" and f.entity_id == account_id for f in findings)


def finding_text(detector: str, case_id: int, explanation: str, entities: int) -> str:
    """The record's ``finding`` (认定事实): what was found, and that a reviewer confirmed it."""
    return (f"{DETECTOR_ZH.get(detector, detector)}：{explanation}（大数据监测线索，复核案件 {case_id}，"
            f"涉及 {entities} 个对象，经人工复核确认）")  # fmt: skip
