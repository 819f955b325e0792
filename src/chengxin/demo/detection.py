"""The demo's fraud detection (大数据监测): the detectors run over the demo marketplace's dataset folder
(the simulator injected brushing rings, malicious-review campaigns, empty parcels, fake traffic and price
fraud among the honest trade), their findings loaded into the review queue (``/admin/detection``) — one
load per platform, as each platform's run would arrive — and one brushing case that concerns the demo's
merchants confirmed by the market regulator, so the walkthrough shows a confirmed finding as a credit
record in a merchant's file. The rest stay pending for a reviewer (``dept-market`` or ``admin``).

Loading again adds nothing (findings are kept by their stable ids); a queue with a decided case is left
as it is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.detection import decisions, service
from chengxin.domains.detection.models import Finding, ReviewCase
from chengxin.domains.market.models import MarketAccount
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role

SECTOR = "market_regulation"  # the department that confirms the demo's brushing case
REASON = "经核查，该团伙订单集中、收货信息与设备关联、好评模板化，刷单炒信事实清楚（演示）"


@dataclass
class DemoDetection:
    findings: dict[str, int] = field(default_factory=dict)  # per detector
    entities: dict[str, dict[str, int]] = field(default_factory=dict)  # per detector and entity type
    skipped: dict[str, str] = field(default_factory=dict)
    loaded: int = 0  # new findings stored
    rejected: int = 0
    cases_opened: int = 0
    cases: dict[str, int] = field(default_factory=dict)  # the queue's cases by status
    confirmed_case: int | None = None
    confirmed_subjects: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        per = ", ".join(f"{d} {n:,}" for d, n in self.findings.items()) or "none"
        out = [
            f"监测线索 detection: {sum(self.findings.values()):,} findings — {per}; "
            f"{self.cases_opened:,} review cases opened ({self.cases.get('pending', 0):,} pending) — "
            f"/admin/detection (dept-market or admin reviews)"
            + (f"; {self.rejected:,} findings refused by the queue (load_findings)" if self.rejected else "")
        ]
        if self.confirmed_case is not None:
            subjects = ", ".join(f"/subjects/{s}" for s in self.confirmed_subjects[:3])
            more = f" … ({len(self.confirmed_subjects)} subjects)" if len(self.confirmed_subjects) > 3 else ""
            out.append(
                f"  brushing case {self.confirmed_case} confirmed — /admin/detection/{self.confirmed_case}; "
                f"刷单炒信 records in {subjects or 'no registered subject'}{more}"
            )
        return out


def platform_of(findings: pl.DataFrame, platforms: list[str]) -> pl.Series:
    """The platform each finding is about: the prefix of its entity id (``P01-S000012``), else of the first
    id its evidence or group names (waybills and visitors carry none); null when nothing says."""
    if not platforms:
        return pl.Series("platform_id", [None] * findings.height, dtype=pl.String)
    names = "|".join(re.escape(p) for p in sorted(platforms, key=len, reverse=True))
    anywhere = rf"(?:^|[^A-Za-z0-9])({names})-"
    return findings.select(
        pl.coalesce(
            pl.col("entity_id").str.extract(rf"^({names})-", 1),
            pl.col("evidence").str.extract(anywhere, 1),
            pl.col("group_id").str.extract(anywhere, 1),
        ).alias("platform_id")
    ).to_series()


def _department(db: Database) -> Actor | None:
    with unit_of_work(db, readonly=True) as s:
        org = s.scalar(select(Organisation.id).where(Organisation.kind == "department", Organisation.sector == SECTOR))
    if org is None:
        return None
    return Actor(role=Role.department, label=f"demo:dept:{org}", permissions=MATRIX[Role.department],
                 organisation_id=org, purpose="demo")  # fmt: skip


def _confirm_one(db: Database, settings: Settings, out: DemoDetection) -> None:
    """Confirm the brushing case with the fewest shops among those naming a shop of a registered subject."""
    reviewer = _department(db)
    with unit_of_work(db) as s:
        if reviewer is None or s.scalar(select(func.count()).where(ReviewCase.status != "pending")):
            return
        linked = (
            select(Finding.case_id, func.count(func.distinct(Finding.entity_id)).label("shops"))
            .join(MarketAccount, MarketAccount.account_id == Finding.entity_id)
            .where(
                Finding.detector == "brushing", Finding.entity_type == "seller", MarketAccount.subject_id.is_not(None)
            )
            .group_by(Finding.case_id)
            .subquery()
        )
        case_id = s.scalar(
            select(ReviewCase.id)
            .join(linked, linked.c.case_id == ReviewCase.id)
            .where(ReviewCase.status == "pending")
            .order_by(linked.c.shops, ReviewCase.top_score.desc(), ReviewCase.id)
            .limit(1)
        )
        if case_id is None:
            return
        case = decisions.confirm(s, actor=reviewer, case_id=case_id, reason=REASON, cipher=cipher(settings))
        out.confirmed_case = case.id
        records = (case.outcome or {}).get("records", [])
        out.confirmed_subjects = sorted({int(r["subject_id"]) for r in records if r.get("subject_id")})


def load_detection(db: Database, settings: Settings, folder: Path) -> DemoDetection:
    """Run the detectors over ``folder``, queue their findings, confirm one brushing case."""
    from chengxin.analytics.detect import dataset, run

    data = dataset.open_dataset(folder)
    result = run.run(data)
    found = result.findings
    out = DemoDetection(skipped=result.skipped, entities=result.counts())
    out.findings = dict(sorted(Counter(found.get_column("detector").to_list()).items()))
    accounts = data.frames.get("accounts", pl.DataFrame({"platform_id": []}, schema={"platform_id": pl.String}))
    platforms = sorted(accounts.get_column("platform_id").unique().drop_nulls().to_list())
    found = found.with_columns(platform_of(found, platforms))
    actor = cli_actor("demo")
    with unit_of_work(db) as s:  # one load (with its audit entry) per platform
        for (platform,), part in found.group_by("platform_id", maintain_order=True):
            summary = service.load_findings(
                s, part.drop("platform_id"), actor=actor, source=f"demo detection {folder.name}",
                platform_id=None if platform is None else str(platform),
            )  # fmt: skip
            out.loaded += summary.stored
            out.rejected += summary.rejected
            out.cases_opened += summary.cases_opened
    _confirm_one(db, settings, out)
    with unit_of_work(db, readonly=True) as s:
        rows = s.execute(select(ReviewCase.status, func.count()).group_by(ReviewCase.status)).all()
        out.cases = {str(k): int(n) for k, n in sorted(rows)}
    return out
