"""Detection review (监测线索复核): loading findings into review cases, the queue, dismissing a case.

``load_findings`` judges every row (refused rows listed with their reasons; the others land), keeps the
findings by ``finding_id`` (the same findings again add nothing), and queues them as review cases — one
per (platform, detector, group), a pending case of the same group gaining the new findings. A finding
whose entity (detector, entity type, id) was dismissed in an earlier case is kept as *suppressed* and not
queued again. Confirming a case (credit records, the subjects re-evaluated) is in ``decisions``.
Keyword-only arguments; never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from chengxin.db import rowcount, utcnow
from chengxin.domains.detection import rules
from chengxin.domains.detection.models import DetectionRun, Finding, ReviewCase
from chengxin.domains.detection.rules import CaseStatus, Rejection, ValidFinding
from chengxin.errors import Conflict, InvalidInput, NotFound, UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor

CHUNK = 500
PER_PAGE = 50


@dataclass
class LoadSummary:
    run_id: int | None = None  # None: nothing new landed (no run recorded)
    rows: int = 0
    stored: int = 0  # new findings kept (queued + suppressed)
    queued: int = 0
    suppressed: int = 0  # entity dismissed in an earlier case: kept, not queued
    already_loaded: int = 0  # finding_id known: nothing added
    rejected: int = 0
    cases_opened: int = 0
    cases_extended: int = 0  # pending cases of the same group that gained findings
    rejections: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "rejections"}
        return out | {"rejections": [r.as_dict() for r in self.rejections]}


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _known_ids(session: Session, ids: Iterable[str]) -> set[str]:
    known: set[str] = set()
    for part in _chunks(ids):
        known.update(session.scalars(select(Finding.finding_id).where(Finding.finding_id.in_(part))))
    return known


def _dismissed(session: Session, findings: list[ValidFinding]) -> dict[tuple[str, str, str], int]:
    """(detector, entity type, entity id) → the dismissed case that cleared it."""
    out: dict[tuple[str, str, str], int] = {}
    for part in _chunks(f.entity_id for f in findings):
        rows = session.execute(
            select(Finding.detector, Finding.entity_type, Finding.entity_id, ReviewCase.id)
            .join(ReviewCase, ReviewCase.id == Finding.case_id)
            .where(ReviewCase.status == str(CaseStatus.dismissed), Finding.entity_id.in_(part))
        )
        out.update({(d, t, e): int(c) for d, t, e, c in rows})
    return out


def _pending_case(session: Session, key: rules.CaseKey) -> ReviewCase | None:
    platform_id, detector, group_id, lone = key
    if group_id is None or lone is not None:
        return None
    q = select(ReviewCase).where(ReviewCase.status == str(CaseStatus.pending), ReviewCase.detector == detector,
                                 ReviewCase.group_id == group_id)  # fmt: skip
    q = q.where(ReviewCase.platform_id.is_(None) if platform_id is None else ReviewCase.platform_id == platform_id)
    return session.scalars(q.order_by(ReviewCase.id).limit(1)).first()


def load_findings(
    session: Session, findings: pl.DataFrame, *, actor: Actor, source: str, platform_id: str | None,
    first_row: int = 2,
) -> LoadSummary:  # fmt: skip
    """Load one run of findings (a file's frame, or an upload's rows with ``first_row=1``)."""
    missing = rules.missing_columns(findings.columns)
    if missing:
        raise UnusableInput(f"{source}: missing column(s) {', '.join(missing)}", code="findings_columns_missing",
                            message_zh="线索文件缺少必需的列", extra={"missing": missing})  # fmt: skip
    platform_id = (platform_id or "").strip() or None
    summary = LoadSummary(rows=findings.height)
    rows = ((first_row + i, row) for i, row in enumerate(findings.iter_rows(named=True)))
    valid, summary.rejections = rules.validate(rows, platform_id=platform_id)
    summary.rejected = len(summary.rejections)
    known = _known_ids(session, (f.finding_id for f in valid))
    new = [f for f in valid if f.finding_id not in known]
    summary.already_loaded = len(valid) - len(new)
    if new:
        _store(session, actor=actor, new=new, summary=summary, source=source, platform_id=platform_id)
    audit.record(session, actor, audit.Event(
        "detection.load", object_type="detection_run", object_id=summary.run_id,
        detail={"source": source[:200], "platform_id": platform_id} | {k: v for k, v in summary.as_dict().items()
                                                                        if k != "rejections"},
    ))  # fmt: skip
    return summary


def _store(
    session: Session, *, actor: Actor, new: list[ValidFinding], summary: LoadSummary, source: str,
    platform_id: str | None,
) -> None:  # fmt: skip
    now = utcnow()
    run = DetectionRun(source=source[:300], platform_id=platform_id, loaded_by=actor.label, loaded_at=now, summary={})
    session.add(run)
    session.flush()
    summary.run_id = run.id
    cleared = _dismissed(session, new)
    rows: list[dict[str, Any]] = []

    def row(f: ValidFinding, case_id: int | None, suppressed_by: int | None) -> dict[str, Any]:
        return {"finding_id": f.finding_id, "run_id": run.id, "case_id": case_id, "detector": f.detector,
                "entity_type": f.entity_type, "entity_id": f.entity_id, "score": f.score, "group_id": f.group_id,
                "explanation": f.explanation, "evidence": f.evidence, "platform_id": f.platform_id,
                "status": "suppressed" if suppressed_by else "queued", "suppressed_by_case_id": suppressed_by,
                "loaded_at": now}  # fmt: skip

    queued = []
    for f in new:
        by = cleared.get(rules.entity_key(f))
        if by is None:
            queued.append(f)
        else:
            rows.append(row(f, None, by))
    summary.suppressed, summary.queued = len(new) - len(queued), len(queued)
    for key, members in rules.group(queued).items():
        top, explanation = rules.headline(members)
        case = _pending_case(session, key)
        if case is None:
            case = ReviewCase(detector=key[1], group_id=key[2], platform_id=key[0], status=str(CaseStatus.pending),
                              top_score=top, explanation=explanation, entity_count=len(members), first_run_id=run.id,
                              opened_at=now, updated_at=now)  # fmt: skip
            session.add(case)
            session.flush()
            summary.cases_opened += 1
        else:
            if top > case.top_score:
                case.top_score, case.explanation = top, explanation
            case.entity_count += len(members)
            case.updated_at = now
            summary.cases_extended += 1
        rows.extend(row(f, case.id, None) for f in members)
    session.execute(insert(Finding), rows)
    summary.stored = len(rows)
    run.summary = {k: v for k, v in summary.as_dict().items() if k not in ("rejections", "run_id")}
    session.flush()


def read_frame(data: bytes, *, name: str) -> pl.DataFrame:
    """A findings file's frame: ``.parquet`` or ``.csv`` (UTF-8, header row), every CSV value as text."""
    import io

    try:
        if name.endswith(".parquet"):
            return pl.read_parquet(io.BytesIO(data))
        if name.endswith(".csv"):
            return pl.read_csv(io.BytesIO(data), infer_schema=False)
    except Exception as exc:  # polars raises many kinds for a broken file
        raise UnusableInput(f"{name}: not a readable findings file ({exc})", code="findings_unreadable",
                            message_zh="线索文件无法读取") from exc  # fmt: skip
    raise UnusableInput(f"{name}: a findings file ends in .parquet or .csv", code="findings_unreadable",
                        message_zh="线索文件须为 .parquet 或 .csv")  # fmt: skip


