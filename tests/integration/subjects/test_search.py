"""Name search on both engines: script, width, bracket and company-form variants; short queries."""

from __future__ import annotations

import random

import pytest

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.subjects import search, service
from chengxin.domains.subjects.schemas import LegalSubjectIn, NaturalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_ric, make_uscc

NAMES = [
    "南京华信科技有限公司",
    "臺灣積體電路製造股份有限公司",
    "苏州华信电子商务有限责任公司（吴中分公司）",
    "无锡惠山食品有限公司",
    "常州新北区天宁贸易有限公司",
]


@pytest.fixture
def loaded(db: Database, settings: Settings) -> dict[str, int]:
    rng = random.Random(4)
    ids = {}
    with unit_of_work(db) as s:
        for name in NAMES:
            subj = service.create_subject(
                s,
                actor=cli_actor(),
                data=LegalSubjectIn(kind="legal", name=name, uscc=make_uscc(rng)),
                cipher=cipher(settings),
            )
            ids[name] = subj.id
        person = service.create_subject(
            s,
            actor=cli_actor(),
            data=NaturalSubjectIn(kind="natural", name="华信", ric=make_ric(rng)),
            cipher=cipher(settings),
        )
        ids["person"] = person.id
    return ids


def _names(db: Database, q: str, *, include_natural: bool = False) -> list[str]:
    with unit_of_work(db, readonly=True) as s:
        return [x.name for x in search.search_names(s, query=q, include_natural=include_natural, limit=10)]


def test_substring_matches_rank_exact_and_prefix_first(db: Database, loaded: dict[str, int]) -> None:
    found = _names(db, "华信科技")
    assert found[0] == "南京华信科技有限公司"
    assert _names(db, "南京华信科技有限责任公司") == ["南京华信科技有限公司"]  # company-form variant


def test_traditional_and_simplified_match(db: Database, loaded: dict[str, int]) -> None:
    assert _names(db, "台湾积体电路") == ["臺灣積體電路製造股份有限公司"]
    assert _names(db, "華信科技") == ["南京华信科技有限公司"]


def test_brackets_and_width(db: Database, loaded: dict[str, int]) -> None:
    assert _names(db, "(吴中分公司)") == ["苏州华信电子商务有限责任公司（吴中分公司）"]
    assert _names(db, "ＨＵＡ") == []  # full-width latin is normalised, and nothing matches it


def test_two_character_query_uses_prefixes(db: Database, loaded: dict[str, int]) -> None:
    assert _names(db, "无锡") == ["无锡惠山食品有限公司"]
    assert "南京华信科技有限公司" in _names(db, "南京")


def test_people_only_for_authorised_searches(db: Database, loaded: dict[str, int]) -> None:
    assert "华信" not in _names(db, "华信")
    assert "华信" in _names(db, "华信", include_natural=True)


def test_rename_updates_the_index(db: Database, loaded: dict[str, int]) -> None:
    from chengxin.domains.subjects.schemas import SubjectPatch

    with unit_of_work(db) as s:
        service.update_subject(
            s,
            actor=cli_actor(),
            subject_id=loaded["无锡惠山食品有限公司"],
            patch=SubjectPatch(name="无锡锡山粮油有限公司"),
        )
    assert _names(db, "惠山食品") == []
    assert _names(db, "锡山粮油") == ["无锡锡山粮油有限公司"]
