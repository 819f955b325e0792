"""Who a confirmed case's records are about, from the marketplace data (平台账户 → 信用主体).

The market domain keeps the platforms' accounts, orders, items, waybills and traffic (imported by
``chengxin market import``) and has no service module of its own yet; these are read-only lookups of
its tables, kept in this one module. An account's subject: the subject the import linked it to (by
the USCC the platform sent), else the USCC the evidence or the account carries (the records service
then matches it, or parks the record in the unmatched queue 待匹配).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.detection.rules import Target, Targets
from chengxin.domains.market.models import Item, MarketAccount, Order, TrafficEvent

CHUNK = 500


@dataclass(frozen=True)
class Resolved:
    account_id: str
    why: str
    platform_id: str | None
    subject_id: int | None  # our subject, when the account is linked to one
    uscc: str | None

    @property
    def party_key(self) -> str | None:
        return f"S{self.subject_id}" if self.subject_id else f"U{self.uscc}" if self.uscc else None


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def sellers_of(session: Session, refs: Iterable[tuple[str, str]]) -> list[str]:
    """The seller accounts of flagged orders, items, waybills and visitors (the seller concerned)."""
    by_type: dict[str, list[str]] = {}
    for kind, value in refs:
        by_type.setdefault(kind, []).append(value)
    found: set[str] = set()
    for part in _chunks(by_type.get("order", [])):
        found.update(session.scalars(select(Order.seller_account_id).where(Order.order_id.in_(part))))
    for part in _chunks(by_type.get("waybill", [])):
        found.update(session.scalars(select(Order.seller_account_id).where(Order.waybill_no.in_(part))))
    for part in _chunks(by_type.get("item", [])):
        found.update(session.scalars(select(Item.seller_account_id).where(Item.item_id.in_(part))))
    for part in _chunks(by_type.get("visitor", [])):
        found.update(
            session.scalars(select(TrafficEvent.seller_account_id).where(TrafficEvent.visitor_id.in_(part)).distinct())
        )
    return sorted(found)


def resolve(session: Session, targets: Targets, *, platform_id: str | None) -> list[Resolved]:
    """Each target account with its subject (when known); the sellers looked up in market data added."""
    wanted = list(targets.accounts)
    named = {t.account_id for t in wanted}
    wanted += [Target(a, None, platform_id, "seller_concerned") for a in sellers_of(session, targets.lookup)
               if a not in named]  # fmt: skip
    stored: dict[str, MarketAccount] = {}
    for part in _chunks(t.account_id for t in wanted):
        stored.update({a.account_id: a for a in session.scalars(select(MarketAccount).where(
            MarketAccount.account_id.in_(part)))})  # fmt: skip
    out = []
    for t in wanted:
        acc = stored.get(t.account_id)
        out.append(
            Resolved(
                account_id=t.account_id,
                why=t.why,
                platform_id=t.platform_id or (acc.platform_id if acc else None) or platform_id,
                subject_id=acc.subject_id if acc else None,
                uscc=t.uscc or (acc.uscc if acc else None),
            )
        )
    return out
