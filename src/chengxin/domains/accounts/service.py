"""Accounts use cases: organisations, users, API tokens, web sessions. Never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import ApiToken, Organisation, User, WebSession
from chengxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.passwords import hash_password, hash_secret, new_secret, verify_password
from chengxin.security.permissions import MATRIX, Role, parse_scopes

TOKEN_PREFIX = "cx_"
ORG_KINDS = ("credit_centre", "department", "platform")


def create_organisation(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    name: str,
    sector: str | None = None,
    uscc: str | None = None,
    code: str | None = None,
    status: str = "active",
    parent_id: int | None = None,
) -> Organisation:
    if kind not in ORG_KINDS:
        raise InvalidInput(f"organisation kind must be one of {', '.join(ORG_KINDS)}", code="invalid_kind")
    if session.scalar(select(Organisation).where(Organisation.name == name)) is not None:
        raise Conflict(f"organisation {name!r} exists", code="organisation_exists")
    if parent_id is not None and session.get(Organisation, parent_id) is None:
        raise InvalidInput(f"no organisation with id {parent_id}", code="organisation_not_found")
    org = Organisation(kind=kind, name=name, sector=sector, uscc=uscc, code=code, status=status, parent_id=parent_id)
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "organisation.create", object_type="organisation", object_id=org.id, detail={"kind": kind, "name": name}
        ),
    )
    return org


def confirm_organisation(
    session: Session, *, actor: Actor, organisation_id: int, sector: str | None = None
) -> Organisation:
    """The credit centre confirms a source registered by an import (status pending → active)."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(
            f"no organisation with id {organisation_id}", code="organisation_not_found", message_zh="未找到该机构"
        )
    if org.status != "pending":
        raise Conflict(
            f"organisation {org.name!r} is not awaiting confirmation",
            code="organisation_not_pending",
            message_zh="该机构无需确认",
        )
    org.status = "active"
    if sector:
        org.sector = sector
    audit.record(
        session,
        actor,
        audit.Event(
            "organisation.confirm",
            object_type="organisation",
            object_id=org.id,
            detail={"name": org.name, "sector": org.sector},
        ),
    )
    return org


def set_organisation_code(session: Session, *, actor: Actor, organisation_id: int, code: str) -> Organisation:
    """Give an organisation its own code — for a platform, the ``platform_id`` its data carries."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(
            f"no organisation with id {organisation_id}", code="organisation_not_found", message_zh="未找到该机构"
        )
    if org.code != code:
        org.code = code
        detail = {"name": org.name, "code": code}
        audit.record(
            session,
            actor,
            audit.Event("organisation.code", object_type="organisation", object_id=org.id, detail=detail),
        )
    return org


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def credit_centre_id(session: Session) -> int | None:
    """The credit centre's organisation (the first of kind ``credit_centre``), None when there is none."""
    return session.scalar(select(Organisation.id).where(Organisation.kind == "credit_centre").order_by(Organisation.id))


def _check_role_binding(session: Session, role: Role, organisation_id: int | None, subject_id: int | None) -> None:
    from chengxin.domains.subjects import service as subject_service

    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise InvalidInput(f"no organisation with id {organisation_id}", code="organisation_not_found")
    if subject_id is not None:
        try:
            subject_service.get_subject(session, subject_id)
        except NotFound as exc:
            raise InvalidInput(f"no subject with id {subject_id}", code="subject_not_found") from exc
    if role is Role.subject and subject_id is None:
        raise InvalidInput("a subject account must name its subject", code="subject_required")
    if role in (Role.platform, Role.department) and organisation_id is None:
        raise InvalidInput(f"a {role} account must belong to an organisation", code="organisation_required")


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    organisation_id: int | None = None,
    subject_id: int | None = None,
) -> User:
    if role is Role.public:
        raise InvalidInput("the public role is for anonymous visitors, not accounts", code="invalid_role")
    _check_role_binding(session, role, organisation_id, subject_id)
    if len(password) < 8:
        raise InvalidInput("password must have at least 8 characters", code="weak_password")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists", code="user_exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=str(role),
        organisation_id=organisation_id,
        subject_id=subject_id,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "user.create",
            object_type="user",
            object_id=user.id,
            subject_id=subject_id,
            detail={"username": username, "role": str(role)},
        ),
    )
    return user


