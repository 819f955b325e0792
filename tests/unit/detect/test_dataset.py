"""A dataset for detection: bad rows and unknown references are reported per row and left out."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from chengxin.analytics.detect import dataset
from chengxin.errors import UnusableInput

T = "2025-03-01T10:00:00+08:00"


def _write(folder: Path) -> None:
    pl.DataFrame(
        {
            "account_id": ["B1", "S1", "B2"],
            "platform_id": ["P"] * 3,
            "role": ["buyer", "seller", "shopper"],
            "created_at": [T] * 3,
            "subject_id": [None] * 3,
        }
    ).write_csv(folder / "accounts.csv")
    pl.DataFrame(
        {"item_id": ["I1"], "seller_account_id": ["S1"], "category": ["书"], "list_price_fen": ["990"]}
    ).write_csv(folder / "items.csv")
    pl.DataFrame({"order_id": ["O1", "O2", "O3"], "platform_id": ["P"] * 3, "buyer_account_id": ["B1", "B9", "B1"],
                  "seller_account_id": ["S1"] * 3, "item_id": ["I1"] * 3, "quantity": ["1", "1", "x"],
                  "amount_fen": ["990"] * 3, "created_at": [T] * 3, "paid_at": [T] * 3, "shipped_at": [None] * 3,
                  "signed_at": [None] * 3, "waybill_no": [None] * 3, "status": ["completed"] * 3}
                 ).write_csv(folder / "orders.csv")  # fmt: skip


def test_bad_rows_and_unknown_references_are_listed(tmp_path: Path) -> None:
    _write(tmp_path)
    data = dataset.open_dataset(tmp_path)
    refused = {(r.table, r.row, r.code) for r in data.rejections}
    assert ("accounts", 4, "value_not_allowed") in refused  # role 'shopper'
    assert ("orders", 4, "not_an_integer") in refused or ("orders", 4, "bad_number") in refused
    assert ("orders", 3, "unknown_reference") in refused  # buyer B9 is not an account
    assert data.frame("orders").get_column("order_id").to_list() == ["O1"]
    assert not data.has("ratings")
    assert data.missing(("orders", "ratings", "waybills")) == ["ratings", "waybills"]


def test_a_folder_without_tables_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput) as err:
        dataset.open_dataset(tmp_path)
    assert err.value.code == "dataset_empty"
    with pytest.raises(UnusableInput):
        dataset.open_dataset(tmp_path / "nowhere")
