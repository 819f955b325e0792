"""The measures catalog: checked with every problem named; the measures of a scenario by trigger,
strongest first; related persons get only the measures that reach them."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from chengxin.domains.checks import rules

RAW = tomllib.loads(rules.DEFAULTS.read_text(encoding="utf-8"))
CATALOG = rules.parse_catalog(RAW)


def test_every_problem_is_named() -> None:
    raw: dict[str, Any] = copy.deepcopy(RAW)
    raw["measures"][0]["action"] = "ban"
    raw["measures"][1]["scenarios"] = ["karaoke"]
    raw["measures"][2]["code"] = raw["measures"][3]["code"]
    raw["measures"][4]["lists"] = ["grey"]
    raw["measures"][5]["basis"] = ""
    raw["measures"][6] = {k: v for k, v in raw["measures"][6].items() if k not in ("lists", "grades", "record_types")}
    raw["measures"][7]["record_types"] = ["jaywalking"]
    with pytest.raises(rules.CatalogInvalid) as caught:
        rules.parse_catalog(raw, known_types={"court_dishonest_debtor"})
    text = "\n".join(caught.value.problems)
    for part in (
        "action must be one of",
        "unknown: karaoke",
        "a unique code",
        "unknown lists grey",
        "basis is required",
        "no trigger",
        "unknown record types jaywalking",
    ):
        assert part in text, part


def test_measures_by_scenario_and_trigger() -> None:
    black = rules.applicable(CATALOG, "platform_onboarding", lists={"black"}, grade="C", record_types=())
    assert [(h.code, h.action) for h in black] == [("P01", "block"), ("P03", "warn")]
    assert rules.decision(black) == "block"
    red = rules.applicable(CATALOG, "platform_onboarding", lists={"red"}, grade="A", record_types=())
    assert [(h.code, h.reason) for h in red] == [("R02", "列入守信激励名单；信用等级为A")]
    debtor = rules.applicable(
        CATALOG,
        "high_consumption",
        lists=(),
        grade=None,
        record_types={"court_dishonest_debtor"},
        type_names={"court_dishonest_debtor": "失信被执行人"},
    )
    assert [(h.code, h.reason) for h in debtor] == [("P09", "存在失信被执行人记录")]
    assert rules.applicable(CATALOG, "tendering", lists=set(), grade="B", record_types=()) == []
    assert rules.decision([]) == "pass"


def test_related_persons_get_only_the_measures_reaching_them() -> None:
    hits = rules.as_related(
        rules.applicable(CATALOG, "platform_onboarding", lists={"black"}, grade=None, record_types=(), related=True),
        "某公司",
    )
    assert [h.code for h in hits] == ["P01"] and hits[0].reason.startswith("系某公司的法定代表人或负责人")
    assert rules.applicable(CATALOG, "shop_ranking", lists={"black"}, grade=None, record_types=(), related=True) == []