def issue_token(
    session: Session,
    *,
    actor: Actor,
    name: str,
    role: Role,
    scopes: list[str] | None = None,
    organisation_id: int | None = None,
    subject_id: int | None = None,
    user_id: int | None = None,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is shown once and stored only hashed."""
    if role is Role.public:
        raise InvalidInput("anonymous access needs no token", code="invalid_role")
    _check_role_binding(session, role, organisation_id, subject_id)
    try:
        granted = parse_scopes(role, scopes)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_scope") from exc
    secret = TOKEN_PREFIX + new_secret()
    token = ApiToken(
        name=name,
        secret_hash=hash_secret(secret),
        role=str(role),
        scopes=sorted(granted),
        organisation_id=organisation_id,
        subject_id=subject_id,
        user_id=user_id,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "token.issue",
            object_type="api_token",
            object_id=token.id,
            subject_id=subject_id,
            detail={"name": name, "role": str(role), "scopes": sorted(granted)},
        ),
    )
    return token, secret


def revoke_token(session: Session, *, actor: Actor, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}", code="token_not_found")
    token.revoked_at = utcnow()
    audit.record(session, actor, audit.Event("token.revoke", object_type="api_token", object_id=token_id))


def suspend_token(session: Session, *, actor: Actor, token_id: int, reason: str) -> ApiToken:
    """Suspend a token (an auditor, on an abuse alert): refused from the next request until lifted."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}", code="token_not_found")
    token.suspended_at, token.suspension_reason = utcnow(), reason
    audit.record(
        session,
        actor,
        audit.Event("token.suspend", object_type="api_token", object_id=token_id, detail={"reason": reason}),
    )
    return token


def lift_suspension(session: Session, *, actor: Actor, token_id: int, reason: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}", code="token_not_found")
    if token.suspended_at is None:
        raise Conflict(f"token {token_id} is not suspended", code="token_not_suspended")
    token.suspended_at = token.suspension_reason = None
    audit.record(
        session,
        actor,
        audit.Event("token.lift_suspension", object_type="api_token", object_id=token_id, detail={"reason": reason}),
    )
    return token


class TokenSuspended(PermissionDenied):
    """A token an auditor suspended (查询异常: ``queries.abuse``): refused with the reason until lifted."""

    code = "token_suspended"
    title = "Token suspended"
    title_zh = "该令牌已被暂停使用"


def actor_for_token(session: Session, secret: str) -> Actor | None:
    """The actor a token stands for; None when it is unknown, revoked or expired; ``TokenSuspended`` (403
    ``token_suspended``, with the reason) while an auditor has it suspended."""
    grant = token_grant(session, secret)
    if grant is None:
        suspended = session.execute(
            select(ApiToken.id, ApiToken.suspended_at, ApiToken.suspension_reason).where(
                ApiToken.secret_hash == hash_secret(secret), ApiToken.revoked_at.is_(None),
                ApiToken.suspended_at.is_not(None),
            )
        ).first()  # fmt: skip
        if suspended is not None:
            token_id, at, reason = suspended
            raise TokenSuspended(
                f"token {token_id} was suspended by an auditor on {at:%Y-%m-%d %H:%M} UTC: {reason}",
                message_zh=f"该令牌已被审计人员暂停使用（{reason}），请联系信用中心",
                extra={"token_id": token_id, "suspended_at": at.isoformat() if at else None, "reason": reason},
            )
        return None
    return unexpired(*grant)


def unexpired(actor: Actor, expires_at: datetime | None) -> Actor | None:
    """The actor of a token granted until ``expires_at`` (None: never), or None once it has expired."""
    return actor if expires_at is None or expires_at >= utcnow() else None


def token_grant(session: Session, secret: str) -> tuple[Actor, datetime | None] | None:
    """The actor a token's secret stands for, and when the token expires (None: never) — for a caller that
    keeps it and compares the expiry at each use; None when the token is unknown, revoked or suspended."""
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or token.suspended_at is not None:
        return None
    role = Role(token.role)
    perms = frozenset(p for p in MATRIX[role] if str(p) in set(token.scopes))
    actor = Actor(
        role=role,
        label=f"token:{token.id}",
        permissions=perms,
        user_id=token.user_id,
        organisation_id=token.organisation_id,
        subject_id=token.subject_id,
    )
    return actor, token.expires_at


def login(session: Session, *, username: str, password: str, days: int) -> tuple[str, str] | None:
    """Check a password; on success open a web session and return (session secret, CSRF token)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.password_hash or not verify_password(user.password_hash, password):
        return None
    secret, csrf = new_secret(), new_secret(16)
    session.add(
        WebSession(
            secret_hash=hash_secret(secret),
            csrf_token=csrf,
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    actor = _user_actor(user)
    session.flush()
    audit.record(session, actor, audit.Event("user.login", object_type="user", object_id=user.id))
    return secret, csrf


def logout(session: Session, *, secret: str) -> None:
    ws = session.scalar(select(WebSession).where(WebSession.secret_hash == hash_secret(secret)))
    if ws is not None:
        session.delete(ws)


def _user_actor(user: User, csrf: str | None = None) -> Actor:
    role = Role(user.role)
    return Actor(
        role=role,
        label=f"user:{user.username}",
        permissions=MATRIX[role],
        user_id=user.id,
        organisation_id=user.organisation_id,
        subject_id=user.subject_id,
        csrf_token=csrf,
    )


def actor_for_session(session: Session, secret: str) -> Actor | None:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.secret_hash == hash_secret(secret))
    ).first()
    if row is None:
        return None
    ws, user = row
    if ws.expires_at < utcnow() or not user.active:
        return None
    return _user_actor(user, ws.csrf_token)
