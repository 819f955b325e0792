"""The demo's credit reports (信用报告, issue 9): the credit centre issues the public report of the demo
merchant (login ``merchant-demo``), signed and registered, to be checked at ``/reports/verify/<number>``
(the QR code on it points there) or with ``chengxin reports verify``; the demo person downloads its own at
``/me/report``. Loading again adds nothing (the merchant's public report is made once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import User
from chengxin.domains.reports import service
from chengxin.domains.reports.models import IssuedReport
from chengxin.security.actor import Actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role

CENTRE = Actor(role=Role.credit_centre, label="demo:credit-centre", permissions=MATRIX[Role.credit_centre])


@dataclass
class DemoReports:
    number: str | None = None
    pdf_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"public_report": self.number, "pdf_bytes": self.pdf_bytes}

    def line(self, base_url: str) -> str:
        if self.number is None:
            return "信用报告 reports: no demo merchant — nothing issued"
        return (
            f"信用报告 reports: the demo merchant's public report {self.number} — verify at "
            f"{base_url}/reports/verify/{self.number}; person-demo downloads its own at /me/report"
        )


def load_reports(db: Database, settings: Settings) -> DemoReports:
    out = DemoReports()
    with unit_of_work(db, readonly=True) as s:
        merchant = s.scalar(select(User.subject_id).where(User.username == "merchant-demo"))
        if merchant is None:
            return out
        made = s.execute(
            select(IssuedReport.number, IssuedReport.pdf_bytes)
            .where(IssuedReport.subject_id == merchant, IssuedReport.kind == "public")
            .order_by(IssuedReport.id)
            .limit(1)
        ).first()
    if made is not None:
        out.number, out.pdf_bytes = made
        return out
    with unit_of_work(db) as s:
        issued = service.issue(
            s, actor=CENTRE, settings=settings, cipher=cipher(settings), kind="public", subject_id=merchant
        )
        out.number, out.pdf_bytes = issued.report.number, len(issued.pdf)
    return out
