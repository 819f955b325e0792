"""``chengxin tokens …`` and ``chengxin users …``."""

from __future__ import annotations

import typer

from chengxin.cli.common import console, database, handle_errors, out
from chengxin.db import unit_of_work
from chengxin.domains.accounts import service
from chengxin.errors import NotFound
from chengxin.security.actor import cli_actor
from chengxin.security.permissions import Role

tokens_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)


def _org_id(session: object, name: str | None) -> int | None:
    if not name:
        return None
    org = service.find_organisation(session, name)  # type: ignore[arg-type]
    if org is None:
        raise NotFound(f"no organisation named {name!r}", code="organisation_not_found")
    return org.id


@tokens_app.command("issue")
@handle_errors
def issue(
    role: Role = typer.Option(..., help="role the token acts as"),
    name: str = typer.Option(..., help="what the token is for"),
    organisation: str | None = typer.Option(None, help="organisation name (platform, department)"),
    subject_id: int | None = typer.Option(None, help="subject id (role subject)"),
    scope: list[str] = typer.Option([], help="limit to these permissions (default: all of the role)"),
    days: int | None = typer.Option(None, help="expire after this many days"),
) -> None:
    """Create an API token and print it (shown once; only its hash is stored)."""
    with unit_of_work(database()) as s:
        _, secret = service.issue_token(
            s,
            actor=cli_actor(),
            name=name,
            role=role,
            scopes=scope or None,
            organisation_id=_org_id(s, organisation),
            subject_id=subject_id,
            days=days,
        )
    out.print(secret, highlight=False)


@tokens_app.command("revoke")
@handle_errors
def revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    with unit_of_work(database()) as s:
        service.revoke_token(s, actor=cli_actor(), token_id=token_id)
    console.print(f"token {token_id} revoked")


@users_app.command("create")
@handle_errors
def create(
    username: str,
    role: Role = typer.Option(...),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    organisation: str | None = typer.Option(None),
    subject_id: int | None = typer.Option(None),
    display_name: str | None = typer.Option(None),
) -> None:
    """Create a user account (argon2-hashed password)."""
    with unit_of_work(database()) as s:
        user = service.create_user(
            s,
            actor=cli_actor(),
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            organisation_id=_org_id(s, organisation),
            subject_id=subject_id,
        )
    console.print(f"user {user.username} ({user.role}) created")
