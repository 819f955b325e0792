"""Request and response models of the unmatched queue (待匹配)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.domains.records.models import UnmatchedRecord
from chengxin.ids import Id
from chengxin.text import CleanText

REASON_ZH = {
    "unknown_subject": "未找到该代码对应的信用主体",
    "no_identifier": "缺少统一社会信用代码或身份证号码",
}
STATUS_ZH = {"open": "待匹配", "resolved": "已匹配", "dismissed": "已忽略"}


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_id: Id = Field(description="the registered subject the record is about")


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: CleanText = Field(min_length=1, max_length=500, description="why the submission is set aside")


class UnmatchedOut(BaseModel):
    """A parked submission. A natural person's identity number is shown masked only."""

    id: int
    status: str
    source_org_id: int
    source_org: str | None
    source_record_id: str
    type_code: str
    party_name: str
    party_kind: str | None
    party_code: str | None = Field(description="USCC or another registration number, as the source gave it")
    party_ric_masked: str | None = Field(description="a natural person's identity number, masked")
    reason: str
    reason_zh: str
    detail: str
    document_no: str | None
    decided_on: str | None
    resolved_record_id: int | None
    resolved_by: str | None
    resolved_at: datetime | None
    dismissal_reason: str | None
    created_at: datetime
    payload: dict[str, Any] | None = Field(default=None, description="the record's content (single item only)")


class UnmatchedPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[UnmatchedOut]


def present(u: UnmatchedRecord, *, source: str | None, full: bool = False) -> UnmatchedOut:
    s = u.submission or {}
    dismissal = (u.provenance or {}).get("dismissal")
    return UnmatchedOut(
        id=u.id,
        status=u.status,
        source_org_id=u.source_org_id,
        source_org=source,
        source_record_id=u.source_record_id,
        type_code=u.type_code,
        party_name=u.party_name,
        party_kind=u.party_kind,
        party_code=u.party_code,
        party_ric_masked=u.party_ric_masked,
        reason=u.reason,
        reason_zh=REASON_ZH.get(u.reason, u.reason),
        detail=u.detail,
        document_no=s.get("document_no"),
        decided_on=s.get("decided_on"),
        resolved_record_id=u.resolved_record_id,
        resolved_by=u.resolved_by,
        resolved_at=u.resolved_at,
        dismissal_reason=str(dismissal.get("reason")) if isinstance(dismissal, dict) else None,
        created_at=u.created_at,
        payload=dict(s.get("payload") or {}) if full else None,
    )
