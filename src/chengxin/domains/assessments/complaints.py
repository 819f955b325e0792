"""Complaint intake (投诉数据): rows from a file (CSV/XLSX/JSON, Chinese or English headers) or the API.

Each row is checked on its own (``rules.check_complaint``): valid rows land, rejected rows are listed
with their row number, code and reason. A complaint is keyed by its number, so sending a file again
changes nothing, and sending a complaint's later state (answered, closed) updates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.assessments import rules
from chengxin.domains.assessments.models import Complaint
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.tabular import read_rows

ALIASES: dict[str, str] = {
    "complaint_no": "complaint_no",
    "投诉编号": "complaint_no",
    "投诉单号": "complaint_no",
    "工单号": "complaint_no",
    "channel": "channel",
    "渠道": "channel",
    "投诉渠道": "channel",
    "来源渠道": "channel",
    "platform_id": "platform_id",
    "平台编号": "platform_id",
    "平台代码": "platform_id",
    "seller_account_id": "seller_account_id",
    "商家账号": "seller_account_id",
    "店铺账号": "seller_account_id",
    "carrier_uscc": "carrier_uscc",
    "物流企业统一社会信用代码": "carrier_uscc",
    "快递企业统一社会信用代码": "carrier_uscc",
    "category": "category",
    "投诉类别": "category",
    "问题类别": "category",
    "received_at": "received_at",
    "受理时间": "received_at",
    "接收时间": "received_at",
    "投诉时间": "received_at",
    "responded_at": "responded_at",
    "首次响应时间": "responded_at",
    "响应时间": "responded_at",
    "closed_at": "closed_at",
    "办结时间": "closed_at",
    "结案时间": "closed_at",
    "outcome": "outcome",
    "处理结果": "outcome",
    "办理结果": "outcome",
}
OUTCOME_ZH = {
    "处理中": "pending",
    "待处理": "pending",
    "属实": "upheld",
    "投诉属实": "upheld",
    "不属实": "not_upheld",
    "投诉不属实": "not_upheld",
    "调解成功": "mediated",
    "已调解": "mediated",
    "撤回": "withdrawn",
    "已撤回": "withdrawn",
    "撤诉": "withdrawn",
}
CHANNEL_ZH = {
    "平台": "platform",
    "平台自有渠道": "platform",
    "其他": "other",
    "12315平台": "12315",
    "12345热线": "12345",
}
FIELDS = (
    "complaint_no",
    "channel",
    "platform_id",
    "seller_account_id",
    "carrier_uscc",
    "category",
    "received_at",
    "responded_at",
    "closed_at",
    "outcome",
)


@dataclass(frozen=True)
class RejectedRow:
    row: int
    code: str
    detail: str


@dataclass
class ComplaintImport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[RejectedRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rejections"] = [asdict(r) for r in self.rejections[:100]]
        return out


def _translated(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name, table in (("outcome", OUTCOME_ZH), ("channel", CHANNEL_ZH)):
        value = str(out.get(name) or "").strip()
        out[name] = table.get(value, value)
    return out


def intake(
    session: Session,
    actor: Actor,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    source: str,
    restrict: bool = False,
    platform_id: str | None = None,
) -> ComplaintImport:
    """Check and store complaint rows (one transaction, one audit entry). With ``restrict`` (a platform
    sending), only rows about ``platform_id`` — the sender's own platform — are accepted."""
    result = ComplaintImport()
    clean: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        result.rows += 1
        values, errors = rules.check_complaint(_translated(row))
        if values is not None and restrict and values["platform_id"] != platform_id:
            values, errors = None, [("not_your_platform", f"platform_id must be your own platform's ({platform_id})")]
        if values is None:
            result.rejected += 1
            result.rejections += [RejectedRow(number, code, detail) for code, detail in errors]
            continue
        clean[values["complaint_no"]] = values  # a number sent twice in one batch: the later row wins
    existing = {
        c.complaint_no: c
        for part in _chunks(list(clean), 500)
        for c in session.scalars(select(Complaint).where(Complaint.complaint_no.in_(part)))
    }
    for key, values in clean.items():
        old = existing.get(key)
        if old is None:
            session.add(Complaint(**values, source=source))
            result.inserted += 1
        elif any(getattr(old, k) != values[k] for k in FIELDS):
            for k in FIELDS:
                setattr(old, k, values[k])
            old.source = source
            result.updated += 1
        else:
            result.unchanged += 1
    detail = {k: v for k, v in result.as_dict().items() if k != "rejections"} | {"source": source}
    audit.record(session, actor, audit.Event("complaints.import", object_type="complaint", detail=detail))
    return result


def intake_file(session: Session, actor: Actor, path: Path) -> ComplaintImport:
    """A complaints file; ``UnusableInput`` when it has no header row with the required columns."""
    table = read_rows(path, ALIASES, required={"complaint_no", "received_at"})
    return intake(session, actor, table.rows, source=f"file:{path.name}")


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
