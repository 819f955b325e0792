"""Who is acting: a user, a token, the CLI operator, or the anonymous public."""

from __future__ import annotations

from dataclasses import dataclass, field

from chengxin.security.permissions import MATRIX, Permission, Role


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str  # "anonymous", "user:admin", "token:12", "cli:root"
    permissions: frozenset[Permission]
    user_id: int | None = None
    organisation_id: int | None = None
    subject_id: int | None = None  # for the subject role: the one subject it speaks for
    purpose: str | None = None  # stated purpose of the current request (查询目的)
    request_id: str | None = None
    csrf_token: str | None = field(default=None, compare=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def is_self(self, subject_id: int) -> bool:
        return self.subject_id is not None and self.subject_id == subject_id

    def with_purpose(self, purpose: str | None) -> Actor:
        from dataclasses import replace

        return replace(self, purpose=purpose)


ANONYMOUS = Actor(role=Role.public, label="anonymous", permissions=MATRIX[Role.public])


def cli_actor(purpose: str = "operations") -> Actor:
    """The operator at the console: a credit-centre administrator by construction."""
    import getpass

    return Actor(
        role=Role.credit_centre,
        label=f"cli:{getpass.getuser()}",
        permissions=MATRIX[Role.credit_centre],
        purpose=purpose,
    )
