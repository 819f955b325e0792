"""The random inspection draw (双随机): reproducible from its seed, class ratios respected, conflicts
of interest never assigned, a low-risk subject not drawn twice in a year."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.domains.inspections.rules import (
    NotEnoughInspectors,
    PolicyInvalid,
    default_seed,
    draw,
    load_policy,
    parse_policy,
)

POLICY = load_policy()


def population(sizes: dict[str, int]) -> list[tuple[int, str]]:
    out, sid = [], 0
    for cls, n in sizes.items():
        for _ in range(n):
            sid += 1
            out.append((sid, cls))
    return out


def test_the_defaults() -> None:
    assert [(c.code, c.percent) for c in POLICY.classes] == [("A", 3), ("B", 10), ("C", 40), ("D", 80)]
    assert POLICY.class_of("C") is not None and POLICY.class_of("C").label == "较高风险"  # type: ignore[union-attr]
    assert POLICY.inspectors_per_task == 2 and POLICY.low_risk_classes == {"A"}


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.fixed_dictionaries({c: st.integers(0, 300) for c in "ABCD"}),
    seed=st.integers(0, 2**40),
    roster=st.integers(2, 12),
)
def test_reproducible_and_by_the_ratios(sizes: dict[str, int], seed: int, roster: int) -> None:
    pop = population(sizes)
    inspectors = list(range(100, 100 + roster))
    first = draw(pop, POLICY, seed=seed, roster=inspectors)
    assert draw(list(reversed(pop)), POLICY, seed=seed, roster=list(reversed(inspectors))) == first  # order-free
    per_class = Counter(d.supervision_class for d in first)
    for c in POLICY.classes:
        assert per_class[c.code] == math.ceil(sizes[c.code] * c.percent / 100)
    assert len({d.subject_id for d in first}) == len(first)
    assert all(len(set(d.inspector_ids)) == 2 and set(d.inspector_ids) <= set(inspectors) for d in first)
    classes = dict(pop)
    assert all(classes[d.subject_id] == d.supervision_class for d in first)


def test_another_seed_draws_others() -> None:
    pop = population({"A": 500, "B": 500, "C": 100, "D": 10})
    a = draw(pop, POLICY, seed=1, roster=[1, 2, 3])
    b = draw(pop, POLICY, seed=2, roster=[1, 2, 3])
    assert [d.subject_id for d in a] != [d.subject_id for d in b]
    assert default_seed("market_regulation", "2026-12") == default_seed("market_regulation", "2026-12")
    assert default_seed("market_regulation", "2026-12") != default_seed("market_regulation", "2027-01")


def test_conflicts_of_interest_are_never_assigned() -> None:
    pop = population({"D": 50})
    conflicts = [(1, sid) for sid in range(1, 26)] + [(2, sid) for sid in range(20, 51)]
    for seed in range(20):
        for d in draw(pop, POLICY, seed=seed, roster=[1, 2, 3, 4], conflicts=conflicts):
            assert not {(i, d.subject_id) for i in d.inspector_ids} & set(conflicts)


def test_too_few_free_inspectors_is_an_error() -> None:
    pop = population({"D": 10})
    with pytest.raises(NotEnoughInspectors) as err:
        draw(pop, POLICY, seed=3, roster=[1, 2], conflicts=[(1, sid) for sid in range(1, 11)])
    assert err.value.free == 1 and err.value.needed == 2


def test_a_low_risk_subject_is_not_drawn_twice_in_a_year() -> None:
    pop = population({"A": 200, "D": 20})
    first = draw(pop, POLICY, seed=5, roster=[1, 2, 3])
    before = {d.subject_id for d in first}
    second = draw(pop, POLICY, seed=6, roster=[1, 2, 3], drawn_this_year=before)
    again = {d.subject_id for d in second if d.supervision_class == "A"}
    assert again and not again & before  # A: others this time
    assert {d.subject_id for d in second if d.supervision_class == "D"} & before  # high risk: drawn again


def test_a_bad_policy_is_refused() -> None:
    with pytest.raises(PolicyInvalid, match="riskier class must not be drawn less often"):
        parse_policy(
            {"classes": {"A": {"from_grades": ["A"], "percent": 50}, "B": {"from_grades": ["B"], "percent": 5}}}
        )
    with pytest.raises(PolicyInvalid, match="grade A maps to more than one class"):
        parse_policy(
            {"classes": {"A": {"from_grades": ["A"], "percent": 5}, "B": {"from_grades": ["A"], "percent": 9}}}
        )
    with pytest.raises(PolicyInvalid, match="percent must be a whole number"):
        parse_policy({"classes": {"A": {"from_grades": ["A"], "percent": 120}}})
