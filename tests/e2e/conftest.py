from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.schemas import NaturalSubjectIn
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import Role
from tests.factories import make_ric, role_tokens


@dataclass
class Env:
    client: TestClient
    tokens: dict[Role, str]
    person_id: int
    person_ric: str

    def auth(self, role: Role) -> dict[str, str]:
        return {} if role is Role.public else {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def env(settings: Settings, db: Database) -> Iterator[Env]:
    from chengxin.app import create_app

    ric = make_ric(random.Random(1), birth="19900101")
    with unit_of_work(db) as s:
        person = subject_service.create_subject(
            s,
            actor=cli_actor("tests"),
            data=NaturalSubjectIn(kind="natural", name="张小明", ric=ric),
            cipher=cipher(settings),
        )
        tokens = role_tokens(s, subject_id=person.id)
        person_id = person.id
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield Env(client, tokens, person_id, ric)
