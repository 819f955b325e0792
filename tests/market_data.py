"""Small marketplace datasets written by hand (contract format), for import and credit tests."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl

from chengxin.domains.market.contract import TABLES

BJ = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=BJ)


def iso(at: datetime) -> str:
    return at.isoformat()


def write(folder: Path, tables: dict[str, list[dict[str, Any]]], fmt: str = "csv") -> Path:
    """Write each table with exactly the contract's columns (missing values empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = TABLES[name].names
        if fmt == "csv":
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(cols)
                for r in rows:
                    v = [r.get(c) for c in cols]
                    w.writerow(["" if x is None else iso(x) if isinstance(x, datetime) else x for x in v])
        else:
            pl.DataFrame([{c: r.get(c) for c in cols} for r in rows]).write_parquet(folder / f"{name}.parquet")
    return folder


def order(
    oid: str,
    buyer: str,
    seller: str,
    item: str,
    at: datetime,
    *,
    amount: int = 5000,
    status: str = "completed",
    platform: str = "P1",
    signed_after: timedelta = timedelta(days=2),
) -> dict[str, Any]:
    signed = at + signed_after if status == "completed" else None
    return {
        "order_id": oid,
        "platform_id": platform,
        "buyer_account_id": buyer,
        "seller_account_id": seller,
        "item_id": item,
        "quantity": 1,
        "amount_fen": amount,
        "created_at": at,
        "paid_at": at + timedelta(minutes=5),
        "shipped_at": min(at + timedelta(hours=3), signed) if signed else None,
        "signed_at": signed,
        "waybill_no": None,
        "status": status,
    }


def rating(
    rid: str,
    o: dict[str, Any],
    score: str | None,
    *,
    after: timedelta = timedelta(days=1),
    direction: str = "buyer_to_seller",
    kind: str = "initial",
    dsr: tuple[Any, Any, Any] = (None, None, None),
    text: str | None = None,
    rater: str | None = None,
) -> dict[str, Any]:
    b, s = o["buyer_account_id"], o["seller_account_id"]
    default_rater, ratee = (b, s) if direction == "buyer_to_seller" else (s, b)
    base = o["signed_at"] or o["created_at"]
    return {
        "rating_id": rid,
        "order_id": o["order_id"],
        "rater_account_id": rater or default_rater,
        "ratee_account_id": ratee,
        "direction": direction,
        "kind": kind,
        "score": score,
        "dsr_description": dsr[0],
        "dsr_service": dsr[1],
        "dsr_logistics": dsr[2],
        "text": text,
        "created_at": base + after,
    }


def shop(
    seller: str = "S1", buyers: tuple[str, ...] = ("B1", "B2"), *, platform: str = "P1", uscc: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Accounts, one item per seller, one waybill and its tracking: the tables every dataset needs."""
    accounts = [
        {
            "account_id": seller,
            "platform_id": platform,
            "role": "seller",
            "created_at": T0 - timedelta(days=60),
            "subject_id": uscc,
        }
    ]
    accounts += [
        {
            "account_id": b,
            "platform_id": platform,
            "role": "buyer",
            "created_at": T0 - timedelta(days=30),
            "subject_id": None,
        }
        for b in buyers
    ]
    return {
        "accounts": accounts,
        "account_links": [{"account_id": buyers[0], "link_type": "device", "value": "d" * 64, "seen_at": T0}],
        "items": [
            {"item_id": f"{seller}-I1", "seller_account_id": seller, "category": "服装", "list_price_fen": 5000},
            {"item_id": f"{seller}-I2", "seller_account_id": seller, "category": "食品", "list_price_fen": 80},
        ],
        "waybills": [
            {
                "waybill_no": f"{seller}-W1",
                "carrier_uscc": "91350100M000100Y43",
                "origin_division": "350102",
                "dest_division": "110101",
                "weight_g": 800,
                "created_at": T0,
            }
        ],
        "tracking_events": [
            {
                "waybill_no": f"{seller}-W1",
                "event_time": T0 + timedelta(hours=4),
                "event_type": "collected",
                "division": "350102",
                "outlet_id": "OUT-1",
            },
            {
                "waybill_no": f"{seller}-W1",
                "event_time": T0 + timedelta(days=2),
                "event_type": "signed",
                "division": "110101",
                "outlet_id": "OUT-2",
            },
        ],
        "orders": [],
        "ratings": [],
    }
