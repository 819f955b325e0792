"""The detection benchmark's in-process parts (``bench/detect_bench.py`` runs them as subprocesses, so
that each has its own peak RSS); each prints one JSON object on its last line.

    .venv/bin/python bench/detect_batch.py anchor var/bench/detect-sim-1   # plain FRAUDAR on a dataset
    .venv/bin/python bench/detect_batch.py peel var/bench/detect-10m       # peeling throughput
    .venv/bin/python bench/detect_batch.py spark var/bench/detect-1m       # Polars vs Spark local mode

``anchor``: plain FRAUDAR (Hooi et al., KDD 2016) as the paper runs it, the anchor our brushing detector
is compared with: the binary buyer×seller graph of every order (one edge per pair that traded),
FRAUDAR's column weights (1/log(5 + the seller's degree)), no priors, the exact greedy peel
(``peeling.greedy``) of the whole graph, keeping only its single densest block. Its sellers and buyers,
and the orders between them, are its brushing findings, scored against the same labels.

``peel``: the brushing detector's own ring finder (``peeling.blocks`` on the graph of strong edges at the
flagged sellers, timed inside a run of ``empty_parcel`` and ``brushing`` over the dataset), then the same
buyer×seller graph as ``anchor`` built from the dataset's orders, and on it ``peeling.densest`` (batch peel
of the whole graph), ``peeling.blocks`` (weighted τ-core, components, every dense block peeled out in
turn) and the exact ``peeling.greedy`` (one node at a time, compiled with numba), in edges per second.

``spark``: every detector on Polars and then on Spark local mode (``local[2]``) over the same dataset;
findings compared entity for entity, scores and groups included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from chengxin.analytics.detect import dataset, evaluate, findings, peeling, run
from chengxin.analytics.engines import read_typed

BRUSHING = ("seller", "buyer", "order")
BLOCKS_TAU = 1.0  # peel.blocks: weighted core threshold on the whole graph (prunes the honest bulk)
BLOCKS_MIN_DENSITY = 1.0  # …and the density a block must have to be reported


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def buyer_seller_graph(orders: pl.DataFrame) -> tuple[peeling.Graph, pl.Series, pl.Series]:
    """The binary buyer×seller graph of ``orders`` with FRAUDAR's column weights; the buyer and seller
    ids of its rows and columns."""
    pairs = orders.select("buyer_account_id", "seller_account_id").drop_nulls().unique()
    buyers = pairs.get_column("buyer_account_id").unique().sort()
    sellers = pairs.get_column("seller_account_id").unique().sort()
    rows = buyers.search_sorted(pairs.get_column("buyer_account_id")).to_numpy().astype(np.int64)
    cols = sellers.search_sorted(pairs.get_column("seller_account_id")).to_numpy().astype(np.int64)
    g = peeling.Graph(rows, cols, peeling.column_weights(cols, len(sellers)), len(buyers), len(sellers))
    return g, buyers, sellers


def _scores(found: pl.DataFrame, labels: pl.DataFrame, sellers: pl.Series) -> dict[str, Any]:
    scores = evaluate.evaluate(found, labels.filter(pl.col("detector") == "brushing"))
    scores = scores.filter(pl.col("detector") == "brushing")
    return {"scores": {r["entity_type"]: r for r in scores.drop("detector").to_dicts()},
            "honest_sellers_flagged": round(evaluate.honest_flagged(found, labels, sellers), 5)}  # fmt: skip


def anchor(folder: Path) -> dict[str, Any]:
    """Plain FRAUDAR's single densest block as brushing findings, scored (and the batch peel's, for
    information)."""
    orders = read_typed(folder, "orders").select("order_id", "buyer_account_id", "seller_account_id")
    accounts = read_typed(folder, "accounts")
    sellers_all = accounts.filter(pl.col("role") == "seller").get_column("account_id")
    labels = findings.read_labels(folder / "labels.parquet")
    started = time.perf_counter()
    g, buyers, sellers = buyer_seller_graph(orders)
    built = time.perf_counter() - started
    out: dict[str, Any] = {"edges": len(g.rows), "buyers": g.n_rows, "sellers": g.n_cols,
                           "graph_seconds": round(built, 3)}  # fmt: skip
    for method, peel in (("greedy", peeling.greedy), ("densest", peeling.densest)):
        started = time.perf_counter()
        block = peel(g)
        seconds = time.perf_counter() - started
        b_ids, s_ids = buyers.gather(block.rows), sellers.gather(block.cols)
        inside = orders.filter(pl.col("buyer_account_id").is_in(b_ids.implode())
                               & pl.col("seller_account_id").is_in(s_ids.implode())).get_column("order_id")  # fmt: skip
        found = pl.concat([
            pl.DataFrame({"entity_type": kind, "entity_id": ids.cast(pl.String)})
            for kind, ids in (("seller", s_ids), ("buyer", b_ids), ("order", inside))
        ]).with_columns(pl.lit("brushing").alias("detector"))  # fmt: skip
        out[method] = {"seconds": round(seconds, 3), "block_buyers": len(block.rows), "block_sellers": len(block.cols),
                       "block_orders": inside.len(), "density": round(block.density, 4),
                       **_scores(found, labels, sellers_all)}  # fmt: skip
    out["rss_mib"] = round(_rss_mib())
    return out


def _ring_finder(folder: Path) -> dict[str, Any]:
    """``peeling.blocks`` as the brushing detector calls it, timed inside a run over ``folder``."""
    calls: list[tuple[int, float, int]] = []
    peels: list[tuple[int, float]] = []
    blocks, greedy = peeling.blocks, peeling.greedy

    def timed_blocks(g: peeling.Graph, **kwargs: Any) -> list[peeling.Block]:
        started = time.perf_counter()
        found = blocks(g, **kwargs)
        calls.append((len(g.rows), time.perf_counter() - started, len(found)))
        return found

    def timed_greedy(g: peeling.Graph) -> peeling.Block:
        started = time.perf_counter()
        found = greedy(g)
        peels.append((len(g.rows), time.perf_counter() - started))
        return found

    peeling.blocks, peeling.greedy = timed_blocks, timed_greedy  # type: ignore[assignment]
    try:
        run.run(dataset.open_dataset(folder), only=["empty_parcel", "brushing"])
    finally:
        peeling.blocks, peeling.greedy = blocks, greedy  # type: ignore[assignment]
    edges, seconds = sum(c[0] for c in calls), sum(c[1] for c in calls)
    peeled, peel_s = sum(p[0] for p in peels), sum(p[1] for p in peels)
    return {"calls": len(calls), "edges": edges, "seconds": round(seconds, 3), "blocks": sum(c[2] for c in calls),
            "edges_per_s": round(edges / seconds) if seconds else 0, "greedy_calls": len(peels),
            "greedy_edges": peeled, "greedy_seconds": round(peel_s, 3),
            "greedy_edges_per_s": round(peeled / peel_s) if peel_s else 0}  # fmt: skip


def peel(folder: Path) -> dict[str, Any]:
    """Peeling throughput: the brushing detector's ring finder, then the buyer×seller graph of every
    order in ``folder``."""
    rings = _ring_finder(folder)
    print(f"peel ring finder: {rings}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    orders = pl.read_parquet(folder / "orders.parquet", columns=["buyer_account_id", "seller_account_id"])
    g, _, _ = buyer_seller_graph(orders)
    out: dict[str, Any] = {"orders": orders.height, "edges": len(g.rows), "buyers": g.n_rows, "sellers": g.n_cols,
                           "graph_seconds": round(time.perf_counter() - started, 2), "ring_finder": rings}  # fmt: skip
    del orders
    runs = {
        "densest": lambda: [peeling.densest(g)],
        "blocks": lambda: peeling.blocks(g, tau=BLOCKS_TAU, min_density=BLOCKS_MIN_DENSITY),
        "greedy": lambda: [peeling.greedy(g)],
    }
    for name, fn in runs.items():
        started = time.perf_counter()
        found = fn()
        seconds = time.perf_counter() - started
        out[name] = {"seconds": round(seconds, 2), "edges_per_s": round(len(g.rows) / seconds),
                     "blocks": len(found), "largest_block": max(((len(b.rows), len(b.cols)) for b in found),
                                                                default=(0, 0)),
                     "top_density": round(max((b.density for b in found), default=0.0), 4)}  # fmt: skip
        print(f"peel {name}: {out[name]}", file=sys.stderr, flush=True)
    out["blocks"]["tau"], out["blocks"]["min_density"] = BLOCKS_TAU, BLOCKS_MIN_DENSITY
    out["rss_mib"] = round(_rss_mib())
    return out


def _run(folder: Path, engine: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    started = time.perf_counter()
    data = dataset.open_dataset(folder, engine)
    opened = time.perf_counter() - started
    result = run.run(data)
    total = time.perf_counter() - started
    return result.findings, {"open_seconds": round(opened, 1), "seconds": round(total, 1),
                             "detectors": result.seconds, "findings": result.findings.height,
                             "by_detector": result.counts(), "rows": data.rows}  # fmt: skip


def spark(folder: Path, driver_memory: str | None = None) -> dict[str, Any]:
    """Every detector on Polars, then on Spark local mode; are the findings the same? ``driver_memory``
    replaces the session's ``spark.driver.memory`` (Settings: ``CHENGXIN_SPARK_DRIVER_MEMORY``)."""
    from chengxin.analytics.engines import spark_session, stop_spark
    from chengxin.config import get_settings

    settings = get_settings()
    if driver_memory:
        settings = settings.model_copy(update={"spark_driver_memory": driver_memory})
        get_settings.cache_clear()
        os.environ["CHENGXIN_SPARK_DRIVER_MEMORY"] = driver_memory

    on_polars, polars_summary = _run(folder, "polars")
    print(f"spark: polars {polars_summary}", file=sys.stderr, flush=True)
    again, _ = _run(folder, "polars")  # how much two Polars runs differ (order-dependent ties)
    rerun = _group_differences(on_polars, again)
    started = time.perf_counter()
    spark_session()
    session = time.perf_counter() - started
    try:
        on_spark, spark_summary = _run(folder, "spark")
    finally:
        stop_spark()
    print(f"spark: spark {spark_summary}", file=sys.stderr, flush=True)
    key = ["detector", "entity_type", "entity_id"]
    left = on_polars.sort(key).select(*key, "score", "group_id")
    right = on_spark.sort(key).select(*key, "score", "group_id")
    same_entities = left.select(key).equals(right.select(key))
    score_diff = (
        float((left.get_column("score") - right.get_column("score")).abs().max() or 0.0)  # type: ignore[arg-type]
        if same_entities else None
    )  # fmt: skip
    same_groups = same_entities and left.get_column("group_id").equals(right.get_column("group_id"))
    group_diff = _group_differences(on_polars, on_spark)
    return {"master": settings.spark_master, "driver_memory": settings.spark_driver_memory,
            "polars": polars_summary, "spark": spark_summary,
            "session_seconds": round(session, 1), "same_counts": polars_summary["by_detector"] ==
            spark_summary["by_detector"], "same_entities": same_entities, "max_score_diff": score_diff,
            "same_groups": bool(same_groups), "group_differences": group_diff,
            "polars_rerun_group_differences": rerun,
            "same": bool(same_entities and same_groups and score_diff is not None and score_diff < 1e-9),
            "rss_mib": round(_rss_mib())}  # fmt: skip


def _group_differences(a: pl.DataFrame, b: pl.DataFrame) -> dict[str, int]:
    """Per detector/entity type: how many entities found by both have different groups."""
    key = ["detector", "entity_type", "entity_id"]
    paired = a.select(*key, "group_id").join(b.select(*key, "group_id"), on=key, suffix="_b")
    differ = paired.filter(pl.col("group_id").ne_missing(pl.col("group_id_b")))
    counts = differ.group_by("detector", "entity_type").len().sort("detector", "entity_type")
    return {f"{d}/{e}": n for d, e, n in counts.iter_rows()}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("anchor", "peel", "spark"))
    p.add_argument("folder", type=Path)
    p.add_argument("--driver-memory", help="spark: the session's spark.driver.memory instead of the setting's")
    args = p.parse_args(argv)
    result = spark(args.folder, args.driver_memory) if args.what == "spark" else {"anchor": anchor, "peel": peel}[
        args.what](args.folder)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
