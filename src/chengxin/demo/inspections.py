"""The demo's graded supervision: a roster for market regulation, this month's random inspection plan
drawn from the evaluations and published, and two results recorded (one failure → a credit record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.inspections import service
from chengxin.domains.inspections.models import InspectionPlan, Inspector
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher

SECTOR = "market_regulation"
INSPECTORS = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")


@dataclass
class DemoInspections:
    plan_id: int | None = None
    drawn: int = 0
    results: int = 0


def load_inspections(db: Database, settings: Settings, *, today: date) -> DemoInspections:
    """Idempotent: a second run finds the roster and the month's plan in place and adds nothing."""
    actor = cli_actor("demo")
    out = DemoInspections()
    month = today.strftime("%Y-%m")
    with unit_of_work(db) as s:
        dept = s.scalar(select(Organisation.id).where(Organisation.kind == "department", Organisation.sector == SECTOR))
        if dept is None:
            return out
        have = set(s.scalars(select(Inspector.badge_no).where(Inspector.organisation_id == dept)))
        for i, name in enumerate(INSPECTORS):
            if f"SJ{i + 1:04d}" not in have:
                service.add_inspector(
                    s, actor, organisation_id=dept, name=name, badge_no=f"SJ{i + 1:04d}", sector=SECTOR
                )
        existing = s.scalar(
            select(InspectionPlan.id).where(InspectionPlan.sector == SECTOR, InspectionPlan.month == month)
        )
        if existing is not None:
            out.plan_id = existing
            return out
        plan = service.make_plan(s, actor, sector=SECTOR, month=month, organisation_id=dept)
        service.publish(s, actor, plan.id)
        tasks = service.tasks(s, plan.id)
        out.plan_id, out.drawn = plan.id, len(tasks)
        if len(tasks) >= 2:
            finding = "产品标签标识不符合国家标准"
            service.record_result(s, actor, tasks[0][0].id, outcome="failed", inspected_on=today, finding=finding,
                                  product="电热水壶", cipher=cipher(settings))  # fmt: skip
            service.record_result(s, actor, tasks[1][0].id, outcome="passed", inspected_on=today, finding="未发现问题",
                                  product=None, cipher=cipher(settings))  # fmt: skip
            out.results = 2
    return out
