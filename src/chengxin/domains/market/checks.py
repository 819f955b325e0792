"""Per-table checks of a marketplace chunk beyond its types: references, identifiers, order of times.

Each check returns the chunk with ``_error``/``_detail`` filled for the rows it refuses (a row keeps
its first problem). References are looked up among the stored rows — the tables land in
``contract.LOAD_ORDER``, so whatever a row refers to was stored before it, in this run or earlier.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy.orm import Session

from chengxin.db import table_of
from chengxin.domains.market.models import Item, MarketAccount, Waybill
from chengxin.domains.market.store import fetch_frame
from chengxin.domains.subjects.identifiers import IdentifierError, validate_uscc

Check = Callable[[Session, pl.DataFrame], pl.DataFrame]


def refuse(frame: pl.DataFrame, bad: pl.Expr, code: str, detail: pl.Expr) -> pl.DataFrame:
    """Mark rows matching ``bad`` (and not refused yet) with ``code`` and ``detail``."""
    hit = pl.col("_error").is_null() & bad.fill_null(False)
    return frame.with_columns(
        pl.when(hit).then(pl.lit(code)).otherwise(pl.col("_error")).alias("_error"),
        pl.when(hit).then(detail).otherwise(pl.col("_detail")).alias("_detail"),
    )


def _lookup(session: Session, model: type, key: str, values: pl.Series, columns: list[str]) -> pl.DataFrame:
    table = table_of(model)
    schema = {c: pl.String for c in columns}
    wanted = values.drop_nulls().unique().to_list()
    return fetch_frame(session, table, key, wanted, columns, schema)


def _unknown(frame: pl.DataFrame, column: str, known: pl.Series, code: str, what: str) -> pl.DataFrame:
    bad = pl.col(column).is_not_null() & ~pl.col(column).is_in(known.implode())
    return refuse(frame, bad, code, pl.format(f"{what} {{}} is not known", pl.col(column)))


def _uscc_problems(values: pl.Series) -> dict[str, str]:
    """USCC → why it is invalid, for the distinct values that are (our own validator: stdnum's
    rejects valid A/N/Y codes, see subjects/identifiers.py)."""
    out = {}
    for v in values.drop_nulls().unique().to_list():
        try:
            validate_uscc(v)
        except IdentifierError as exc:
            out[v] = exc.detail
    return out


def _check_uscc(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    problems = _uscc_problems(frame[column])
    if not problems:
        return frame
    bad = pl.col(column).is_in(list(problems))
    detail = pl.format("{}: {}", pl.col(column), pl.col(column).replace_strict(problems, default=""))
    return refuse(frame, bad, "uscc_invalid", detail)


def _division(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    bad = pl.col(column).is_not_null() & ~pl.col(column).str.contains(r"^[1-8]\d{5}$")
    return refuse(
        frame, bad, "division_invalid", pl.format(f"{column} {{}} is not a 6-digit division code", pl.col(column))
    )


def accounts(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    return _check_uscc(frame, "subject_id")


def _account_refs(session: Session, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return _lookup(session, MarketAccount, "account_id", frame[column], ["account_id", "role"])


def account_links(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    known = _account_refs(session, frame, "account_id")["account_id"]
    return _unknown(frame, "account_id", known, "account_unknown", "account")


def _seller(session: Session, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    known = _account_refs(session, frame, column)
    frame = _unknown(frame, column, known["account_id"], "seller_unknown", "seller account")
    buyers = known.filter(pl.col("role") != "seller")["account_id"]
    bad = pl.col(column).is_in(buyers.implode())
    return refuse(frame, bad, "not_a_seller", pl.format("account {} is not a seller account", pl.col(column)))


def items(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    return _seller(session, frame, "seller_account_id")


def waybills(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    frame = _check_uscc(frame, "carrier_uscc")
    return _division(_division(frame, "origin_division"), "dest_division")


def tracking_events(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    known = _lookup(session, Waybill, "waybill_no", frame["waybill_no"], ["waybill_no"])["waybill_no"]
    return _division(_unknown(frame, "waybill_no", known, "waybill_unknown", "waybill"), "division")


def orders(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    buyers = _account_refs(session, frame, "buyer_account_id")["account_id"]
    frame = _unknown(frame, "buyer_account_id", buyers, "buyer_unknown", "buyer account")
    frame = _seller(session, frame, "seller_account_id")
    known_items = _lookup(session, Item, "item_id", frame["item_id"], ["item_id", "seller_account_id"])
    frame = _unknown(frame, "item_id", known_items["item_id"], "item_unknown", "item")
    owner = frame.select(pl.col("item_id")).join(
        known_items.rename({"seller_account_id": "_owner"}), on="item_id", how="left"
    )["_owner"]
    frame = frame.with_columns(owner.alias("_owner"))
    frame = refuse(
        frame,
        pl.col("_owner").is_not_null() & (pl.col("_owner") != pl.col("seller_account_id")),
        "item_not_of_seller",
        pl.format("item {} is sold by {}, not {}", pl.col("item_id"), pl.col("_owner"), pl.col("seller_account_id")),
    ).drop("_owner")
    seq = ["created_at", "paid_at", "shipped_at", "signed_at"]
    for earlier, later in zip(seq, seq[1:], strict=False):
        frame = refuse(
            frame,
            pl.col(later) < pl.col(earlier),
            "times_out_of_order",
            pl.format(f"{later} {{}} is before {earlier} {{}}", pl.col(later), pl.col(earlier)),
        )
    waybill_known = _lookup(session, Waybill, "waybill_no", frame["waybill_no"], ["waybill_no"])["waybill_no"]
    return _unknown(frame, "waybill_no", waybill_known, "waybill_unknown", "waybill")


def price_history(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    known = _lookup(session, Item, "item_id", frame["item_id"], ["item_id"])["item_id"]
    return _unknown(frame, "item_id", known, "item_unknown", "item")


def traffic(session: Session, frame: pl.DataFrame) -> pl.DataFrame:
    frame = _seller(session, frame, "seller_account_id")
    known = _lookup(session, Item, "item_id", frame["item_id"], ["item_id"])["item_id"]
    return _unknown(frame, "item_id", known, "item_unknown", "item")


CHECKS: dict[str, Check] = {
    "accounts": accounts,
    "account_links": account_links,
    "items": items,
    "waybills": waybills,
    "tracking_events": tracking_events,
    "orders": orders,
    "price_history": price_history,
    "traffic": traffic,
}
