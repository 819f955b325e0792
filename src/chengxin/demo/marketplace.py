"""The demo marketplace: a synthetic market of the demo province's merchants in the contract format
(``var/demo/market``), made by the fraud simulator (``chengxin.simulate``: the honest market with brushing
rings, malicious reviews, empty parcels, fake traffic and price fraud injected, and ``labels.parquet``),
imported as a platform would send it, then the default ratings of the lapsed windows. The demo's platform
organisations get the market's platform ids (P01 …) as their codes. Below the simulator's smallest market
(``MIN_SIMULATED`` orders) the market is the honest one alone. The detectors then run over the folder
(``chengxin.demo.detection``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

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
from chengxin.simulate.market import simulate_market

PLATFORMS = 3
SELLERS = 2000
BUYERS = 30000
DAYS = 210
MIN_SIMULATED = 1000  # orders: the fraud simulator's smallest market


@dataclass
class MarketDemo:
    folder: str = ""
    generated: dict[str, int] = field(default_factory=dict)  # rows per table
    labels: dict[str, int] = field(default_factory=dict)  # injected fraud: "detector/entity_type" → entities
    imported: dict[str, Any] = field(default_factory=dict)
    default_ratings: int = 0
    platform_token: str | None = None  # for P01, to try the batch API
    simulated: bool = False  # made by the fraud simulator: worth running the detectors over

    def line(self) -> str:
        t = self.imported.get("tables", {})
        orders, ratings = t.get("orders", {}), t.get("ratings", {})
        return (
            f"marketplace: {t.get('accounts', {}).get('inserted', 0)} accounts, {orders.get('inserted', 0)} orders, "
            f"{ratings.get('inserted', 0)} ratings imported ({self.imported.get('rejected', 0)} rejected); "
            f"default ratings {self.default_ratings}"
            + (f"; fraud injected: {sum(self.labels.values()):,} labelled entities" if self.labels else "")
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
        how = "with fraud injected " if orders >= MIN_SIMULATED else ""
        note(f"生成演示交易数据 generating the marketplace ({orders:,} orders) {how}in {folder}")
    summary = MarketDemo(folder=str(folder))
    shape: dict[str, Any] = {
        "seed": province.seed,
        "platforms": PLATFORMS,
        "sellers": SELLERS,
        "buyers": BUYERS,
        "orders": orders,
        "start": today - timedelta(days=DAYS),
        "end": today - timedelta(days=1),
        "merchant_usccs": merchants,
        "carriers": carriers,
    }
    for stale in folder.glob("labels.*"):  # an earlier run's labels do not describe this market
        stale.unlink()
    if orders >= MIN_SIMULATED:
        made = simulate_market(folder, **shape)
        summary.simulated = True
        summary.generated = dict(cast(dict[str, int], made["rows"]))
        summary.labels = dict(cast(dict[str, int], made["labels"]))
    else:
        summary.generated = generate_market(folder, **shape)
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
