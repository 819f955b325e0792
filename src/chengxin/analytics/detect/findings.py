"""Findings (MARKETPLACE.md § Findings): one row per flagged entity, the detector's decision.

Columns: ``finding_id`` (stable: the same detector, entity type and id give the same id on every run),
``detector``, ``entity_type``, ``entity_id``, ``score`` (0..1), ``group_id`` (ring/campaign or null),
``explanation`` (one sentence) and ``evidence`` (JSON text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from chengxin.errors import InvalidInput, UnusableInput

DETECTORS = ("brushing", "malicious_review", "empty_parcel", "fake_traffic", "price_fraud")
ENTITY_TYPES = ("seller", "buyer", "order", "rating", "waybill", "item", "visitor")
SCHEMA: dict[str, pl.DataType] = {
    "finding_id": pl.String(),
    "detector": pl.String(),
    "entity_type": pl.String(),
    "entity_id": pl.String(),
    "score": pl.Float64(),
    "group_id": pl.String(),
    "explanation": pl.String(),
    "evidence": pl.String(),
}
LABEL_SCHEMA: dict[str, pl.DataType] = {"detector": pl.String(), "entity_type": pl.String(), "entity_id": pl.String()}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def finding_ids(detector: str, entity_type: pl.Expr | str, entity_id: pl.Expr) -> pl.Expr:
    """``F`` + 16 hex digits of a hash of (detector, entity type, entity id): stable across runs."""
    kind = pl.lit(entity_type) if isinstance(entity_type, str) else entity_type
    key = pl.concat_str([pl.lit(detector), kind, entity_id], separator="\x1f")
    return pl.lit("F") + key.hash(seed=20261125).cast(pl.String).str.zfill(20)


def build(detector: str, entity_type: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Findings from ``frame`` with columns entity_id, score, group_id, explanation and evidence (a
    struct, dict or JSON text column); scores clipped to 0..1."""
    if detector not in DETECTORS or entity_type not in ENTITY_TYPES:
        raise ValueError(f"unknown detector/entity type {detector}/{entity_type}")
    if frame.height == 0:
        return empty()
    evidence = frame.get_column("evidence")
    if evidence.dtype != pl.String:
        evidence = pl.Series("evidence", [json.dumps(v, ensure_ascii=False, default=str) for v in evidence.to_list()])
    out = frame.with_columns(evidence.alias("evidence")).select(
        finding_ids(detector, entity_type, pl.col("entity_id").cast(pl.String)).alias("finding_id"),
        pl.lit(detector).alias("detector"),
        pl.lit(entity_type).alias("entity_type"),
        pl.col("entity_id").cast(pl.String),
        pl.col("score").cast(pl.Float64).clip(0.0, 1.0).round(4),
        pl.col("group_id").cast(pl.String),
        pl.col("explanation").cast(pl.String),
        pl.col("evidence"),
    )
    return out.unique("entity_id", keep="first", maintain_order=True)


def combine(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [p.select(list(SCHEMA)).cast(SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    if not frames:
        return empty()
    return pl.concat(frames).sort(
        "detector", "entity_type", "score", "entity_id", descending=[False, False, True, False]
    )


def with_accounts(frame: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Seller and buyer findings' evidence completed with the account's ``platform_id`` and ``subject_id``
    (the USCC the platform gave, or null): whom a confirmed finding concerns, without the market data."""
    if frame.height == 0:
        return frame
    known = accounts.select(
        pl.col("account_id").alias("entity_id"),
        pl.struct("platform_id", "subject_id").struct.json_encode().alias("_who"),
    ).unique("entity_id")
    joined = frame.join(known, on="entity_id", how="left", maintain_order="left")
    account = pl.col("entity_type").is_in(["seller", "buyer"]) & pl.col("_who").is_not_null()
    inner = pl.col("_who").str.strip_prefix("{").str.strip_suffix("}")
    body = pl.col("evidence").str.strip_suffix("}")
    merged = (
        pl.when(account & (pl.col("evidence").str.strip_chars() == "{}"))
        .then(pl.col("_who"))
        .when(account & pl.col("evidence").str.starts_with("{"))
        .then(pl.concat_str([body, pl.lit(", "), inner, pl.lit("}")]))
        .otherwise(pl.col("evidence"))
    )
    return joined.with_columns(merged.alias("evidence")).drop("_who")


def write(frame: pl.DataFrame, path: Path) -> None:
    """Parquet or CSV by the file's extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.write_csv(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path, compression="zstd")
    else:
        raise InvalidInput(f"{path}: the findings file must end in .parquet or .csv", code="invalid_output")


def _read(path: Path, what: str) -> pl.DataFrame:
    if not path.is_file():
        raise UnusableInput(f"{path}: no such {what} file", code="file_missing", message_zh="文件不存在")
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)
    except Exception as exc:  # polars raises many kinds for a broken file
        raise UnusableInput(f"{path}: not a readable {what} file ({exc})", code="file_format") from exc


def _need(frame: pl.DataFrame, columns: Iterable[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UnusableInput(
            f"{path}: missing column(s) {', '.join(missing)}", code="column_missing", message_zh="文件缺少必需的列"
        )


def read_findings(path: Path) -> pl.DataFrame:
    frame = _read(path, "findings")
    _need(frame, ("detector", "entity_type", "entity_id"), path)
    return frame.with_columns(pl.col(c).cast(pl.String) for c in ("detector", "entity_type", "entity_id"))


def read_labels(path: Path) -> pl.DataFrame:
    frame = _read(path, "labels")
    _need(frame, LABEL_SCHEMA, path)
    return frame.select(pl.col(c).cast(pl.String) for c in LABEL_SCHEMA)
