"""Graded supervision on a real database: a plan drawn from the demo's grades by the class ratios,
reproducible from its seed, never sending an inspector to a subject he declared a conflict with;
published for everyone; a failed inspection becomes a credit record and re-evaluates the subject; a
low-risk subject is not drawn twice in a year."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.evaluation import service as evaluation
from chengxin.domains.evaluation.models import GradeChange
from chengxin.domains.inspections import rules, service
from chengxin.domains.inspections.models import InspectionPlan, InspectionTask, Inspector
from chengxin.domains.records.models import CreditRecord
from chengxin.errors import Conflict, InvalidInput
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher

TODAY = date(2026, 11, 24)
ACTOR = cli_actor("tests")
SECTOR = "market_regulation"


@pytest.fixture
def graded(settings: Settings, db: Database) -> Database:
    load_province(db, settings, generate_province(seed=5, enterprises=400, persons=100), today=TODAY)
    evaluation.run(db, ACTOR, engine="polars", on=TODAY)
    with unit_of_work(db) as s:
        dept = s.scalar(select(Organisation.id).where(Organisation.sector == SECTOR))
        assert dept is not None
        for i in range(6):
            service.add_inspector(
                s, ACTOR, organisation_id=dept, name=f"检查员{i}", badge_no=f"JS{i:04d}", sector=SECTOR
            )
    return db


def _roster(db: Database) -> list[int]:
    with unit_of_work(db, readonly=True) as s:
        return list(s.scalars(select(Inspector.id).order_by(Inspector.id)))


def test_a_plan_by_the_ratios_reproducible_and_without_conflicts(graded: Database) -> None:
    policy = rules.load_policy()
    roster = _roster(graded)
    with unit_of_work(graded) as s:
        pop = service.population(s)
        for sid, _ in pop:  # inspectors 1 and 2 are related to everybody
            for inspector in roster[:2]:
                service.add_conflict(s, ACTOR, inspector_id=inspector, subject_id=sid, reason="亲属关系")
    with unit_of_work(graded) as s:
        plan_id = service.make_plan(s, ACTOR, sector=SECTOR, month="2026-12", seed=42).id
    with unit_of_work(graded, readonly=True) as s:
        tasks = s.scalars(select(InspectionTask).where(InspectionTask.plan_id == plan_id)).all()
    classed = [(sid, c.code) for sid, g in pop if (c := policy.class_of(g)) is not None]
    sizes = Counter(c for _, c in classed)
    drawn = Counter(t.supervision_class for t in tasks)
    assert tasks and len(sizes) >= 2
    for c in policy.classes:
        assert drawn[c.code] == math.ceil(sizes[c.code] * c.percent / 100), c.code
    assert all(not set(t.inspector_ids) & set(roster[:2]) and len(t.inspector_ids) == 2 for t in tasks)
    conflicts = [(i, sid) for sid, _ in pop for i in roster[:2]]
    again = rules.draw(classed, policy, seed=42, roster=roster, conflicts=conflicts)
    assert [(d.subject_id, d.supervision_class, list(d.inspector_ids)) for d in again] == [
        (t.subject_id, t.supervision_class, t.inspector_ids) for t in sorted(tasks, key=lambda t: t.id)
    ]


def test_too_few_free_inspectors_refuses_the_plan(graded: Database) -> None:
    roster = _roster(graded)
    with unit_of_work(graded) as s:
        for sid, _ in service.population(s):
            for inspector in roster[:5]:
                service.add_conflict(s, ACTOR, inspector_id=inspector, subject_id=sid, reason="曾任职")
    with pytest.raises(InvalidInput) as err, unit_of_work(graded) as s:
        service.make_plan(s, ACTOR, sector=SECTOR, month="2026-12")
    assert err.value.code == "not_enough_inspectors"
    with unit_of_work(graded, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(InspectionPlan)) == 0
    with pytest.raises(InvalidInput) as bad, unit_of_work(graded) as s:
        service.make_plan(s, ACTOR, sector=SECTOR, month="2026-13")
    assert bad.value.code == "invalid_month"


def test_published_results_flow_back_as_records(settings: Settings, graded: Database) -> None:
    from chengxin.app import create_app

    with unit_of_work(graded) as s:
        plan_id = service.make_plan(s, ACTOR, sector=SECTOR, month="2026-12", seed=7).id
    with TestClient(create_app(settings)) as c:
        assert c.get(f"/api/v1/inspections/plans/{plan_id}").status_code == 404  # a draft is not public
        assert c.get("/api/v1/inspections/plans").json() == []
        with unit_of_work(graded) as s:
            service.publish(s, ACTOR, plan_id)
        body = c.get(f"/api/v1/inspections/plans/{plan_id}").json()
        assert body["status"] == "published" and body["tasks"]
        assert all(t["inspector_ids"] is None and t["outcome"] == "pending" for t in body["tasks"])
        page = c.get(f"/inspections/{plan_id}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and body["tasks"][0]["subject_name"] in page.text
    failed, passed = body["tasks"][0], body["tasks"][1]
    with unit_of_work(graded) as s:
        task = service.record_result(s, ACTOR, failed["id"], outcome="failed", inspected_on=TODAY,
                                     finding="标签标识不合格", product="电热水壶", cipher=cipher(settings))  # fmt: skip
        service.record_result(s, ACTOR, passed["id"], outcome="passed", inspected_on=TODAY, finding="未发现问题",
                              product=None, cipher=cipher(settings))  # fmt: skip
        record_id = task.record_id
    with unit_of_work(graded, readonly=True) as s:
        rec = s.get(CreditRecord, record_id)
        assert (
            rec is not None
            and rec.type_code == "sampling_inspection_failure"
            and rec.subject_id == failed["subject_id"]
        )
        causes = s.scalars(select(GradeChange.cause).where(GradeChange.subject_id == failed["subject_id"])).all()
        assert causes[-1] == "record.arrived"  # re-evaluated at once as the failure's record landed
        records_of_passed = s.scalar(
            select(func.count())
            .select_from(CreditRecord)
            .where(
                CreditRecord.subject_id == passed["subject_id"], CreditRecord.type_code == "sampling_inspection_failure"
            )
        )
        assert records_of_passed == 0
    with pytest.raises(Conflict), unit_of_work(graded) as s:
        service.record_result(s, ACTOR, failed["id"], outcome="passed", inspected_on=TODAY, finding="复查",
                              product=None, cipher=cipher(settings))  # fmt: skip


def test_a_low_risk_subject_is_not_drawn_twice_in_a_year(graded: Database) -> None:
    with unit_of_work(graded) as s:
        first = service.make_plan(s, ACTOR, sector=SECTOR, month="2026-11", seed=1).id
        second = service.make_plan(s, ACTOR, sector=SECTOR, month="2026-12", seed=1).id
        with pytest.raises(Conflict):
            service.make_plan(s, ACTOR, sector=SECTOR, month="2026-12", seed=2)

    def low_risk(plan_id: int) -> set[int]:
        with unit_of_work(graded, readonly=True) as s:
            return set(
                s.scalars(
                    select(InspectionTask.subject_id).where(
                        InspectionTask.plan_id == plan_id, InspectionTask.supervision_class == "A"
                    )
                )
            )

    assert low_risk(first) and low_risk(second) and not low_risk(first) & low_risk(second)
