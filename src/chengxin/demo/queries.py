"""The demo's query service (issue 9): the market regulator records the demo person's authorisation (a signed
consent) and queries the person's file for a licence review; the person sees the query under "who looked at
my file" (/me/queries) and withdraws the authorisation; the regulator's next query is refused. A platform (P01)
holds another authorisation the person granted online (still valid, for the withdraw button) and has used it
once. Loading again adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation, User
from chengxin.domains.queries import service
from chengxin.domains.queries.models import QueryAuthorisation
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import RIC_CONTEXT
from chengxin.errors import PermissionDenied
from chengxin.security.actor import Actor
from chengxin.security.crypto import cipher
from chengxin.security.permissions import MATRIX, Role

REFERENCE = "苏市监授〔2026〕第0001号"  # the demo consent form's number: marks the demo's authorisation
CLIENT = "demo"


@dataclass
class DemoQueries:
    authorisation_id: int | None = None
    query_id: int | None = None
    seen_by_person: list[str] | None = None
    refused: str | None = None
    platform_authorisation_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "authorisation_id": self.authorisation_id,
            "query_id": self.query_id,
            "seen_by_person": self.seen_by_person,
            "refused": self.refused,
            "platform_authorisation_id": self.platform_authorisation_id,
        }

    def line(self) -> str:
        if self.authorisation_id is None:
            return "信用查询 queries: no demo person or market regulator — nothing done"
        return (
            f"信用查询 queries: 市场监管局 queried person-demo under authorisation {self.authorisation_id} "
            f"(query {self.query_id or 'made earlier'}); the person saw it at /me/queries and withdrew the "
            f"authorisation; the next query was refused ({self.refused})"
        )


def _user_actor(user: User) -> Actor:
    role = Role(user.role)
    return Actor(
        role=role,
        label=f"user:{user.username}",
        permissions=MATRIX[role],
        user_id=user.id,
        organisation_id=user.organisation_id,
        subject_id=user.subject_id,
    )


def load_queries(db: Database, settings: Settings, *, today: date) -> DemoQueries:
    """Walk the demo's authorised query, transparency and withdrawal (idempotent: done once)."""
    pii = cipher(settings)
    out = DemoQueries()
    with unit_of_work(db, readonly=True) as s:
        person_user = s.scalar(select(User).where(User.username == "person-demo"))
        dept_user = s.scalar(select(User).where(User.username == "dept-market"))
        platforms = select(Organisation).where(Organisation.kind == "platform")
        platform = s.scalar(platforms.where(Organisation.code == "P01")) or s.scalar(
            platforms.order_by(Organisation.id)
        )
        if person_user is None or dept_user is None or person_user.subject_id is None:
            return out
        person = s.get_one(Subject, person_user.subject_id)
        if person.ric_cipher is None:
            return out
        ric = pii.decrypt(person.ric_cipher, context=RIC_CONTEXT)
        done = s.scalar(select(QueryAuthorisation.id).where(QueryAuthorisation.reference == REFERENCE))
        person_actor, dept = _user_actor(person_user), _user_actor(dept_user)
    if done is None:
        with unit_of_work(db) as s:  # the regulator records the consent it obtained, and queries
            auth = service.record_authorisation(
                s, actor=dept, cipher=pii, code=ric, purpose="licensing", scope=["identity", "records", "restricted"],
                reference=REFERENCE, valid_from=today - timedelta(days=3), valid_until=today + timedelta(days=362),
            )  # fmt: skip
            answer = service.authorised_query(
                s, actor=dept, cipher=pii, code=ric, purpose="licensing", authorisation_id=auth.id,
                legal_basis=None, fields=None, client=CLIENT, today=today,
            )  # fmt: skip
            out.authorisation_id, out.query_id = auth.id, answer.query_id
        if platform is not None:
            with unit_of_work(db) as s:  # the person authorises platform P01 online; P01 queries once
                granted = service.grant_authorisation(
                    s, actor=person_actor, subject_id=person.id, organisation_id=platform.id, purpose="hiring",
                    scope=["identity", "records"], valid_until=today + timedelta(days=180), today=today,
                )  # fmt: skip
                p01 = Actor(role=Role.platform, label=f"demo:platform-{platform.code or platform.id}",
                            permissions=MATRIX[Role.platform], organisation_id=platform.id)  # fmt: skip
                service.authorised_query(
                    s, actor=p01, cipher=pii, code=ric, purpose="hiring", authorisation_id=granted.id,
                    legal_basis=None, fields=None, client=CLIENT, today=today,
                )  # fmt: skip
                out.platform_authorisation_id = granted.id
        with unit_of_work(db) as s:  # the person looks, and withdraws the regulator's authorisation
            seen = service.seen_by(s, person.id)
            out.seen_by_person = [q.organisation for q in seen]
            service.withdraw(s, actor=person_actor, subject_id=person.id, authorisation_id=auth.id)
    else:
        out.authorisation_id = done
    try:  # the regulator's next query relying on it is refused (the unit of work rolls back)
        with unit_of_work(db) as s:
            service.authorised_query(
                s, actor=dept, cipher=pii, code=ric, purpose="licensing", authorisation_id=out.authorisation_id,
                legal_basis=None, fields=None, client=CLIENT, today=today,
            )  # fmt: skip
    except PermissionDenied as exc:
        out.refused = exc.code
    return out
