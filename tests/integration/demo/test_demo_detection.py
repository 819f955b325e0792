"""The demo's detection (issue 8): the marketplace comes from the fraud simulator, the detectors run over
its folder, the findings land in the review queue per platform — cases for brushing rings and malicious
review campaigns among them, every finding about the demo's own accounts, orders and ratings — and one
brushing case is confirmed: a 刷单炒信 credit record in the file of a demo merchant whose shop it flagged.
Loading again adds nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.detection import load_detection
from chengxin.demo.load import load_province
from chengxin.demo.marketplace import load_market
from chengxin.demo.province import generate_province
from chengxin.domains.detection.models import DetectionRun, Finding, ReviewCase
from chengxin.domains.market.models import MarketAccount, Order
from chengxin.domains.ratings.models import Rating
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.subjects.models import Subject

TODAY = date(2026, 11, 24)


def _ids(s: Session, column: InstrumentedAttribute[str], wanted: set[str]) -> set[str]:
    """Those of ``wanted`` that are stored in ``column``."""
    found: set[str] = set()
    items = sorted(wanted)
    for i in range(0, len(items), 500):
        found.update(s.scalars(select(column).where(column.in_(items[i : i + 500]))))
    return found


def test_demo_detection_fills_the_review_queue(settings: Settings, db: Database) -> None:
    province = generate_province(seed=5, enterprises=400, persons=100)
    load_province(db, settings, province, today=TODAY)
    market = load_market(db, settings, province, today=TODAY, orders=20_000)
    assert market.simulated
    assert all(market.imported["tables"][t]["rejected"] == 0 for t in ("accounts", "orders", "ratings", "waybills"))
    assert (Path(market.folder) / "labels.parquet").is_file()
    assert market.labels["brushing/seller"] > 0 and market.labels["malicious_review/rating"] > 0
    out = load_detection(db, settings, Path(market.folder))
    assert out.findings["brushing"] > 0 and out.findings["malicious_review"] > 0
    assert out.cases_opened == sum(out.cases.values()) > 0
    assert out.confirmed_case is not None and out.cases["confirmed"] == 1
    with unit_of_work(db, readonly=True) as s:
        queue = select(ReviewCase.detector, func.count()).where(ReviewCase.status == "pending")
        pending = {d: n for d, n in s.execute(queue.group_by(ReviewCase.detector))}
        assert pending["brushing"] > 0 and pending["malicious_review"] > 0
        # one run per platform, each case about one platform of the demo
        assert sorted(s.scalars(select(DetectionRun.platform_id))) == ["P01", "P02", "P03"]
        assert set(s.scalars(select(ReviewCase.platform_id).distinct())) <= {"P01", "P02", "P03"}
        findings = s.execute(select(Finding.entity_type, Finding.entity_id, Finding.platform_id)).all()
        by_type: dict[str, set[str]] = {}
        for kind, entity, platform in findings:
            by_type.setdefault(kind, set()).add(entity)
            if kind in ("seller", "buyer", "order", "rating", "item"):
                assert entity.startswith(f"{platform}-"), (kind, entity, platform)
        # the findings are about the demo marketplace's own rows
        accounts = by_type.get("seller", set()) | by_type.get("buyer", set())
        assert _ids(s, MarketAccount.account_id, accounts) == accounts
        assert _ids(s, Order.order_id, by_type["order"]) == by_type["order"]
        assert _ids(s, Rating.rating_id, by_type["rating"]) == by_type["rating"]
        # flagged shops of demo merchants: the confirmed case's records are in those merchants' files
        case = s.get_one(ReviewCase, out.confirmed_case)
        assert case.detector == "brushing" and case.status == "confirmed"
        shops = set(
            s.scalars(select(Finding.entity_id).where(Finding.case_id == case.id, Finding.entity_type == "seller"))
        )
        owners = set(s.scalars(select(MarketAccount.subject_id).where(MarketAccount.account_id.in_(shops))))
        records = s.execute(
            select(CreditRecord.subject_id, CreditRecord.type_code).where(
                CreditRecord.source_record_id.like(f"DETECTION-{case.id}-%")
            )
        ).all()
        assert records and {t for _, t in records} == {"brushing"}
        assert {sid for sid, _ in records} == set(out.confirmed_subjects) <= owners
        assert s.scalar(select(func.count()).where(Subject.id.in_(out.confirmed_subjects))) == len(
            out.confirmed_subjects
        )
    again = load_detection(db, settings, Path(market.folder))
    assert (again.loaded, again.cases_opened, again.confirmed_case) == (0, 0, None)
    assert again.cases == out.cases
