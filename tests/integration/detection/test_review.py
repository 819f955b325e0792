"""Detection review on SQLite and PostgreSQL: a run of findings lands (bad rows listed, the rest grouped
into review cases), loading it again adds nothing, a dismissed entity is not queued again, and a
confirmed case becomes a credit record in the seller's file that moves its grade."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.detection import decisions, service
from chengxin.domains.detection.models import DetectionRun, Finding, ReviewCase
from chengxin.domains.evaluation import service as evaluation
from chengxin.domains.evaluation.models import GradeChange
from chengxin.domains.market import importer
from chengxin.domains.records import files
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.errors import Conflict, InvalidInput, UnusableInput
from chengxin.security.actor import cli_actor
from chengxin.security.audit import AuditEntry
from chengxin.security.crypto import cipher
from tests.factories import make_uscc
from tests.market_data import T0, order, shop, write

ACTOR = cli_actor("tests")
RNG = random.Random(11)
SELLER_USCC, BUYER_USCC = make_uscc(RNG), make_uscc(RNG)


def f(fid: str, entity_type: str, entity_id: str, *, detector: str = "brushing", group: str | None = "G1",
      score: float = 0.9, **evidence: Any) -> dict[str, Any]:  # fmt: skip
    return {"finding_id": fid, "detector": detector, "entity_type": entity_type, "entity_id": entity_id,
            "score": score, "group_id": group, "explanation": f"{entity_id} 参与刷单",
            "evidence": json.dumps({"platform_id": "P1", **evidence}, ensure_ascii=False)}  # fmt: skip


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return service.frame_of_rows(rows)


RUN = [
    f("F-S1", "seller", "S1", score=0.97, orders=["O1"], accounts=["B1", "B2"],
      links=[{"link_type": "device", "value": "d" * 64, "accounts": ["B1", "B2"]}]),
    f("F-B1", "buyer", "B1", score=0.91),
    f("F-B2", "buyer", "B2", score=0.88, subject_id=BUYER_USCC),
    f("F-O1", "order", "O1", score=0.8),
    f("F-V1", "visitor", "V1", detector="fake_traffic", group=None, score=0.7),
    f("F-BAD", "seller", "S1", score=3.0),
]  # fmt: skip


@pytest.fixture
def market(db: Database, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """Two registered subjects; the seller S1 is linked to the first by the market import."""
    pii = cipher(settings)
    with unit_of_work(db) as s:
        seller = subjects.create_subject(
            s, actor=ACTOR, cipher=pii, data=LegalSubjectIn(kind="legal", name="某某网店有限公司", uscc=SELLER_USCC)
        )
        buyer = subjects.create_subject(
            s, actor=ACTOR, cipher=pii, data=LegalSubjectIn(kind="legal", name="某某刷单工作室", uscc=BUYER_USCC)
        )
        ids = {"seller": seller.id, "buyer": buyer.id}
    tables = shop("S1", ("B1", "B2"), uscc=SELLER_USCC)
    tables["orders"] = [order("O1", "B1", "S1", "S1-I1", T0), order("O2", "B2", "S1", "S1-I1", T0)]
    result = importer.import_dataset(db, write(tmp_path / "market", tables), actor=ACTOR)
    assert not result.rejections, result.rejections
    return ids


def load(db: Database, rows: list[dict[str, Any]], platform: str | None = "P1") -> service.LoadSummary:
    with unit_of_work(db) as s:
        return service.load_findings(s, frame(rows), actor=ACTOR, source="findings.csv", platform_id=platform)


def counts(db: Database) -> tuple[int, int, int]:
    with unit_of_work(db, readonly=True) as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (DetectionRun, Finding, ReviewCase))  # fmt: skip


def test_load_lists_bad_rows_groups_cases_and_is_idempotent(db: Database, market: dict[str, int]) -> None:
    first = load(db, RUN)
    assert (first.rows, first.stored, first.queued, first.rejected, first.cases_opened) == (6, 5, 5, 1, 2)
    assert [(r.row, r.finding_id, r.code) for r in first.rejections] == [(7, "F-BAD", "invalid_score")]
    assert counts(db) == (1, 5, 2)
    with unit_of_work(db, readonly=True) as s:
        total, cases = service.list_cases(s, status="pending")
        assert total == 2 and [c.detector for c in cases] == ["brushing", "fake_traffic"]  # top score first
        ring = cases[0]
        assert (ring.group_id, ring.entity_count, ring.top_score, ring.platform_id) == ("G1", 4, 0.97, "P1")
        assert ring.explanation == "S1 参与刷单"
        assert [x.entity_id for x in service.case_findings(s, ring.id)] == ["S1", "B1", "B2", "O1"]
        assert service.list_cases(s, detector="fake_traffic")[0] == 1
        assert s.scalar(select(func.count()).where(AuditEntry.action == "detection.load")) == 1
    again = load(db, RUN)
    assert (again.run_id, again.stored, again.already_loaded, again.rejected) == (None, 0, 5, 1)
    assert counts(db) == (1, 5, 2)  # nothing added
    # a later run of the same ring: a new entity joins the pending case
    more = load(db, [f("F-B7", "buyer", "B7", score=0.99)])
    assert (more.cases_opened, more.cases_extended) == (0, 1)
    with unit_of_work(db, readonly=True) as s:
        ring2 = service.get_case(s, ring.id)
        assert (ring2.entity_count, ring2.top_score) == (5, 0.99)


def test_an_unusable_frame_and_another_platform(db: Database) -> None:
    with unit_of_work(db) as s, pytest.raises(UnusableInput) as err:
        service.load_findings(s, pl.DataFrame({"finding_id": ["F1"]}), actor=ACTOR, source="x.csv", platform_id=None)
    assert err.value.code == "findings_columns_missing" and "evidence" in err.value.detail
    other = load(db, [f("F1", "seller", "S1")], platform="P2")
    assert (other.rejected, other.stored, other.rejections[0].code) == (1, 0, "other_platform")


def test_a_dismissed_entity_is_not_queued_again(db: Database, market: dict[str, int]) -> None:
    load(db, RUN)
    with unit_of_work(db) as s:
        ring = service.list_cases(s, detector="brushing")[1][0]
        with pytest.raises(InvalidInput) as err:
            service.dismiss(s, actor=ACTOR, case_id=ring.id, reason="  ")
        assert err.value.code == "missing_reason"
    with unit_of_work(db) as s:
        done = service.dismiss(s, actor=ACTOR, case_id=ring.id, reason="正常促销，非刷单")
        assert done.status == "dismissed" and done.decision_reason == "正常促销，非刷单"
    with unit_of_work(db) as s, pytest.raises(Conflict) as again:
        service.dismiss(s, actor=ACTOR, case_id=ring.id, reason="再次")
    assert again.value.code == "case_decided"
    # a later run flags S1 and B1 again (new finding ids, another ring) and a new buyer B9
    later = load(
        db,
        [
            f("F2-S1", "seller", "S1", group="G7"),
            f("F2-B1", "buyer", "B1", group="G7"),
            f("F2-B9", "buyer", "B9", group="G7"),
            f("F2-S1-x", "seller", "S1", detector="price_fraud"),
        ],
    )
    assert (later.suppressed, later.queued, later.cases_opened) == (2, 2, 2)  # another detector is not cleared
    with unit_of_work(db, readonly=True) as s:
        g7 = next(c for c in service.list_cases(s, status="pending")[1] if c.group_id == "G7")
        assert [x.entity_id for x in service.case_findings(s, g7.id)] == ["B9"]
        kept = s.get(Finding, "F2-S1")
        assert kept is not None and (kept.status, kept.case_id, kept.suppressed_by_case_id) == (
            "suppressed", None, ring.id,
        )  # fmt: skip
        assert s.scalar(select(func.count()).where(AuditEntry.action == "detection.dismiss")) == 1


def _records(s: Any, settings: Settings, subject_id: int) -> list[Any]:
    cf = files.credit_file(s, actor=ACTOR, subject_id=subject_id, cipher=cipher(settings))
    return [r for g in cf.groups for r in g.records]


def test_confirming_makes_credit_records_and_moves_the_grade(
    db: Database, settings: Settings, market: dict[str, int]
) -> None:
    load(db, RUN)
    seller = market["seller"]
    with unit_of_work(db) as s:
        today = subjects.legal_today()
        before = evaluation.refresh(s, [seller], on=today, cause="test")[0].grade
        ring = service.list_cases(s, detector="brushing")[1][0]
    with unit_of_work(db) as s:
        case = decisions.confirm(s, actor=ACTOR, case_id=ring.id, reason="共用设备批量下单，属实",
                                 severity="serious", cipher=cipher(settings))  # fmt: skip
        outcome = case.outcome
    assert outcome is not None and case.status == "confirmed"
    made = {r["subject_id"]: r for r in outcome["records"]}
    assert set(made) == {seller, market["buyer"]}  # S1 by the market link, B2 by the evidence's USCC
    assert all(r["result"] == "created" for r in made.values())
    assert [n["account_id"] for n in outcome["no_subject"]] == ["B1"]  # no known subject: listed, not an error
    with unit_of_work(db) as s:
        recs = [r for r in _records(s, settings, seller) if r.type == "brushing"]
        assert len(recs) == 1 and recs[0].id == made[seller]["record_id"] and recs[0].severity == "serious"
        assert recs[0].payload["platform"] == "P1" and "刷单炒信" in recs[0].payload["finding"]
        after = evaluation.stored(s, seller)
        assert after is not None
        assert (before, after.grade) == ("A", "B")  # a serious brushing record: 监测发现 100 → 25
        assert s.scalar(select(func.count()).where(GradeChange.subject_id == seller,
                                                   GradeChange.cause == "record.arrived")) == 1  # fmt: skip
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "detection.confirm")).one()
        assert entry.object_id == str(ring.id) and entry.detail["severity"] == "serious"
    with unit_of_work(db) as s, pytest.raises(Conflict):
        decisions.confirm(s, actor=ACTOR, case_id=ring.id, reason="", cipher=cipher(settings))


def test_the_seller_concerned_is_found_in_market_data(db: Database, settings: Settings, market: dict[str, int]) -> None:
    load(db, [f("F-W", "order", "O2", detector="empty_parcel", group=None)])
    with unit_of_work(db) as s:
        case = service.list_cases(s, detector="empty_parcel")[1][0]
        done = decisions.confirm(s, actor=ACTOR, case_id=case.id, reason="空包", cipher=cipher(settings))
        assert [r["accounts"] for r in (done.outcome or {})["records"]] == [["S1"]]
        assert [r.type for r in _records(s, settings, market["seller"])] == ["empty_parcel"]
    load(db, [f("F-V", "visitor", "V404", detector="fake_traffic", group=None)])
    with unit_of_work(db) as s:
        case = service.list_cases(s, detector="fake_traffic")[1][0]
        done = decisions.confirm(s, actor=ACTOR, case_id=case.id, reason="", cipher=cipher(settings))
        assert (done.outcome or {}) == {"records": [], "no_subject": [
            {"entity_type": "visitor", "entity_id": "V404", "why": "no_account"}]}  # fmt: skip
