"""The demo's credit report (issue 9): the demo merchant's public report is issued once, registered, and
verifies — by its number (the QR code's page) and as a file."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.demo.reports import load_reports
from chengxin.domains.reports import service
from chengxin.domains.reports.models import IssuedReport

TODAY = date(2026, 11, 24)


def test_demo_merchant_report_is_issued_once_and_verifies(settings: Settings, db: Database) -> None:
    from chengxin.app import create_app

    load_province(db, settings, generate_province(seed=5, enterprises=200, persons=50), today=TODAY)
    out = load_reports(db, settings)
    assert out.number is not None and out.pdf_bytes > 10_000
    with unit_of_work(db, readonly=True) as s:
        assert service.verify_number(s, out.number).valid
        assert s.scalar(select(func.count()).select_from(IssuedReport)) == 1
    again = load_reports(db, settings)
    assert again.number == out.number
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(IssuedReport)) == 1
    with TestClient(create_app(settings)) as c:
        page = c.get(f"/reports/verify/{out.number}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and out.number in page.text
        pdf = c.get(f"/api/v1/reports/{out.number}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        checked = c.post("/api/v1/reports/verify", content=pdf.content, headers={"Content-Type": "application/pdf"})
        assert checked.status_code == 200 and checked.json()["valid"] is True
