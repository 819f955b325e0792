"""Periodic credit assessments of platforms and logistics companies (信用状况评估): compute a period's
drafts, publish them as the bulletin (公告), read and export it.

A period is assessed once it is over; running it again replaces its drafts, but a published bulletin
stays as published (a correction is a new period's matter, or an operator's explicit withdrawal).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.assessments import measures, rules
from chengxin.domains.assessments.models import Assessment
from chengxin.domains.subjects.models import Subject
from chengxin.errors import Conflict, InvalidInput, NotFound, UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor

KIND_ZH = {"platform": "电子商务平台", "logistics": "寄递物流企业"}
ACTIVITY = {"platform": "orders", "logistics": "waybills"}  # a company without any in the period is not assessed


@dataclass(frozen=True)
class PeriodSummary:
    period: str
    assessed: int
    published_at: datetime | None
    grades: dict[str, int]


def current_rules() -> rules.AssessmentRules:
    """The rules in force; a broken rules file is refused with every problem named."""
    try:
        return rules.load_rules()
    except rules.RulesInvalid as exc:
        raise UnusableInput(f"the assessment rules are unusable: {exc}", code="assessment_rules_invalid",
                            message_zh="评估规则文件有误") from exc  # fmt: skip


def _period(name: str, today: date) -> measures.Period:
    try:
        p = measures.Period.of(name)
    except ValueError as exc:
        raise InvalidInput(
            str(exc), code="period_invalid", message_zh="评估周期格式应为 2026Q3、2026-10 或 2026"
        ) from exc
    if p.end > today:
        raise InvalidInput(
            f"period {p.name} is not over yet (it ends on {p.end})",
            code="period_not_over",
            message_zh="评估周期尚未结束",
        )
    return p


def is_published(session: Session, period: str) -> bool:
    stmt = select(func.count()).where(Assessment.period == period, Assessment.published_at.is_not(None))
    return bool(session.scalar(stmt))


def run(
    session: Session, actor: Actor, period: str, *, today: date, policy: rules.AssessmentRules | None = None
) -> list[Assessment]:
    """Assess every platform operator and logistics company with orders (waybills) in ``period``: drafts,
    replacing the period's earlier drafts; the audit entry counts those left out for want of activity."""
    policy = policy or current_rules()
    p = _period(period, today)
    if is_published(session, p.name):
        raise Conflict(
            f"the bulletin of {p.name} is published; it is not recomputed",
            code="assessment_published",
            message_zh="该期评估结果已公布，不再重新计算",
        )
    session.execute(delete(Assessment).where(Assessment.period == p.name))
    found = {
        "platform": measures.platform_measures(session, p, policy.handling),
        "logistics": measures.logistics_measures(session, p, policy.handling),
    }
    out = []
    counts: dict[str, int] = {}
    for kind, by_subject in found.items():
        model = policy.models[kind]
        for subject_id, m in by_subject.items():
            if not m[ACTIVITY[kind]]:  # no orders (waybills) in the period: nothing to assess it on
                counts[f"{kind}_inactive"] = counts.get(f"{kind}_inactive", 0) + 1
                continue
            counts[kind] = counts.get(kind, 0) + 1
            score, grade, lines = rules.assess(model, m)
            a = Assessment(
                period=p.name,
                kind=kind,
                subject_id=subject_id,
                model_version=model.label,
                score=score,
                grade=grade,
                indicators=lines,
                measures=m,
            )
            session.add(a)
            out.append(a)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "assessments.run",
            object_type="assessment_period",
            object_id=p.name,
            detail=counts | {"models": [m.label for m in policy.models.values()]},
        ),
    )
    return out


