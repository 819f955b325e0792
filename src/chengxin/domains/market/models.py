"""Marketplace data platforms hand us (平台交易数据), table by table as in the contract.

Ids are the platforms' own strings (the contract's). Tables without an id of their own carry
``row_key``, a hash of their natural key, so that a re-run of an import adds nothing. No foreign
keys between these tables: the importer checks references and reports the rows that break them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class MarketAccount(Base):
    """A platform account (账户), buyer or seller; linked to a registered subject by its USCC."""

    __tablename__ = "market_accounts"

    account_id: Mapped[str] = mapped_column(Code(64), primary_key=True)
    platform_id: Mapped[str] = mapped_column(Code(40), index=True)
    role: Mapped[str] = mapped_column(Code(10))  # buyer | seller
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uscc: Mapped[str | None] = mapped_column(Code(18))  # as the platform sent it (contract: subject_id)
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)  # our subject, when registered
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountLink(Base):
    """A hashed device, IP, address, phone or payment account seen on an account (关联信息)."""

    __tablename__ = "market_account_links"

    row_key: Mapped[str] = mapped_column(Code(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(Code(64), index=True)
    link_type: Mapped[str] = mapped_column(Code(10))
    value: Mapped[str] = mapped_column(Code(128))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_market_account_links_value", "link_type", "value"),)


class Item(Base):
    __tablename__ = "market_items"

    item_id: Mapped[str] = mapped_column(Code(64), primary_key=True)
    seller_account_id: Mapped[str] = mapped_column(Code(64), index=True)
    category: Mapped[str] = mapped_column(String(100))
    list_price_fen: Mapped[int] = mapped_column(BigInteger)


class Waybill(Base):
    """A parcel's waybill (运单)."""

    __tablename__ = "market_waybills"

    waybill_no: Mapped[str] = mapped_column(Code(64), primary_key=True)
    carrier_uscc: Mapped[str] = mapped_column(Code(18), index=True)
    origin_division: Mapped[str] = mapped_column(Code(6))
    dest_division: Mapped[str] = mapped_column(Code(6))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackingEvent(Base):
    __tablename__ = "market_tracking_events"

    row_key: Mapped[str] = mapped_column(Code(40), primary_key=True)
    waybill_no: Mapped[str] = mapped_column(Code(64), index=True)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    event_type: Mapped[str] = mapped_column(Code(20))
    division: Mapped[str | None] = mapped_column(Code(6))
    outlet_id: Mapped[str | None] = mapped_column(Code(64))


class Order(Base):
    """An order (订单). ``deal_at`` (成交时间) = signed_at, else paid_at, else created_at: the rating
    windows count from it. ``defaults_settled``: its lapsed rating windows have been dealt with."""

    __tablename__ = "market_orders"

    order_id: Mapped[str] = mapped_column(Code(64), primary_key=True)
    platform_id: Mapped[str] = mapped_column(Code(40))
    buyer_account_id: Mapped[str] = mapped_column(Code(64), index=True)
    seller_account_id: Mapped[str] = mapped_column(Code(64), index=True)
    item_id: Mapped[str] = mapped_column(Code(64))
    quantity: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waybill_no: Mapped[str | None] = mapped_column(Code(64))
    status: Mapped[str] = mapped_column(Code(10))
    deal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    defaults_settled: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_market_orders_unsettled", "defaults_settled", "deal_at"),)


class PricePoint(Base):
    __tablename__ = "market_price_history"

    row_key: Mapped[str] = mapped_column(Code(40), primary_key=True)
    item_id: Mapped[str] = mapped_column(Code(64), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    promotion: Mapped[bool] = mapped_column(Boolean)


class TrafficEvent(Base):
    __tablename__ = "market_traffic"

    row_key: Mapped[str] = mapped_column(Code(40), primary_key=True)
    visitor_id: Mapped[str] = mapped_column(Code(64), index=True)
    seller_account_id: Mapped[str] = mapped_column(Code(64))
    item_id: Mapped[str | None] = mapped_column(Code(64))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    event_type: Mapped[str] = mapped_column(Code(10))
    ip: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(128))
