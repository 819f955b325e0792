"""Deadlines across domains (期限监控): what is overdue today — objections not forwarded or not
decided in time, repair applications not reviewed in time — and whether the official calendar
of next year is loaded (deadlines crossing into a year without one are only provisional)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chengxin.domains.calendar import rules as calendar_rules
from chengxin.domains.calendar import service as calendar_service
from chengxin.domains.objections import service as objections
from chengxin.domains.repair import service as repairs


@dataclass(frozen=True)
class Late:
    kind: str  # objection | repair
    id: int
    subject_id: int
    stage: str  # forward | decide | review
    due: date
    days_late: int  # working days past the due date
    decider: str  # centre | source (organisation id when known)


@dataclass
class DeadlineReport:
    today: date
    late: list[Late] = field(default_factory=list)
    next_year_calendar: str = ""  # loaded | package | unknown

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.today.isoformat(),
            "overdue": len(self.late),
            "objections": sum(1 for x in self.late if x.kind == "objection"),
            "repairs": sum(1 for x in self.late if x.kind == "repair"),
            "next_year_calendar": self.next_year_calendar,
            "items": [
                {"kind": x.kind, "id": x.id, "subject_id": x.subject_id, "stage": x.stage, "due": x.due.isoformat(),
                 "working_days_late": x.days_late, "decider": x.decider}
                for x in self.late
            ],
        }  # fmt: skip


def check(session: Session, today: date) -> DeadlineReport:
    cal = calendar_service.current_calendar(session)
    report = DeadlineReport(today, next_year_calendar=str(calendar_rules.year_source(cal, today.year + 1)))

    def late_by(due: date) -> int:
        return calendar_rules.working_days_between(cal, due, today)

    for o in objections.overdue(session, today):
        forwarding = o.status == "filed" and o.forward_due is not None and o.forward_due < today
        due = o.forward_due if forwarding and o.forward_due is not None else o.decide_due
        decider = "centre" if o.status == "filed" else f"source:{o.source_org_id}"
        report.late.append(Late("objection", o.id, o.subject_id, "forward" if forwarding else "decide", due,
                                late_by(due), decider))  # fmt: skip
    for a in repairs.overdue(session, today):
        decider = "centre" if a.decider == "centre" else f"source:{a.decider_org_id}"
        report.late.append(Late("repair", a.id, a.subject_id, "review", a.review_due, late_by(a.review_due), decider))
    report.late.sort(key=lambda x: (x.due, x.kind, x.id))
    return report
