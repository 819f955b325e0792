"""The scoring model file: the defaults are valid; every kind of bad file is refused with its exact problem."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from chengxin.domains.catalog.rules import default_catalog_source, parse_catalog
from chengxin.domains.evaluation.rules import DEFAULTS, ModelInvalid, load_models, model_kind, parse_models

KNOWN = set(parse_catalog(default_catalog_source()).types)


def defaults() -> dict[str, Any]:
    return tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ModelInvalid) as err:
        parse_models(raw, known_types=KNOWN)
    return err.value.problems


def test_the_default_models_are_valid_and_cover_every_kind_of_subject() -> None:
    models = load_models(known_types=KNOWN)
    assert set(models) == {"enterprise", "natural", "platform"}
    for m in models.values():
        assert sum(d.weight for d in m.dimensions) == m.weight_total
        assert [g.grade for g in m.grades] == ["A", "B", "C", "D"]


def test_an_unknown_indicator_source_is_refused() -> None:
    raw = defaults()
    raw["models"][0]["indicators"][0]["source"] = "horoscope"
    assert problems(raw) == [
        "model enterprise indicator identity: unknown source 'horoscope' "
        "(known: records, identity, positive_rate, store_rating)"
    ]


def test_a_record_type_missing_from_the_catalog_is_refused() -> None:
    raw = defaults()
    raw["models"][1]["indicators"][1]["record_types"] = ["admin_penalty", "parking_ticket"]
    assert problems(raw) == [
        "model natural indicator penalties: record type 'parking_ticket' is not in the information catalog"
    ]


def test_an_undeclared_dimension_is_refused() -> None:
    raw = defaults()
    raw["models"][0]["indicators"][2]["dimension"] = "karma"
    assert problems(raw) == ["model enterprise indicator penalties: dimension 'karma' is not declared"]


def test_weights_that_do_not_sum_as_declared_are_refused() -> None:
    raw = defaults()
    raw["models"][2]["dimensions"][0]["weight"] = 15
    assert problems(raw) == ["model platform: the dimensions' weights sum to 105, not the declared weight_total 100"]


def test_overlapping_grade_thresholds_are_refused() -> None:
    raw = defaults()
    raw["models"][0]["grades"][1]["max"] = 95  # B [75, 95) overlaps A [90, 100]
    assert problems(raw) == ["model enterprise: grades B [75, 95) and A [90, 100) overlap"]


def test_a_gap_between_grades_is_refused() -> None:
    raw = defaults()
    raw["models"][0]["grades"][2]["max"] = 70  # C [60, 70), B from 75
    assert problems(raw) == ["model enterprise: no grade covers scores from 70 to 75"]


def test_every_problem_is_listed_at_once() -> None:
    raw = defaults()
    raw["models"][0]["indicators"][0]["source"] = "horoscope"
    raw["models"][2]["dimensions"][0]["weight"] = 15
    raw["models"][1]["grades"][0]["min"] = 85
    assert len(problems(raw)) == 3


def test_a_record_type_feeding_two_indicators_is_refused() -> None:
    raw = defaults()
    raw["models"][0]["indicators"][3]["record_types"].append("admin_penalty")
    assert problems(raw) == ["model enterprise: record type admin_penalty feeds more than one indicator"]


def test_bands_out_of_order_and_a_missing_kind_are_refused() -> None:
    raw = defaults()
    bands = raw["models"][0]["indicators"][7]["bands"]
    bands[0], bands[1] = bands[1], bands[0]
    assert problems(raw) == [
        "model enterprise indicator positive_rate: bands must be listed from the highest threshold down, each once"
    ]
    raw = copy.deepcopy(defaults())
    del raw["models"][1]
    assert problems(raw) == ["no model applies to natural"]


def test_which_model_scores_a_subject() -> None:
    assert model_kind("natural", ["consumer"]) == "natural"
    assert model_kind("legal", ["merchant"]) == "enterprise"
    assert model_kind("legal", ["merchant", "logistics_company"]) == "platform"
    assert model_kind("legal", ["platform_operator"]) == "platform"
