"""A large check is answered column-wise (``assemble``), a small one item by item: the same check answered
both ways gives the same results and the same log outcome — listed enterprises with their legal
representative, graded persons (masked), unknown and malformed identifiers, names, duplicates, identifiers
written with spaces or in lower case, and subjects changed or registered after the standing index was
built (answered one by one from its overlay)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, update

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.checks import assemble, service
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.schemas import LegalSubjectIn, NaturalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_ric, make_uscc, wrong_check

ACTOR = cli_actor("tests")


def _listing(sid: int, kind: str) -> dict[str, Any]:
    return {"list_kind": kind, "subject_id": sid, "status": "published", "basis": [],
            "published_on": date(2026, 1, 1), "ends_on": date(2029, 1, 1)}  # fmt: skip


def _graded(sid: int, grade: str) -> dict[str, Any]:
    return {"subject_id": sid, "model_version": "v", "weighted_units": 0, "score": 50.0, "grade": grade,
            "as_of": date(2026, 11, 1), "engine": "rules"}  # fmt: skip


def _world(db: Database, settings: Settings, rng: random.Random) -> tuple[list[dict[str, Any]], list[int]]:
    pii = cipher(settings)
    items: list[dict[str, Any]] = []
    ids = []
    with unit_of_work(db) as s:
        for n in range(60):
            code = make_uscc(rng)
            rep = "钱某某" if n % 2 else None
            data = LegalSubjectIn(kind="legal", name=f"南通测试{n}号贸易有限公司", uscc=code, legal_representative=rep)
            sid = subjects.create_subject(s, actor=ACTOR, cipher=pii, data=data).id
            ids.append(sid)
            if n % 3 == 0:
                kind = ("black", "watch", "red")[n % 9 // 3]
                s.execute(insert(ListEntry).values(**_listing(sid, kind)))
            if n % 4 == 0:
                s.execute(insert(Evaluation).values(**_graded(sid, "ABCD"[n % 16 // 4])))
            items.append({"uscc": code if n % 5 else f" {code.lower()} "})
        for n in range(20):
            ric = make_ric(rng)
            data = NaturalSubjectIn(kind="natural", name=f"孙{'一二三四五'[n % 5]}", ric=ric)
            sid = subjects.create_subject(s, actor=ACTOR, cipher=pii, data=data).id
            ids.append(sid)
            if n % 2:
                s.execute(insert(Evaluation).values(**_graded(sid, "D")))
            items.append({"ric": ric})
    items += [{"uscc": make_uscc(rng)} for _ in range(10)]  # unknown
    items += [{"uscc": wrong_check(make_uscc(rng))}, {"ric": "123"}, {"uscc": "x", "name": "两个"}, {}]
    items += [{"name": "南通测试3号贸易有限公司"}, {"name": "完全不存在的名称"}]
    items += items[:15]  # duplicates
    return items, ids


def _both(db: Database, settings: Settings, items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Any:
    out = []
    for threshold in (10**9, 1):  # one by one, then column-wise
        monkeypatch.setattr(assemble, "COLUMNAR_FROM", threshold)
        with unit_of_work(db, readonly=True) as s:
            entry, body = service.answer(s, ACTOR, scenario="platform_onboarding", items=items, cipher=cipher(settings))
        logged = (
            entry.outcome if isinstance(entry.outcome, list) else orjson.loads(str(entry.outcome))
        )  # column-wise: JSON
        out.append((orjson.loads(body()), logged, (entry.hits, entry.decisions)))
    return out


def test_column_wise_and_one_by_one_agree(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    items, ids = _world(db, settings, rng)
    (one, one_out, one_hits), (cols, cols_out, cols_hits) = _both(db, settings, items, monkeypatch)
    assert cols == one and cols_out == one_out and cols_hits == one_hits
    decisions = {r["decision"] for r in one}
    assert {"block", "pass", "error"} <= decisions and any(r["related_persons"] for r in one)
    assert any(r["subject"] and r["subject"]["name"].endswith("*") for r in one)  # persons masked
    # changed and new subjects after the index was built: answered from its overlay, still the same
    with unit_of_work(db) as s:
        s.execute(update(Subject).where(Subject.id == ids[1]).values(name="南通测试一号贸易有限公司"))
        s.execute(insert(ListEntry).values(**_listing(ids[2], "black")))
        data = LegalSubjectIn(
            kind="legal", name="南通新设贸易有限公司", uscc=make_uscc(rng), legal_representative="李某"
        )
        new = subjects.create_subject(s, actor=ACTOR, cipher=cipher(settings), data=data)
    items.append({"uscc": new.uscc})
    (one, one_out, _), (cols, cols_out, _) = _both(db, settings, items, monkeypatch)
    assert cols == one and cols_out == one_out
    assert one[1]["subject"]["name"] == "南通测试一号贸易有限公司" and one[2]["decision"] == "block"
    assert one[-1]["subject"]["id"] == new.id
