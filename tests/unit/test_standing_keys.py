"""The standing index's identifier search: by 64-bit hash, each hit checked against the key itself, and
keys that share a hash looked at in turn."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.checks import standing


def test_keys_are_found_by_hash_and_checked() -> None:
    keys = standing._Keys.of(pl.Series(["B" * 18, None, "A" * 18, "C" * 18]), 18)
    found = keys.find(["A" * 18, "C" * 18, "D" * 18, "A" * 17, "A" * 19, "甲" * 18, ""]).tolist()
    assert found == [2, 3, -1, -1, -1, -1, -1]  # frame rows; the null row is skipped


def test_keys_sharing_a_hash_are_all_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standing, "_hash", lambda keys, width: np.zeros(len(keys), dtype=np.uint64))
    monkeypatch.setattr(standing, "_hash_one", lambda key, width: 0)
    keys = standing._Keys.of(pl.Series([f"{n:018d}" for n in range(50)]), 18)
    wanted = [f"{n:018d}" for n in (49, 0, 17, 50)]
    assert keys.find(wanted).tolist() == [49, 0, 17, -1]  # a few: one by one
    assert keys.find(wanted * 3).tolist() == [49, 0, 17, -1] * 3  # more: vectorised


@given(st.lists(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", max_size=18), min_size=1, max_size=30))
def test_a_few_keys_are_found_as_many_are(wanted: list[str]) -> None:
    keys = standing._Keys.of(pl.Series([*wanted[::2], "9" * 18]), 18)
    one_by_one = [keys.find([w]).tolist()[0] for w in wanted]
    assert keys.find(wanted * standing._FEW).tolist() == one_by_one * standing._FEW
    for w in wanted:
        as_array = standing._hash(np.array([w.encode()], dtype="S18"), 18)
        assert standing._hash_one(w.encode(), 18) == int(as_array[0])
