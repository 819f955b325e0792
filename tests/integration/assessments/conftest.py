"""A small assessed market, by hand: two platforms with codes (and one without any orders), one carrier,
their merchants' grades, the third quarter's orders, waybills, tracking and parcel ratings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.market import importer
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import Role
from tests.factories import make_uscc, role_tokens
from tests.market_data import BJ, order, rating, write

ACTOR = cli_actor("tests")
TODAY = date(2026, 11, 24)
Q3 = "2026Q3"
T = datetime(2026, 8, 3, 10, 0, tzinfo=BJ)  # inside the third quarter
CARRIER = "91350100M000100Y43"
_rng = random.Random(11)
USCC = {name: make_uscc(_rng) for name in ("P1", "P2", "P3", "M1", "M2", "M3")} | {"carrier": CARRIER}


@dataclass
class Market:
    db: Database
    settings: Settings
    ids: dict[str, int]  # name → subject id
    tokens: dict[Role, str]


def _subject(s: Any, settings: Settings, name: str, uscc: str, roles: list[str]) -> int:
    data = LegalSubjectIn(kind="legal", name=name, uscc=uscc, roles=roles)  # type: ignore[arg-type]
    return subjects.create_subject(s, actor=ACTOR, data=data, cipher=cipher(settings)).id


def _waybill(
    no: str, at: datetime, dest: str, signed_after: timedelta | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    wb = {
        "waybill_no": no,
        "carrier_uscc": CARRIER,
        "origin_division": "350102",
        "dest_division": dest,
        "weight_g": 800,
        "created_at": at,
    }
    events = [
        {
            "waybill_no": no,
            "event_time": at + timedelta(hours=2),
            "event_type": "collected",
            "division": "350102",
            "outlet_id": "OUT-1",
        }
    ]
    if signed_after is not None:
        events.append(
            {
                "waybill_no": no,
                "event_time": at + signed_after,
                "event_type": "signed",
                "division": dest,
                "outlet_id": "OUT-2",
            }
        )
    return wb, events


def build(db: Database, settings: Settings, folder: Path) -> Market:
    """P1: 40 orders in Q3 (+5 in Q2) with merchants graded D and A and its own grade B; P2: 10 orders, a
    merchant graded A, no evaluation of its own; P3: a platform operator with no marketplace data. The
    carrier's 40 Q3 waybills: 20 late (10 in-city after 30 h, 9 inter-city after 80 h, 1 never signed),
    20 on time; 20 parcel ratings, 2 of them poor."""
    with unit_of_work(db) as s:
        ids = {
            "P1": _subject(s, settings, "青梧网络科技有限公司", USCC["P1"], ["platform_operator"]),
            "P2": _subject(s, settings, "澜湾电子商务有限公司", USCC["P2"], ["platform_operator"]),
            "P3": _subject(s, settings, "竹里网络科技有限公司", USCC["P3"], ["platform_operator"]),
            "carrier": _subject(s, settings, "闽捷快递有限公司", USCC["carrier"], ["logistics_company"]),
            "M1": _subject(s, settings, "甲商贸有限公司", USCC["M1"], ["merchant"]),
            "M2": _subject(s, settings, "乙商贸有限公司", USCC["M2"], ["merchant"]),
            "M3": _subject(s, settings, "丙商贸有限公司", USCC["M3"], ["merchant"]),
        }
        tokens = role_tokens(s, subject_id=ids["M1"])  # its platform organisation carries code P1
        p1 = s.scalar(select(Organisation).where(Organisation.code == "P1"))
        assert p1 is not None
        p1.uscc = USCC["P1"]
        accounts.create_organisation(s, actor=ACTOR, kind="platform", name="澜湾商城", code="P2", uscc=USCC["P2"])
        accounts.create_organisation(s, actor=ACTOR, kind="platform", name="竹里好物", uscc=USCC["P3"])
        grades = {"M1": "D", "M2": "A", "M3": "A", "P1": "B"}
        for name, grade in grades.items():
            s.add(
                Evaluation(
                    subject_id=ids[name],
                    model_version="enterprise-v1",
                    weighted_units=0,
                    score=50.0,
                    grade=grade,
                    as_of=TODAY,
                    engine="rules",
                )
            )
    uscc = USCC
    accts = [
        {
            "account_id": "S1",
            "platform_id": "P1",
            "role": "seller",
            "created_at": T - timedelta(days=200),
            "subject_id": uscc["M1"],
        },
        {
            "account_id": "S2",
            "platform_id": "P1",
            "role": "seller",
            "created_at": T - timedelta(days=200),
            "subject_id": uscc["M2"],
        },
        {
            "account_id": "S3",
            "platform_id": "P2",
            "role": "seller",
            "created_at": T - timedelta(days=200),
            "subject_id": uscc["M3"],
        },
        {
            "account_id": "B1",
            "platform_id": "P1",
            "role": "buyer",
            "created_at": T - timedelta(days=200),
            "subject_id": None,
        },
        {
            "account_id": "B2",
            "platform_id": "P2",
            "role": "buyer",
            "created_at": T - timedelta(days=200),
            "subject_id": None,
        },
    ]
    items = [
        {"item_id": f"{s}-I", "seller_account_id": s, "category": "服装", "list_price_fen": 5000}
        for s in ("S1", "S2", "S3")
    ]
    orders, waybills, events, ratings = [], [], [], []
    for i in range(40):
        at = T + timedelta(hours=3 * i)
        seller = "S1" if i % 2 else "S2"
        if i < 10:
            wb, ev = _waybill(f"W{i}", at, "350103", timedelta(hours=30))  # in-city, late
        elif i < 20:
            wb, ev = _waybill(f"W{i}", at, "350103", timedelta(hours=20))  # in-city, on time
        elif i < 30:
            wb, ev = _waybill(f"W{i}", at, "110101", timedelta(hours=70))  # inter-city, on time
        elif i < 39:
            wb, ev = _waybill(f"W{i}", at, "110101", timedelta(hours=80))  # inter-city, late
        else:
            wb, ev = _waybill(f"W{i}", at, "110101", None)  # never signed
        o = order(f"O{i}", "B1", seller, f"{seller}-I", at, platform="P1", signed_after=timedelta(days=2))
        o["waybill_no"] = wb["waybill_no"]
        orders.append(o)
        waybills.append(wb)
        events += ev
        if i < 20:
            ratings.append(rating(f"R{i}", o, "good", dsr=(5, 5, 1 if i < 2 else 5)))
    for i in range(5):  # the second quarter: outside the period
        orders.append(order(f"Q2-{i}", "B1", "S1", "S1-I", T - timedelta(days=60), platform="P1"))
    for i in range(10):
        orders.append(order(f"P2-{i}", "B2", "S3", "S3-I", T + timedelta(days=1, hours=i), platform="P2"))
    tables = {
        "accounts": accts,
        "account_links": [],
        "items": items,
        "waybills": waybills,
        "tracking_events": events,
        "orders": orders,
        "ratings": ratings,
    }
    result = importer.import_dataset(db, write(folder, tables), actor=ACTOR)
    assert all(t.rejected == 0 for t in result.tables.values()), result.as_dict()
    return Market(db=db, settings=settings, ids=ids, tokens=tokens)


@pytest.fixture
def market(db: Database, settings: Settings, tmp_path: Path) -> Market:
    return build(db, settings, tmp_path / "market")