def publish(session: Session, actor: Actor, period: str) -> int:
    name = period.strip().upper()
    rows = list(session.scalars(select(Assessment).where(Assessment.period == name)))
    if not rows:
        raise NotFound(
            f"no assessments for {name}; run them first", code="assessment_not_found", message_zh="该期尚无评估结果"
        )
    if any(a.published_at for a in rows):
        raise Conflict(
            f"the bulletin of {name} is already published", code="assessment_published", message_zh="该期评估结果已公布"
        )
    now = utcnow()
    for a in rows:
        a.published_at = now
    audit.record(
        session,
        actor,
        audit.Event(
            "assessments.publish", object_type="assessment_period", object_id=name, detail={"assessed": len(rows)}
        ),
    )
    return len(rows)


def periods(session: Session, *, published_only: bool) -> list[PeriodSummary]:
    stmt = select(Assessment.period, Assessment.grade, func.count(), func.max(Assessment.published_at)).group_by(
        Assessment.period, Assessment.grade
    )
    if published_only:
        stmt = stmt.where(Assessment.published_at.is_not(None))
    found: dict[str, dict[str, Any]] = {}
    for period, grade, n, published in session.execute(stmt):
        entry = found.setdefault(period, {"grades": {}, "published_at": None})
        entry["grades"][grade] = n
        entry["published_at"] = entry["published_at"] or published
    return [
        PeriodSummary(
            period=k,
            assessed=sum(v["grades"].values()),
            published_at=v["published_at"],
            grades=dict(sorted(v["grades"].items())),
        )
        for k, v in sorted(found.items(), reverse=True)
    ]


def bulletin(session: Session, period: str, *, published_only: bool) -> list[tuple[Assessment, Subject]]:
    """A period's assessments with their subjects: platforms first, then logistics, best score first."""
    name = period.strip().upper()
    stmt = (
        select(Assessment, Subject)
        .join(Subject, Subject.id == Assessment.subject_id)
        .where(Assessment.period == name)
        .order_by(Assessment.kind.desc(), Assessment.score.desc(), Subject.id)
    )
    if published_only:
        stmt = stmt.where(Assessment.published_at.is_not(None))
    rows = [(a, s) for a, s in session.execute(stmt).tuples()]
    if not rows:
        raise NotFound(
            f"no {'published ' if published_only else ''}assessments for {name}",
            code="assessment_not_found",
            message_zh="未找到该期评估结果",
        )
    return rows


EXPORT_COLUMNS = ("period", "kind", "subject_id", "name", "uscc", "score", "grade", "model_version", "published_at")


def export_rows(rows: Sequence[tuple[Assessment, Subject]]) -> list[dict[str, Any]]:
    """One flat row per assessment: the bulletin's columns, then each indicator's value and points."""
    out = []
    for a, s in rows:
        row: dict[str, Any] = {
            "period": a.period,
            "kind": a.kind,
            "subject_id": s.id,
            "name": s.name,
            "uscc": s.uscc,
            "score": a.score,
            "grade": a.grade,
            "model_version": a.model_version,
            "published_at": a.published_at.isoformat() if a.published_at else "",
        }
        for line in a.indicators:
            row[f"{line['key']}_value"] = "" if line["value"] is None else line["value"]
            row[f"{line['key']}_points"] = line["points"]
        out.append(row)
    return out


def export_csv(rows: Sequence[tuple[Assessment, Subject]]) -> str:
    flat = export_rows(rows)
    columns = list(EXPORT_COLUMNS) + sorted({k for r in flat for k in r} - set(EXPORT_COLUMNS))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, restval="")
    w.writeheader()
    w.writerows(flat)
    return buf.getvalue()


def export_xlsx(rows: Sequence[tuple[Assessment, Subject]]) -> bytes:
    from openpyxl import Workbook

    flat = export_rows(rows)
    columns = list(EXPORT_COLUMNS) + sorted({k for r in flat for k in r} - set(EXPORT_COLUMNS))
    wb = Workbook()
    ws = wb.active
    ws.title = "assessments"
    ws.append(columns)
    for r in flat:
        ws.append([r.get(c, "") for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
