"""Small builders for tests: valid identifiers, organisations, tokens for every role."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from chengxin.domains.accounts import service as accounts
from chengxin.domains.subjects.identifiers import org_code_check_char, ric_check_char, uscc_check_char
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role

_ALNUM = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random | None = None, head: str = "91", division: str = "320102") -> str:
    rng = rng or random.Random()
    org = "".join(rng.choice(_ALNUM) for _ in range(8))
    body = head + division + org + org_code_check_char(org)
    return body + uscc_check_char(body)


def make_ric(rng: random.Random | None = None, division: str = "320102", birth: str = "19850615") -> str:
    rng = rng or random.Random()
    body = division + birth + f"{rng.randrange(1000):03d}"
    return body + ric_check_char(body)


def wrong_check(code: str) -> str:
    """The same code with another (wrong) check character."""
    alphabet = _ALNUM if not code[:-1].isdigit() or len(code) != 18 else "0123456789X"
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def role_tokens(session: Session, *, subject_id: int | None) -> dict[Role, str]:
    """One API token per role (public = no token)."""
    actor = cli_actor("tests")
    dept = accounts.create_organisation(
        session, actor=actor, kind="department", name="测试市场监管局", sector="market_regulation"
    )
    plat = accounts.create_organisation(session, actor=actor, kind="platform", name="测试电商平台", code="P1")
    tokens: dict[Role, str] = {}
    for role in Role:
        if role is Role.public:
            continue
        org = dept.id if role is Role.department else plat.id if role is Role.platform else None
        _, secret = accounts.issue_token(
            session,
            actor=actor,
            name=f"test-{role}",
            role=role,
            organisation_id=org,
            subject_id=subject_id if role is Role.subject else None,
        )
        tokens[role] = secret
    return tokens
