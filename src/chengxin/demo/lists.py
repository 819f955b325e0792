"""The demo's lists: candidates proposed from the province's records and grades; most of them reviewed and
notified two weeks ago (history) and published today — with their consumer warnings and rectification
notices —, a few left in the review queue, one in its objection window, one objected; then platform P01
checks three shops at onboarding and reports what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.checks import service as checks
from chengxin.domains.lists import service
from chengxin.domains.lists.models import ConsumerWarning, ListEntry, Rectification
from chengxin.domains.market.models import MarketAccount
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import RIC_CONTEXT
from chengxin.security.actor import Actor, cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role

IN_QUEUE = 2  # candidates per list left for a department to review
HISTORY_DAYS = 15


@dataclass
class DemoLists:
    published: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    warnings: int = 0
    rectifications: int = 0
    check_id: int | None = None
    check_decisions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "queued": self.queued,
            "warnings": self.warnings,
            "rectifications": self.rectifications,
            "check_id": self.check_id,
            "check_decisions": self.check_decisions,
        }


def _walk(db: Database, actor: Actor, today: date) -> None:
    with unit_of_work(db) as s:
        candidates = service.propose(s, actor, today=today).candidates
        by_kind: dict[str, list[ListEntry]] = {}
        for e in candidates:
            by_kind.setdefault(e.list_kind, []).append(e)
        for kind, entries in by_kind.items():
            keep = min(IN_QUEUE, len(entries) // 2)  # a small province: at least half are published
            history, recent = entries[: len(entries) - keep], entries[len(entries) - keep :]
            for e in history:
                service.review(s, actor, e.id, approve=True, note="事实清楚，依据充分，同意列入")
                service.notify(s, actor, e.id, today=today - timedelta(days=HISTORY_DAYS))
            if kind == "black" and recent:  # one notified today: its objection window is open
                service.review(s, actor, recent[0].id, approve=True, note="同意列入")
                service.notify(s, actor, recent[0].id, today=today)
        service.run_due(s, actor, today=today)


def _check(db: Database, settings: Settings, today: date) -> tuple[int | None, list[str]]:
    """Platform P01 checks a black-listed subject (a shop's owner if one is listed; a person by the RIC
    the platform holds), a clean shop owner and a name at onboarding; it refuses the listed one and says
    so (feedback)."""
    pii = cipher(settings)
    with unit_of_work(db) as s:
        org = s.scalar(select(Organisation).where(Organisation.code == "P01"))
        black = (
            select(Subject)
            .join(ListEntry, ListEntry.subject_id == Subject.id)
            .where(ListEntry.status == "published", ListEntry.list_kind == "black")
        )
        with_shop = black.join(MarketAccount, MarketAccount.subject_id == Subject.id)
        found = s.scalar(with_shop.limit(1)) or s.scalar(black.limit(1))
        clean = s.scalar(
            select(Subject.uscc)
            .join(MarketAccount, MarketAccount.subject_id == Subject.id)
            .where(~Subject.id.in_(select(ListEntry.subject_id)))
            .limit(1)
        )
        if org is None or found is None or clean is None:
            return None, []
        if found.uscc:
            listed: dict[str, Any] = {"uscc": found.uscc}
        elif found.ric_cipher:
            listed = {"ric": pii.decrypt(found.ric_cipher, context=RIC_CONTEXT)}
        else:
            return None, []
        platform = Actor(
            role=Role.platform, label="demo:platform-P01", permissions=MATRIX[Role.platform], organisation_id=org.id
        )
        items: list[dict[str, Any]] = [listed, {"uscc": clean}, {"name": found.name}]
        check, results = checks.run(s, platform, scenario="platform_onboarding", items=items, cipher=pii)
        applied = [
            {
                "index": 0,
                "measure": m["code"],
                "applied": m["action"] == "block",
                "reason": None if m["action"] == "block" else "本平台暂无公示栏目",
            }
            for m in results[0]["measures"]
        ]
        if applied:
            checks.feedback(s, platform, check.id, applied)
        return check.id, [r["decision"] for r in results]


def load_lists(db: Database, settings: Settings, *, today: date) -> DemoLists:
    """Idempotent: a database that has listings already is left as it is."""
    actor = cli_actor("demo")
    out = DemoLists()
    with unit_of_work(db, readonly=True) as s:
        fresh = not s.scalar(select(func.count()).select_from(ListEntry))
    if fresh:
        _walk(db, actor, today)
        out.check_id, out.check_decisions = _check(db, settings, today)
    with unit_of_work(db, readonly=True) as s:
        rows = (
            s.execute(
                select(ListEntry.list_kind, func.count())
                .where(ListEntry.status == "published")
                .group_by(ListEntry.list_kind)
            )
            .tuples()
            .all()
        )
        out.published = dict(sorted(rows))
        out.queued = int(s.scalar(select(func.count()).where(ListEntry.status.in_(["candidate", "notified"]))) or 0)
        out.warnings = int(s.scalar(select(func.count()).where(ConsumerWarning.lifted_at.is_(None))) or 0)
        out.rectifications = int(s.scalar(select(func.count()).select_from(Rectification)) or 0)
    return out
