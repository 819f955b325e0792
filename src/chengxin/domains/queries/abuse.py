"""Abuse detection over the query log (查询日志审查): the rules (``rules.findings``) look at each registered
query with the same account's recent ones; a finding opens an alert, or counts on the open one. The auditor
(``queries:review``) reviews alerts, dismisses them or suspends the account's token (lifted by hand)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import ApiToken, Organisation
from chengxin.domains.queries import rules
from chengxin.domains.queries.models import QueryAlert, QueryRecord
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor

RECENT_MAX = 1_000  # the account's queries in the window the rules see at most
KEEP_IDS = 100


def _fits(session: Session, qr: rules.QueryRules, organisation_id: int | None) -> frozenset[str] | None:
    if organisation_id is None:
        return None
    org = session.execute(
        select(Organisation.kind, Organisation.sector).where(Organisation.id == organisation_id)
    ).first()
    return None if org is None else qr.business_purposes(org.kind, org.sector)


def evaluate(
    session: Session, new: rules.QueryEvent, *, organisation_id: int | None, qr: rules.QueryRules
) -> list[QueryAlert]:
    """Run the abuse rules for the query just registered; returns the alerts it opened or counted on."""
    t = qr.abuse
    since = new.at - timedelta(minutes=t.window_minutes)
    rows = session.execute(
        select(QueryRecord.id, QueryRecord.account, QueryRecord.subject_id, QueryRecord.purpose, QueryRecord.at)
        .where(QueryRecord.account == new.account, QueryRecord.at >= since)
        .order_by(QueryRecord.at.desc())
        .limit(RECENT_MAX)
    ).all()
    recent = [rules.QueryEvent(id=r[0], account=r[1], subject_id=r[2], purpose=r[3], at=r[4]) for r in rows]
    found = rules.findings(recent, new, t=t, fits=_fits(session, qr, organisation_id))
    return [_raise(session, new, organisation_id, f) for f in found]


def _raise(session: Session, rec: rules.QueryEvent, organisation_id: int | None, f: rules.Finding) -> QueryAlert:
    stmt = select(QueryAlert).where(
        QueryAlert.status == "open", QueryAlert.rule == f.rule, QueryAlert.account == rec.account
    )
    stmt = stmt.where(
        QueryAlert.subject_id.is_(None) if f.subject_id is None else QueryAlert.subject_id == f.subject_id
    )
    alert = session.scalar(stmt.limit(1))
    if alert is None:
        alert = QueryAlert(
            rule=f.rule, account=rec.account, organisation_id=organisation_id, subject_id=f.subject_id,
            status="open", count=f.count, detail=f.detail, query_ids=list(f.query_ids[-KEEP_IDS:]),
            raised_at=rec.at, last_at=rec.at,
        )  # fmt: skip
        session.add(alert)
    else:
        alert.count = max(alert.count, f.count) if f.rule != "purpose_mismatch" else alert.count + 1
        alert.detail, alert.last_at = f.detail, rec.at
        alert.query_ids = sorted(set(alert.query_ids) | set(f.query_ids))[-KEEP_IDS:]
    return alert


def alerts(session: Session, *, status: str | None = "open", limit: int = 200) -> list[QueryAlert]:
    stmt = select(QueryAlert)
    if status:
        stmt = stmt.where(QueryAlert.status == status)
    return list(session.scalars(stmt.order_by(QueryAlert.last_at.desc(), QueryAlert.id.desc()).limit(limit)))


def _open_alert(session: Session, alert_id: int) -> QueryAlert:
    alert = session.get(QueryAlert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", code="alert_not_found", message_zh="未找到该告警")
    if alert.status != "open":
        raise Conflict(f"alert {alert_id} is already {alert.status}", code="alert_closed", message_zh="该告警已处理")
    return alert


def dismiss(session: Session, *, actor: Actor, alert_id: int, note: str) -> QueryAlert:
    """The auditor finds nothing wrong (e.g. a legitimate batch): the alert is closed."""
    alert = _open_alert(session, alert_id)
    alert.status, alert.closed_at, alert.closed_by, alert.note = "dismissed", utcnow(), actor.label, note
    detail = {"rule": alert.rule, "account": alert.account, "note": note}
    audit.record(
        session, actor, audit.Event("query_alert.dismiss", object_type="query_alert", object_id=alert.id, detail=detail)
    )
    return alert


def token_id_of(account: str) -> int | None:
    kind, _, ident = account.partition(":")
    return int(ident) if kind == "token" and ident.isdigit() else None


def suspend(session: Session, *, actor: Actor, alert_id: int, reason: str) -> tuple[QueryAlert, ApiToken]:
    """Suspend the token the alert is about (from its next request on) and close the alert."""
    alert = _open_alert(session, alert_id)
    token_id = token_id_of(alert.account)
    if token_id is None:
        raise InvalidInput(
            f"alert {alert_id} is about {alert.account}, not an API token", code="alert_not_a_token",
            message_zh="该告警涉及的不是 API 令牌，无法暂停",
        )  # fmt: skip
    token = accounts.suspend_token(session, actor=actor, token_id=token_id, reason=f"alert {alert.id}: {reason}")
    alert.status, alert.closed_at, alert.closed_by, alert.note = "suspended", utcnow(), actor.label, reason
    return alert, token


def lift(session: Session, *, actor: Actor, token_id: int, reason: str) -> ApiToken:
    return accounts.lift_suspension(session, actor=actor, token_id=token_id, reason=reason)


def suspended_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.suspended_at.is_not(None)).order_by(ApiToken.id)))
