"""The demo's objections and repairs: every queue state, made through the services; loading
again adds nothing; the demo merchant has a penalty it can repair and one it can object to."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.objections.models import Objection
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.repair import rules as repair_rules
from chengxin.domains.repair import service as repairs
from chengxin.domains.repair.models import RepairApplication
from chengxin.domains.subjects.models import Subject

TODAY = date(2026, 11, 24)


def test_demo_objections_and_repairs(settings: Settings, db: Database) -> None:
    province = generate_province(seed=5, enterprises=400, persons=200)
    summary = load_province(db, settings, province, today=TODAY).objections
    assert summary.objections == 8 and summary.decided == 3 and summary.overdue == 2
    assert summary.repairs == 4 and summary.repaired == 2
    with unit_of_work(db, readonly=True) as s:
        objections = s.scalars(select(Objection)).all()
        assert Counter(o.status for o in objections) == {"forwarded": 3, "filed": 2, "decided": 3}
        assert {o.outcome for o in objections if o.outcome} == {"corrected", "revoked", "upheld"}
        assert sum(1 for o in objections if o.status != "decided" and o.decide_due < TODAY) == 2
        apps = s.scalars(select(RepairApplication)).all()
        assert Counter(a.status for a in apps) == {"submitted": 2, "approved": 2}
        repaired = s.scalars(select(CreditRecord).where(CreditRecord.id.in_([a.record_id for a in apps]))).all()
        assert sorted(r.status for r in repaired) == ["active", "active", "repaired", "repaired"]
        merchant = next(u.subject_ref for u in province.users if u.username == "merchant-demo")
        sid = s.scalar(select(Subject.id).where(Subject.uscc == merchant))
        own = {
            r.source_record_id.split("-")[1]: r
            for r in s.scalars(
                select(CreditRecord).where(CreditRecord.subject_id == sid, CreditRecord.source_record_id.like("DEMO-%"))
            )
        }
        assert set(own) == {"R", "O"} and all(r.status == "active" for r in own.values())
        elig = repair_rules.eligibility(repair_rules.default_policy(), repairs.facts(own["R"]), [], TODAY)
        assert elig.eligible
    again = load_province(db, settings, province, today=TODAY).objections
    assert again.objections == 0 and again.repairs == 0
