"""The standing index's identifier search: by 64-bit hash, each hit checked against the key itself, and
keys that share a hash looked at in turn."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from chengxin.domains.checks import standing


def test_keys_are_found_by_hash_and_checked() -> None:
    keys = standing._Keys.of(pl.Series(["B" * 18, None, "A" * 18, "C" * 18]), 18)
    found = keys.find(["A" * 18, "C" * 18, "D" * 18, "A" * 17, "A" * 19, "甲" * 18, ""]).tolist()
    assert found == [2, 3, -1, -1, -1, -1, -1]  # frame rows; the null row is skipped


def test_keys_sharing_a_hash_are_all_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standing, "_hash", lambda keys, width: np.zeros(len(keys), dtype=np.uint64))
    keys = standing._Keys.of(pl.Series([f"{n:018d}" for n in range(50)]), 18)
    wanted = [f"{n:018d}" for n in (49, 0, 17, 50)]
    assert keys.find(wanted).tolist() == [49, 0, 17, -1]
