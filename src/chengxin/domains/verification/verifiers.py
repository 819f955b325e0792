"""The ``IdentityVerifier`` interface, its default (local authoritative registry) and a fake."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.domains.verification.models import RegistryEntry
from chengxin.domains.verification.rules import Outcome, RegistryFacts, Result, compare


@dataclass(frozen=True)
class Claim:
    """What a subject claims: its kind, its identity key (USCC, or the RIC's blind index) and name."""

    subject_id: int | None
    kind: str  # legal | natural
    code_key: str
    name_norm: str


class IdentityVerifier(Protocol):
    method: str

    def verify(self, session: Session, claims: Sequence[Claim]) -> list[Outcome]: ...


class LocalRegistryVerifier:
    """Checks claims against the registry imported with ``chengxin registry import``."""

    method = "local_registry"

    def verify(self, session: Session, claims: Sequence[Claim]) -> list[Outcome]:
        keys = [c.code_key for c in claims]
        found: dict[str, RegistryFacts] = {}
        for i in range(0, len(keys), 900):
            rows = session.execute(
                select(RegistryEntry.code_key, RegistryEntry.kind, RegistryEntry.name_norm, RegistryEntry.status).where(
                    RegistryEntry.code_key.in_(keys[i : i + 900])
                )
            )
            for key, kind, name_norm, status in rows:
                found[key] = RegistryFacts(kind, name_norm, status)
        out = []
        for c in claims:
            facts = found.get(c.code_key)
            expected_kind = "business" if c.kind == "legal" else "population"
            if facts is not None and facts.kind != expected_kind:
                facts = None
            out.append(compare(c.name_norm, facts))
        return out


class FakeVerifier:
    """For tests and offline demos: answers ``result`` for every claim."""

    method = "fake"

    def __init__(self, result: Result = Result.verified) -> None:
        self.result = result

    def verify(self, session: Session, claims: Sequence[Claim]) -> list[Outcome]:
        return [Outcome(self.result) for _ in claims]


def make_verifier(name: str) -> IdentityVerifier:
    """The one factory choosing the implementation (setting ``CHENGXIN_IDENTITY_VERIFIER``)."""
    if name == "local_registry":
        return LocalRegistryVerifier()
    if name == "fake":
        return FakeVerifier()
    raise ValueError(f"unknown identity verifier {name!r}")
