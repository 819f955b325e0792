"""Benchmark of credit evaluation: the batch command on a generated province's facts, and the
incremental refresh of one subject on a loaded database.

``generate DIR --subjects N --records M`` writes ``subjects.parquet`` and ``records.parquet`` in the
input format of ``chengxin evaluate --from DIR`` (what ``chengxin evaluate export`` writes), seeded:
70 % enterprises, 29 % persons, 1 % platforms; 90 % verified; records of every catalog type over the
seven years before the day, 60 % active, the rest expired, repaired, revoked or under objection,
severities spread evenly, use periods of one to four years; shops' rating counts for a third of the
subjects. The harness then times ``chengxin evaluate --from DIR --engine E --out FILE --json`` as a
subprocess (reading the files, the pipeline, writing the results).

``refresh URL --subjects K`` times ``evaluation.service.refresh`` (read the subject's facts, score it
with the rules, store the result and any grade change, commit) for K random subjects that have records,
each in its own transaction, and prints the latencies.

    .venv/bin/python bench/evaluation_batch.py generate var/bench/evaluation --subjects 1000000 --records 10000000
    .venv/bin/python bench/evaluation_batch.py refresh sqlite:///var/bench/sqlite/chengxin.db --subjects 200
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

DAY = date(2026, 11, 24)
SEED = 20261124


def _pick(rng: np.random.Generator, words: list[str], n: int, p: list[float] | None = None) -> pl.Series:
    return pl.Series(words, dtype=pl.String).gather(rng.choice(len(words), n, p=p))


def generate(folder: Path, subjects: int, records: int) -> dict[str, object]:
    from chengxin.domains.catalog.rules import default_catalog_source, parse_catalog

    catalog = parse_catalog(default_catalog_source())
    codes = sorted(catalog.types)
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    rated = np.where(rng.random(subjects) < 0.33, rng.integers(0, 400, subjects), 0)
    good = np.minimum(rated, np.round(rated * rng.uniform(0.85, 1.0, subjects)).astype(np.int64))
    dsr_n = rated * 3
    subj = pl.DataFrame({
        "subject_id": np.arange(1, subjects + 1, dtype=np.int64),
        "model_kind": _pick(rng, ["enterprise", "natural", "platform"], subjects, [0.70, 0.29, 0.01]),
        "verification_status": _pick(rng, ["verified", "unverified", "mismatch", "not_found"], subjects,
                                     [0.90, 0.07, 0.02, 0.01]),
        "rated": rated, "rated_good": good, "dsr_sum": (dsr_n * rng.uniform(4.0, 5.0, subjects)).astype(np.int64),
        "dsr_count": dsr_n,
    })  # fmt: skip
    decided = pl.Series(rng.integers(0, 7 * 365, records), dtype=pl.Int64)
    days = pl.Series(rng.integers(365, 4 * 365, records), dtype=pl.Int64)
    recs = pl.DataFrame({
        "subject_id": rng.integers(1, subjects + 1, records, dtype=np.int64),
        "record_id": np.arange(1, records + 1, dtype=np.int64),
        "type_code": _pick(rng, codes, records),
        "severity": _pick(rng, ["none", "minor", "general", "serious"], records),
        "status": _pick(rng, ["active", "expired", "repaired", "revoked", "under_objection"], records,
                        [0.60, 0.25, 0.07, 0.03, 0.05]),
    }).with_columns(
        (pl.lit(DAY) - pl.duration(days=decided)).alias("decided_on"),
        (pl.lit(DAY) - pl.duration(days=decided) + pl.duration(days=days)).alias("publicity_until"),
        pl.col("type_code").is_in([c for c in codes if catalog.types[c].scoring]).alias("scoring"),
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    subj.write_parquet(folder / "subjects.parquet")
    recs.write_parquet(folder / "records.parquet")
    return {"subjects": subjects, "records": records, "generate_seconds": round(time.perf_counter() - start, 1)}


def refresh(url: str, count: int) -> dict[str, object]:
    from sqlalchemy import select

    from chengxin.db import ensure_current, open_database, unit_of_work
    from chengxin.domains.evaluation import service
    from chengxin.domains.records.models import CreditRecord

    db = open_database(url)
    ensure_current(db)  # the evaluation tables, on a database loaded by an earlier version
    with unit_of_work(db, readonly=True) as s:
        ids = sorted(set(s.scalars(select(CreditRecord.subject_id).where(CreditRecord.is_current.is_(True))
                                   .limit(200_000))))  # fmt: skip
    chosen = random.Random(SEED).sample(ids, min(count, len(ids)))
    with unit_of_work(db) as s:  # warm-up: the models, the catalog, the connection
        service.refresh(s, chosen[:5], on=DAY, cause="benchmark")
    latencies = []
    for sid in chosen:
        t0 = time.perf_counter()
        with unit_of_work(db) as s:
            service.refresh(s, [sid], on=DAY, cause="benchmark")
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)

    return {"refreshed": len(latencies), "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": round(latencies[-1], 2),
            "subjects_with_records": len(ids)}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    g = sub.add_parser("generate")
    g.add_argument("folder", type=Path)
    g.add_argument("--subjects", type=int, default=1_000_000)
    g.add_argument("--records", type=int, default=10_000_000)
    r = sub.add_parser("refresh")
    r.add_argument("url")
    r.add_argument("--subjects", type=int, default=200)
    args = p.parse_args()
    if args.what == "generate":
        print(json.dumps(generate(args.folder, args.subjects, args.records)))
    else:
        print(json.dumps(refresh(args.url, args.subjects)))


if __name__ == "__main__":
    main()

