"""The demo marketplace: a synthetic market of the demo province's merchants in the contract format
(``var/demo/market``), imported as a platform would send it, then the default ratings of the lapsed
windows. The demo's platform organisations get the market's platform ids (P01 …) as their codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work, utcnow
from chengxin.demo.market import generate_market
from chengxin.demo.province import Province
from chengxin.domains.accounts import service as accounts
from chengxin.domains.market import importer
from chengxin.domains.ratings import defaults
from chengxin.domains.ratings.rules import load_rules
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role

PLATFORMS = 3
SELLERS = 2000
BUYERS = 30000
DAYS = 210


@dataclass
class MarketDemo:
    folder: str = ""
    generated: dict[str, int] = field(default_factory=dict)
    imported: dict[str, Any] = field(default_factory=dict)
    default_ratings: int = 0
    platform_token: str | None = None  # for P01, to try the batch API

    def line(self) -> str:
        t = self.imported.get("tables", {})
        orders, ratings = t.get("orders", {}), t.get("ratings", {})
        return (
            f"marketplace: {t.get('accounts', {}).get('inserted', 0)} accounts, {orders.get('inserted', 0)} orders, "
            f"{ratings.get('inserted', 0)} ratings imported ({self.imported.get('rejected', 0)} rejected); "
            f"default ratings {self.default_ratings}"
        )


def load_market(
    db: Database,
    settings: Settings,
    province: Province,
    *,
    today: date,
    orders: int = 200_000,
    progress: importer.Progress | None = None,
    note: Callable[[str], None] | None = None,
) -> MarketDemo:
    actor = cli_actor("demo")
    folder = settings.var_dir / "demo" / "market"
    merchants = [s.uscc for s in province.legal_subjects if "merchant" in s.roles]
    demo_merchant = next((u.subject_ref for u in province.users if u.username == "merchant-demo"), None)
    if demo_merchant in merchants:  # the walkthrough's merchant has a shop: put it first
        merchants.remove(demo_merchant)
        merchants.insert(0, demo_merchant)
    carriers = [s.uscc for s in province.legal_subjects if s.legal_form == "logistics_company"]
    if note:
        note(f"生成演示交易数据 generating the marketplace ({orders:,} orders) in {folder}")
    summary = MarketDemo(folder=str(folder))
    summary.generated = generate_market(
        folder,
        seed=province.seed,
        platforms=PLATFORMS,
        sellers=SELLERS,
        buyers=BUYERS,
        orders=orders,
        start=today - timedelta(days=DAYS),
        end=today - timedelta(days=1),
        merchant_usccs=merchants,
        carriers=carriers,
    )
    with unit_of_work(db) as s:
        platforms = [o for o in accounts.list_organisations(s) if o.kind == "platform"]
        for i, org in enumerate(sorted(platforms, key=lambda o: o.id), start=1):
            accounts.set_organisation_code(s, actor=actor, organisation_id=org.id, code=f"P{i:02d}")
            if i == 1:
                _, summary.platform_token = accounts.issue_token(
                    s, actor=actor, name="demo platform P01", role=Role.platform, organisation_id=org.id, days=30
                )
    result = importer.import_dataset(db, folder, actor=actor, progress=progress)
    summary.imported = result.as_dict()
    with unit_of_work(db) as s:
        summary.default_ratings = defaults.apply_defaults(
            s, today - timedelta(days=1), policy=load_rules(), now=utcnow(), actor=actor
        )
    return summary