def frame_of_rows(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An upload's rows as a frame of text columns (evidence objects as JSON text), as a CSV file reads."""
    import json

    columns = list(dict.fromkeys(k for r in rows for k in r))

    def text(v: Any) -> str | None:
        return None if v is None else json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)

    return pl.DataFrame({c: [text(r.get(c)) for r in rows] for c in columns}, schema=dict.fromkeys(columns, pl.String))


# --------------------------------------------------------------------------- the queue


def list_cases(
    session: Session, *, detector: str | None = None, status: str | None = None, page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[int, list[ReviewCase]]:  # fmt: skip
    """Cases, highest score first (pending ones oldest first among equals), and how many match."""
    q = select(ReviewCase)
    if detector:
        q = q.where(ReviewCase.detector == detector)
    if status:
        q = q.where(ReviewCase.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = session.scalars(q.order_by(ReviewCase.top_score.desc(), ReviewCase.id).offset((page - 1) * per_page)
                           .limit(per_page))  # fmt: skip
    return total, list(rows)


def get_case(session: Session, case_id: int) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise NotFound(f"no review case with id {case_id}", code="case_not_found", message_zh="未找到该复核案件")
    return case


def case_findings(session: Session, case_id: int) -> list[Finding]:
    q = select(Finding).where(Finding.case_id == case_id).order_by(Finding.score.desc(), Finding.finding_id)
    return list(session.scalars(q))


def claim(session: Session, *, actor: Actor, case_id: int, to: CaseStatus, reason: str,
          severity: str | None = None) -> ReviewCase:  # fmt: skip
    """Decide a pending case (compare-and-set on its status): of two reviewers at once exactly one wins,
    the other gets ``case_decided``."""
    case = get_case(session, case_id)
    won = rowcount(session.execute(
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.status == str(CaseStatus.pending))
        .values(status=str(to), decided_at=utcnow(), decided_by=actor.label, decision_reason=reason.strip() or None,
                severity=severity, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    if won != 1:
        raise Conflict(f"review case {case_id} has already been decided", code="case_decided",
                       message_zh="该复核案件已处理")  # fmt: skip
    session.refresh(case)
    return case


def dismiss(session: Session, *, actor: Actor, case_id: int, reason: str) -> ReviewCase:
    """Dismiss a case (排除): not a violation; its entities are not queued again by later runs."""
    if not reason.strip():
        raise InvalidInput("a dismissal states its reason", code="missing_reason", message_zh="请填写排除理由")
    case = claim(session, actor=actor, case_id=case_id, to=CaseStatus.dismissed, reason=reason)
    entities = [list(rules.entity_key(f)) for f in case_findings(session, case.id)]
    case.outcome = {"suppresses": entities}
    audit.record(session, actor, audit.Event(
        "detection.dismiss", object_type="review_case", object_id=case.id,
        detail={"detector": case.detector, "group_id": case.group_id, "reason": reason.strip(),
                "entities": len(entities)},
    ))  # fmt: skip
    session.flush()
    return case
