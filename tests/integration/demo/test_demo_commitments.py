"""The demo's commitments: signed through the commitments service, some found broken."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.commitments import generate_commitments
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.records.models import CreditRecord

TODAY = date(2026, 11, 24)


def test_generation_is_deterministic_and_covers_the_signers() -> None:
    province = generate_province(seed=5, enterprises=400, persons=200)
    specs = generate_commitments(province, today=TODAY)
    assert specs == generate_commitments(province, today=TODAY)
    templates = {c.template for c in specs}
    assert {"platform_responsibility", "seven_day_returns", "law_abiding"} <= templates
    assert any(c.breach_on for c in specs)
    assert all(c.signed_on < TODAY and (c.breach_on is None or c.signed_on < c.breach_on <= TODAY) for c in specs)


def test_demo_commitments_land_with_their_records(settings: Settings, db: Database) -> None:
    province = generate_province(seed=5, enterprises=400, persons=200)
    summary = load_province(db, settings, province, today=TODAY).commitments
    assert summary.signed > 0 and summary.breached > 0
    with unit_of_work(db, readonly=True) as s:
        # besides the repair commitments the demo's repair applicants sign (demo/objections.py)
        repair = Commitment.template_code == "credit_repair"
        assert s.scalar(select(func.count()).select_from(Commitment).where(~repair)) == summary.signed
        assert s.scalar(select(func.count()).select_from(CommitmentBreach)) == summary.breached
        breached = s.scalar(select(func.count()).select_from(Commitment).where(Commitment.status == "breached"))
        signed_records = s.scalar(
            select(func.count()).select_from(CreditRecord).where(CreditRecord.type_code == "commitment_signed")
        )
        breach_records = s.scalar(
            select(func.count()).select_from(CreditRecord).where(CreditRecord.type_code == "commitment_breached")
        )
    assert breached == summary.breached == breach_records
    repairs = 4  # the demo's four repair applicants each sign one (demo/objections.py)
    assert signed_records == summary.signed + repairs
    again = load_province(db, settings, province, today=TODAY).commitments
    assert (again.signed, again.existing) == (0, summary.signed)
