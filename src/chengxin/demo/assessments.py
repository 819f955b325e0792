"""The demo's platform and logistics assessments: a complaints file (12315/12345/platform channels, with
each platform's and carrier's own handling speed) imported through the complaints intake, notices sent
to platforms and a carrier (one answered late, one never, one warning), and the last complete
quarter's assessment computed and published."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.assessments import complaints, notices, rules, service
from chengxin.domains.assessments.models import PlatformNotice
from chengxin.domains.market.models import MarketAccount, Order, Waybill
from chengxin.domains.subjects.models import Subject
from chengxin.security.actor import cli_actor

DAYS = 200
# complaints per 10,000 orders (waybills), and the share answered after the 48-hour limit
PLATFORM_HABITS = {"P01": (6, 0.03), "P02": (16, 0.45), "P03": (9, 0.12)}
CARRIER_HABIT = (3, 0.05)
SLOW_CARRIER_HABIT = (12, 0.40)
OUTCOMES = (("属实", 40), ("不属实", 30), ("调解成功", 25), ("撤回", 5))
CATEGORIES = ("商品质量", "虚假宣传", "退换货", "发货延迟", "售后服务", "价格欺诈")
CARRIER_CATEGORIES = ("延误", "丢件", "破损", "虚假签收", "服务态度")
HEADER = (
    "投诉编号",
    "投诉渠道",
    "平台编号",
    "商家账号",
    "物流企业统一社会信用代码",
    "投诉类别",
    "受理时间",
    "首次响应时间",
    "办结时间",
    "处理结果",
)


@dataclass
class DemoAssessments:
    complaints: dict[str, Any] = field(default_factory=dict)
    notices: int = 0
    period: str = ""
    assessed: int = 0


def _when(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86_400))


def _row(rng: random.Random, no: str, received: datetime, late_share: float, now: datetime) -> list[str]:
    hours = rng.uniform(49, 160) if rng.random() < late_share else rng.expovariate(1 / 10)
    responded = received + timedelta(hours=hours)
    if responded > now:
        return [no, received.isoformat(), "", "", "处理中"]
    closed = responded + timedelta(days=rng.uniform(0.5, 12))
    outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    return [
        no,
        received.isoformat(),
        responded.isoformat(),
        closed.isoformat() if closed < now else "",
        outcome if closed < now else "处理中",
    ]


def write_complaints(db: Database, path: Path, *, today: date, seed: int) -> int:
    rng = random.Random(seed)
    now = datetime.combine(today, datetime.min.time(), rules.BEIJING).astimezone(UTC)
    start = now - timedelta(days=DAYS)
    rows: list[list[str]] = []
    with unit_of_work(db, readonly=True) as s:
        for pid, (rate, late) in PLATFORM_HABITS.items():
            orders = s.scalar(select(func.count()).where(Order.platform_id == pid, Order.created_at >= start)) or 0
            sellers = list(
                s.scalars(
                    select(MarketAccount.account_id)
                    .where(MarketAccount.platform_id == pid, MarketAccount.role == "seller")
                    .order_by(MarketAccount.account_id)
                )
            )
            for i in range(round(orders * rate / 10_000)):
                no, received = f"TS{pid}{i:06d}", _when(rng, start, DAYS)
                r = _row(rng, no, received, late, now)
                channel = rng.choice(("12315", "12345", "平台", "平台"))
                rows.append(
                    [r[0], channel, pid, rng.choice(sellers) if sellers else "", "", rng.choice(CATEGORIES), *r[1:]]
                )
        carriers = s.execute(
            select(Waybill.carrier_uscc, func.count())
            .where(Waybill.created_at >= start)
            .group_by(Waybill.carrier_uscc)
            .order_by(Waybill.carrier_uscc)
        ).all()
    for k, (uscc, n) in enumerate(carriers):
        rate, late = SLOW_CARRIER_HABIT if k == 0 else CARRIER_HABIT
        for i in range(round(n * rate / 10_000)):
            no, received = f"WL{uscc[-8:]}{i:05d}", _when(rng, start, DAYS)
            r = _row(rng, no, received, late, now)
            rows.append([r[0], "12345", "", "", uscc, rng.choice(CARRIER_CATEGORIES), *r[1:]])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return len(rows)


def _notices(db: Database, *, today: date) -> int:
    """Notices of the last complete quarter (history: answered on time, late, never) and one open now."""
    start, _ = rules.parse_period(rules.last_complete_quarter(today))
    with unit_of_work(db) as s:
        if s.scalar(select(func.count()).select_from(PlatformNotice)):
            return 0
        by_code = {o.code: o for o in s.scalars(select(Organisation).where(Organisation.kind == "platform"))}
        dept = s.scalar(select(Organisation.id).where(Organisation.kind == "department").order_by(Organisation.id))
        actor = cli_actor("demo")
        issued = 0

        def send(code_or_uscc: str, kind: str, title: str, day: int, due: int, answered: int | None) -> None:
            nonlocal issued
            org = by_code.get(code_or_uscc)
            uscc = org.uscc if org else code_or_uscc
            subject = s.scalar(select(Subject).where(Subject.uscc == uscc))
            if subject is None:
                return
            on = start + timedelta(days=day) if day >= 0 else today + timedelta(days=day)
            n = notices.issue(
                s,
                actor,
                subject_id=subject.id,
                kind=kind,
                title=title,
                text=f"{title}，请按期办理并回复。",
                due_on=on + timedelta(days=due),
                issued_on=on,
            )
            n.organisation_id = dept
            if answered is not None:  # the demo's history: the addressee's answer on that day
                n.answered_at = datetime.combine(on + timedelta(days=answered), datetime.min.time(), rules.BEIJING)
                n.answer = "已按要求整改并报送材料。"
            issued += 1

        send("P02", "rectification", "关于平台内经营者资质公示不全的整改通知", 20, 15, 26)
        send("P02", "takedown", "关于下架不合格商品的通知", 40, 7, None)
        send("P03", "warning", "关于消费投诉处理不及时的警示约谈", 30, 10, 8)
        send("P01", "assistance", "关于协助调查涉嫌虚假宣传店铺的协查通知", -3, 10, None)
        carrier = s.scalar(select(Waybill.carrier_uscc).order_by(Waybill.carrier_uscc).limit(1))
        if carrier:
            send(carrier, "rectification", "关于虚假签收问题的整改通知", 10, 20, 35)
    return issued


def load_assessments(db: Database, settings: Settings, *, today: date, seed: int) -> DemoAssessments:
    """Idempotent: the complaints file is re-imported unchanged, notices are sent once, and a published
    quarter is left as it is."""
    out = DemoAssessments()
    path = settings.var_dir / "demo" / "complaints.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_complaints(db, path, today=today, seed=seed)
    with unit_of_work(db) as s:
        out.complaints = {
            k: v for k, v in complaints.intake_file(s, cli_actor("demo"), path).as_dict().items() if k != "rejections"
        }
    out.notices = _notices(db, today=today)
    out.period = rules.last_complete_quarter(today)
    with unit_of_work(db) as s:
        if not service.is_published(s, out.period):
            out.assessed = len(service.run(s, cli_actor("demo"), out.period, today=today))
            if out.assessed:
                service.publish(s, cli_actor("demo"), out.period)
    return out
