"""The typo-tolerant name index: the vectorised keys equal the one-at-a-time keys, a name one edit away
shares a key, a mistyped company form is put right, and keys shared by too many names are ignored."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.domains.subjects import fuzzy
from chengxin.domains.subjects.names import core_name, normalise_name

NAMES = ["江苏通润机械有限公司", "泰州福昊物流有限公司", "南京星橙信息技术有限公司", "苏州澜湾电子商务有限公司"]


def _index(names: list[str]) -> fuzzy.NameIndex:
    normed = [normalise_name(n) for n in names]
    return fuzzy.NameIndex.build((i + 1, n, core_name(n)) for i, n in enumerate(normed))


@given(st.lists(st.text(alphabet="江苏通润机械有限公司福昊()ab", min_size=1, max_size=30), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_vectorised_keys_equal_the_keys_of_each_name(names: list[str]) -> None:
    cores = [n[1:] or n for n in names]
    keys, rows = fuzzy._chunk_keys(names, cores, 7)
    expected = {(k, 7 + i) for i, (n, c) in enumerate(zip(names, cores, strict=True)) for k in fuzzy.keys_of(n, c)}
    assert {(int(k), int(r)) for k, r in zip(keys, rows, strict=True)} == expected


def test_one_edit_away_is_found_and_two_are_not() -> None:
    index = _index(NAMES)
    found = lambda q: {sid for sid, _ in index.lookup(normalise_name(q))}  # noqa: E731
    assert found("江苏通闰机械有限公司") == {1}  # replaced
    assert found("江苏通机械有限公司") == {1}  # dropped
    assert found("江苏通润润机械有限公司") == {1}  # doubled
    assert found("江苏通润机械有限责任公司") == {1}  # company form spelt otherwise (normalised alike)
    assert found("江苏通润机械股份公司") == {1}  # another form: the core name matches
    assert found("泰州福昊物流有限责仁公司") == {2}  # a mistyped company form is put right
    assert 1 not in found("江苏通闰机戒有限公司")  # two edits
    assert found("完全不存在的名称") == set()


def test_a_key_shared_by_too_many_names_says_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fuzzy, "MAX_PER_KEY", 2)
    index = _index([f"南京{c}物流有限公司" for c in "甲乙丙丁"])  # all share the key with 南京物流有限公司
    assert index.lookup(normalise_name("南京物流有限公司")) == []
    assert {sid for sid, _ in index.lookup(normalise_name("南京甲物流有限公司"))} == {1}


def test_names_added_later_are_found_once() -> None:
    index = _index(NAMES[:2])
    later = (9, normalise_name("镇江源悦工艺品有限公司"), "源悦工艺品")
    index.add([later, (1, normalise_name(NAMES[0]), "通润机械")])  # id 1 is in already: read again, skipped
    index.add([later])  # an overlapping re-read: skipped
    assert [sid for sid, _ in index.lookup(normalise_name("镇江源说工艺品有限公司"))] == [9]
    assert index.ids == [1, 2, 9] and np.all(np.diff(index.keys.astype(np.float64)) >= 0)
