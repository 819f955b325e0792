"""Platform data intake (平台数据接入): ``chengxin market import DIR`` and the batch API.

Tables land in ``contract.LOAD_ORDER``, each in chunks of ``CHUNK_ROWS`` rows, one transaction (and
one audit entry) per chunk: read and typed (``contract``), checked (``checks``), then compared with
what is stored by the row's identity — new rows are inserted, identical rows counted unchanged,
changed rows updated (ratings go through ``ratings.intake``, which never edits one). A bad row is
reported with its table, row number, code and reason; the rest land. Re-running changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_gc
from chengxin.db import Base, Database, table_of, unit_of_work, utcnow
from chengxin.domains.market import checks, contract
from chengxin.domains.market.models import (
    AccountLink,
    Item,
    MarketAccount,
    Order,
    PricePoint,
    TrackingEvent,
    TrafficEvent,
    Waybill,
)
from chengxin.domains.market.store import any_stored, fetch_frame, merge_frame
from chengxin.domains.ratings import intake, points
from chengxin.domains.ratings import rules as rating_rules
from chengxin.domains.ratings.models import Rating
from chengxin.domains.records.matching import among_many
from chengxin.domains.subjects.models import Subject
from chengxin.errors import UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor

CHUNK_ROWS = 200_000
MODELS: dict[str, type[Base]] = {
    "accounts": MarketAccount,
    "account_links": AccountLink,
    "items": Item,
    "waybills": Waybill,
    "tracking_events": TrackingEvent,
    "orders": Order,
    "price_history": PricePoint,
    "traffic": TrafficEvent,
}
Progress = Callable[[str, int, int], None]  # (table, rows done, rows in table)


@dataclass
class Rejection:
    table: str
    row: int
    key: str
    code: str
    detail: str


@dataclass
class TableSummary:
    table: str
    file: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0  # wall time spent on this table
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("read", "inserted", "updated", "unchanged", "rejected")}
        return {**out, **self.extra, "seconds": round(self.seconds, 1)}


@dataclass
class MarketImport:
    tables: dict[str, TableSummary] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    naive_times: int = 0

    def as_dict(self) -> dict[str, Any]:
        totals = {
            k: sum(getattr(t, k) for t in self.tables.values())
            for k in ("read", "inserted", "updated", "unchanged", "rejected")
        }
        return {
            **totals,
            "naive_times": self.naive_times,
            "tables": {name: t.as_dict() for name, t in self.tables.items()},
        }


def _row_key(frame: pl.DataFrame, spec: contract.TableSpec) -> pl.Series:
    """A row's identity when it has no id: a hash of its natural key (a missing value is a value too)."""
    parts = [
        (pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ") if isinstance(frame.schema[c], pl.Datetime) else pl.col(c))
        .cast(pl.String)
        .fill_null("\x00")
        for c in spec.key
    ]
    joined = frame.select(pl.concat_str(parts, separator="\x1f")).to_series()
    return pl.Series("row_key", [hashlib.sha1(v.encode()).hexdigest() for v in joined], dtype=pl.String)


def _stored_shape(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The chunk's valid rows in the columns of its table (and ``_row``)."""
    spec = contract.TABLES[name]
    data = frame.select(["_row", *spec.names])
    if name == "accounts":
        data = data.rename({"subject_id": "uscc"})
    if name == "orders":
        data = data.with_columns(pl.coalesce("signed_at", "paid_at", "created_at").alias("deal_at"))
    if spec.key != (spec.names[0],) and name not in ("accounts",):
        data = data.with_columns(_row_key(data, spec))
    return data


def _link_subjects(session: Session, data: pl.DataFrame) -> pl.DataFrame:
    usccs = data["uscc"].drop_nulls().unique().to_list()
    found: dict[str, int] = {}
    for i in range(0, len(usccs), 20_000):
        part = usccs[i : i + 20_000]
        rows = session.execute(select(Subject.uscc, Subject.id).where(among_many(session, Subject.uscc, part)))
        found.update({str(u): int(i) for u, i in rows})
    ids = data["uscc"].replace_strict(found, default=None, return_dtype=pl.Int64)
    return data.with_columns(ids.alias("subject_id"))


def _pairs_of_changed_orders(session: Session, data: pl.DataFrame) -> tuple[set[points.Pair], bool]:
    """The (ratee, rater, direction) pairs rated on the stored orders whose scoring facts (status,
    creation time, item, amount) the chunk changes, and whether any of its orders is stored."""
    facts = ["order_id", *rating_rules.SCORED_ORDER_FACTS]
    schema = {c: data.schema[c] for c in facts}
    keys = data["order_id"].to_list()
    if not any_stored(session, table_of(Order), "order_id", keys):  # a first import: one cheap probe
        return set(), False
    stored = fetch_frame(session, table_of(Order), "order_id", keys, facts, schema)
    joined = data.select(facts).join(stored, on="order_id", suffix="_stored")
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_stored")) for c in facts[1:]])
    changed = joined.filter(differs)["order_id"].to_list()
    if not changed:
        return set(), True
    r = table_of(Rating)
    stmt = select(r.c.ratee_account_id, r.c.rater_account_id, r.c.direction).where(
        among_many(session, Rating.order_id, changed), r.c.kind == "initial"
    )
    return {(a, b, c) for a, b, c in session.execute(stmt)}, True


def _land(
    session: Session, name: str, data: pl.DataFrame, summary: TableSummary, policy: rating_rules.RatingRules
) -> None:
    table = table_of(MODELS[name])
    key = "row_key" if "row_key" in data.columns else contract.TABLES[name].key[0]
    compare = [c for c in data.columns if c != key and c not in ("subject_id",)]
    if name == "accounts":
        data = _link_subjects(session, data)
        summary.extra["linked"] = summary.extra.get("linked", 0) + int(data["subject_id"].is_not_null().sum())
    # a changed order is looked at again by the default-ratings job (its status or dates may differ)
    on_update = {"defaults_settled": False} if name == "orders" else None

    def merge(known_new: bool = False) -> tuple[int, int]:
        return merge_frame(session, table, key, data, compare=compare, on_update=on_update, known_new=known_new)

    if name == "orders":  # the points of the pairs rated on orders whose facts change move with them
        pairs, stored = _pairs_of_changed_orders(session, data)
        if stored:
            inserted, updated = points.refresh_pairs(session, pairs, policy, merge)
        else:
            inserted, updated = merge(known_new=True)
    else:
        inserted, updated = merge()
    summary.inserted += inserted
    summary.updated += updated
    summary.unchanged += data.height - inserted - updated


def _chunk(
    session: Session,
    name: str,
    raw: pl.DataFrame,
    result: MarketImport,
    *,
    policy: rating_rules.RatingRules,
    now: datetime,
    first_row: int,
    platform: str | None = None,
) -> None:
    spec = contract.TABLES[name]
    summary = result.tables[name]
    frame, naive = contract.parse(raw, spec, source=summary.file or name, first_row=first_row)
    result.naive_times += naive
    summary.read += frame.height
    if name in checks.CHECKS:
        frame = checks.CHECKS[name](session, frame)
    if platform is not None and "platform_id" in frame.columns:
        frame = checks.refuse(
            frame,
            pl.col("platform_id") != platform,
            "platform_mismatch",
            pl.format(f"platform_id {{}} is not the sending platform ({platform})", pl.col("platform_id")),
        )
    bad = frame.filter(pl.col("_error").is_not_null())
    key = spec.key[0]
    result.rejections.extend(
        Rejection(name, int(r["_row"]), str(r[key] or ""), r["_error"], r["_detail"]) for r in bad.iter_rows(named=True)
    )
    summary.rejected += bad.height
    if name == "ratings":
        taken = intake.take_in(session, frame, policy=policy, now=now, platform=platform)
        summary.inserted += taken.inserted
        summary.updated += taken.changed
        summary.unchanged += taken.unchanged
        summary.rejected += len(taken.refused)
        result.rejections.extend(Rejection(name, r.row, r.key, r.code, r.detail) for r in taken.refused)
        return
    good = frame.filter(pl.col("_error").is_null())
    if good.is_empty():
        return
    shaped = _stored_shape(name, good)
    identity = "row_key" if "row_key" in shaped.columns else key
    earlier = ~pl.col(identity).is_last_distinct()  # the same row identity again later in the chunk
    for r in shaped.filter(earlier).iter_rows(named=True):
        detail = f"{key} {r[key]} appears again later in the data; the later row is kept"
        result.rejections.append(Rejection(name, int(r["_row"]), str(r[key]), "duplicate_key", detail))
        summary.rejected += 1
    _land(session, name, shaped.filter(~earlier).drop("_row"), summary, policy)


def _sources(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise UnusableInput(f"{folder}: not a folder (a dataset is a folder of tables)", code="dataset_missing")
    found = {name: contract.find_file(folder, name) for name in contract.LOAD_ORDER}
    missing = [n for n in contract.LOAD_ORDER if contract.TABLES[n].required and found[n] is None]
    if missing:
        raise UnusableInput(
            f"{folder}: required table(s) missing: {', '.join(missing)} (as .parquet or .csv)",
            code="table_missing",
            message_zh="数据集缺少必需的数据表",
        )
    return {n: p for n, p in found.items() if p is not None}


@bulk_gc()
def import_dataset(
    db: Database,
    folder: Path,
    *,
    actor: Actor,
    progress: Progress | None = None,
    policy: rating_rules.RatingRules | None = None,
) -> MarketImport:
    """Import a dataset folder. Raises ``UnusableInput`` when a required table or column is missing."""
    sources = _sources(folder)
    raws = {}
    for name, path in sources.items():
        raw = contract.read_raw(path)
        contract.check_columns(contract.TABLES[name], raw.columns, source=path.name)  # before anything is written
        raws[name] = (raw, path.name)
    return import_frames(db, raws, actor=actor, progress=progress, policy=policy)


def import_frames(
    db: Database,
    raws: dict[str, tuple[pl.DataFrame, str]],
    *,
    actor: Actor,
    progress: Progress | None = None,
    policy: rating_rules.RatingRules | None = None,
    platform: str | None = None,
    first_row: int = 2,
) -> MarketImport:
    """Import raw tables (as read from files, or from the batch API) in the load order. ``platform``:
    the sending platform — rows of another platform are refused. ``first_row``: the number of a
    table's first data row in reports (2 for a file under its header, 1 for an API list)."""
    policy = policy or rating_rules.load_rules()
    result = MarketImport()
    now = utcnow()
    for name in contract.LOAD_ORDER:
        if name not in raws:
            continue
        raw, source = raws[name]
        result.tables[name] = TableSummary(name, source)
        analyzed = 0
        began = time.perf_counter()
        for start in range(0, max(raw.height, 1), CHUNK_ROWS):
            part = raw.slice(start, CHUNK_ROWS)
            with unit_of_work(db) as session:
                before = result.tables[name].as_dict()
                _chunk(
                    session, name, part, result, policy=policy, now=now, first_row=start + first_row, platform=platform
                )
                after = result.tables[name].as_dict()
                counts = {k: after[k] - before[k] for k in ("inserted", "updated", "rejected")}
                detail = {"table": name, "file": source, "rows_from": start + 2, **counts}
                audit.record(
                    session,
                    actor,
                    audit.Event("market.import", object_type="market_table", object_id=name, detail=detail),
                )
            grown = result.tables[name].inserted
            if db.dialect == "postgresql" and grown >= 2 * analyzed + CHUNK_ROWS // 2:
                _analyze(db, name)
                analyzed = grown
            if progress:
                progress(name, min(start + CHUNK_ROWS, raw.height), raw.height)
        result.tables[name].seconds = time.perf_counter() - began
    return result


def _analyze(db: Database, name: str) -> None:
    """Fresh planner statistics for a table growing fast (PostgreSQL). Without them a table that was
    empty when last analysed is planned as tiny, and each chunk's lookups among its rows become
    sequential scans of the whole — quadratic in the size of the import."""
    tables = [table_of(MODELS[name]).name] if name in MODELS else []
    if name == "ratings":
        tables += ["ratings", "rating_chains", "credit_points"]
    with unit_of_work(db) as session:
        for t in tables:
            session.execute(text(f"ANALYZE {t}"))
