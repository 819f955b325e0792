"""The fraud simulator: deterministic, contract-valid, labels complete and pointing at real rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.demo.market import ALL_TABLES
from chengxin.demo.market_prices import Prices
from chengxin.domains.market.contract import TABLES, read_table
from chengxin.simulate import simulate_market
from chengxin.simulate.prices import fraud_items

SMALL = {"sellers": 300, "buyers": 3000, "orders": 20_000}
EXPECTED = {
    ("brushing", "seller"), ("brushing", "buyer"), ("brushing", "order"),
    ("malicious_review", "rating"), ("malicious_review", "buyer"),
    ("empty_parcel", "waybill"), ("empty_parcel", "order"),
    ("fake_traffic", "visitor"), ("price_fraud", "item"),
}
ID_COLUMN = {
    "seller": ("accounts", "account_id"), "buyer": ("accounts", "account_id"), "order": ("orders", "order_id"),
    "rating": ("ratings", "rating_id"), "waybill": ("waybills", "waybill_no"), "item": ("items", "item_id"),
    "visitor": ("traffic", "visitor_id"),
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("sim") / "a"
    return out, simulate_market(out, seed=11, **SMALL)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tables(dataset: tuple[Path, dict[str, object]]) -> dict[str, pl.DataFrame]:
    out, _ = dataset
    return {name: read_table(out / f"{name}.parquet", TABLES[name])[0] for name in ALL_TABLES}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_files(dataset: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, summary = dataset
    again = simulate_market(tmp_path / "b", seed=11, **SMALL)  # type: ignore[arg-type]
    assert again == summary
    assert _digest(out) == _digest(tmp_path / "b")
    other = simulate_market(tmp_path / "c", seed=12, **SMALL)  # type: ignore[arg-type]
    assert _digest(tmp_path / "c")["orders.parquet"] != _digest(out)["orders.parquet"]
    assert other["rows"] != summary["rows"]


def test_every_detector_and_entity_type_is_labelled(dataset: tuple[Path, dict[str, object]]) -> None:
    out, summary = dataset
    labels = pl.read_parquet(out / "labels.parquet")
    assert labels.columns == ["detector", "entity_type", "entity_id"]
    got = {(d, t) for d, t in labels.select("detector", "entity_type").unique().iter_rows()}
    assert got == EXPECTED
    assert labels.height == labels.unique().height
    assert sum(summary["labels"].values()) == labels.height  # type: ignore[attr-defined]


def test_labels_reference_existing_rows(dataset: tuple[Path, dict[str, object]],
                                        tables: dict[str, pl.DataFrame]) -> None:
    out, _ = dataset
    labels = pl.read_parquet(out / "labels.parquet")
    for entity_type, (table, column) in ID_COLUMN.items():
        wanted = labels.filter(pl.col("entity_type") == entity_type)["entity_id"]
        missing = wanted.filter(~wanted.is_in(tables[table][column].implode()))
        assert missing.len() == 0, f"{entity_type}: {missing.head(3).to_list()} not in {table}"
    accounts = tables["accounts"]
    sellers = labels.filter(pl.col("entity_type") == "seller")["entity_id"]
    roles = accounts.filter(pl.col("account_id").is_in(sellers.implode()))["role"].unique().to_list()
    assert roles == ["seller"]
    orders = tables["orders"]
    fake = labels.filter((pl.col("detector") == "brushing") & (pl.col("entity_type") == "order"))["entity_id"]
    placed = orders.filter(pl.col("order_id").is_in(fake.implode()))
    brushers = labels.filter((pl.col("detector") == "brushing") & (pl.col("entity_type") == "buyer"))["entity_id"]
    assert set(placed["buyer_account_id"].unique()) == set(brushers)


def test_tables_pass_the_contract(tables: dict[str, pl.DataFrame]) -> None:
    for name, frame in tables.items():
        bad = frame.filter(pl.col("_error").is_not_null())
        assert bad.height == 0, f"{name}: {bad.select('_error', '_detail').head(3).rows()}"
    for name, key in (("accounts", "account_id"), ("orders", "order_id"), ("ratings", "rating_id"),
                      ("waybills", "waybill_no")):
        assert tables[name][key].n_unique() == tables[name].height, f"{name}: duplicate {key}"
    orders = tables["orders"]
    assert orders["waybill_no"].drop_nulls().is_in(tables["waybills"]["waybill_no"].implode()).all()
    assert orders.filter((pl.col("signed_at") < pl.col("shipped_at")) | (pl.col("paid_at") < pl.col("created_at"))
                         ).height == 0
    assert tables["ratings"]["order_id"].is_in(orders["order_id"].implode()).all()


def test_injected_rows_are_not_at_the_end(dataset: tuple[Path, dict[str, object]],
                                          tables: dict[str, pl.DataFrame]) -> None:
    out, _ = dataset
    labels = pl.read_parquet(out / "labels.parquet")
    fake = labels.filter((pl.col("detector") == "brushing") & (pl.col("entity_type") == "order"))["entity_id"]
    at = tables["orders"].with_row_index("i").filter(pl.col("order_id").is_in(fake.implode()))["i"]
    n = tables["orders"].height
    assert at.min() < n * 0.3 and at.max() > n * 0.7  # type: ignore[operator]


def test_price_fraud_labels_match_the_definition(dataset: tuple[Path, dict[str, object]],
                                                 tables: dict[str, pl.DataFrame]) -> None:
    out, _ = dataset
    ph = tables["price_history"].join(tables["items"].with_row_index("n").select("item_id", "n"), on="item_id")
    ph = ph.sort("n", "valid_from")
    prices = Prices(ph["n"].cast(pl.Int64).to_numpy(), (ph["valid_from"].dt.epoch("s")).to_numpy(),
                    ph["price_fen"].to_numpy(), ph["promotion"].to_numpy())
    found = set(tables["items"]["item_id"].gather(fraud_items(prices)).to_list())
    labels = pl.read_parquet(out / "labels.parquet").filter(pl.col("detector") == "price_fraud")
    assert found == set(labels["entity_id"])


def test_cli_json_and_csv(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "simulate", "market", "--seed", "5", "--orders", "5000", "--sellers", "150", "--buyers", "1500",
        "--format", "csv", "--difficulty", "hard", "--out", str(tmp_path / "d"), "--json",
    ])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["seed"] == 5 and summary["difficulty"] == "hard"
    assert set(summary["rows"]) == set(ALL_TABLES) | {"labels"}
    assert (tmp_path / "d" / "labels.csv").exists()
    orders, _ = read_table(tmp_path / "d" / "orders.csv", TABLES["orders"])
    assert orders.height == summary["rows"]["orders"] and orders["_error"].null_count() == orders.height
    bad = CliRunner().invoke(app, ["simulate", "market", "--difficulty", "silly", "--out", str(tmp_path / "e")])
    assert bad.exit_code != 0
