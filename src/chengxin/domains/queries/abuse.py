"""Abuse detection over the query log (查询日志审查): the rules (``rules.findings``) look at each registered
query with the same account's recent ones; a finding opens an alert, or counts on the open one. The auditor
(``queries:review``) reviews alerts, dismisses them or suspends the account's token (lifted by hand).

The rules look at a query once its register row is committed, off the query's path: ``after_commit`` hands
it to one evaluator thread per process and database, which evaluates the queries committed meanwhile in one
short transaction of its own — an alert a moment after the query, not a query waiting for the rules (the
rules read up to ``RECENT_MAX`` of the account's rows). A query registered in a session that no unit of work
opened is evaluated in place. ``settle`` waits until every committed query has been evaluated."""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from chengxin.db import Database, unit_of_work, utcnow
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import ApiToken, Organisation
from chengxin.domains.queries import rules
from chengxin.domains.queries.models import QueryAlert, QueryRecord
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.observability import log
from chengxin.security import audit
from chengxin.security.actor import Actor

RECENT_MAX = 1_000  # the account's queries in the window the rules see at most
KEEP_IDS = 100
MAX_BATCH = 200  # queries evaluated per transaction of the evaluator
PENDING = "queries.abuse.pending"  # session.info: the queries registered in its transaction, to evaluate


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


# ---------------------------------------------------------------- off the query's path


@dataclass(frozen=True)
class Pending:
    """A registered query for the rules to look at once it is committed."""

    event: rules.QueryEvent
    organisation_id: int | None
    qr: rules.QueryRules


def after_commit(session: Session, pending: Pending) -> None:
    """Evaluate this query once the caller's transaction commits (dropped if it rolls back); in place when the
    session was not opened by a unit of work (no database to evaluate it in later)."""
    db = session.info.get("db")
    if db is None:
        evaluate(session, pending.event, organisation_id=pending.organisation_id, qr=pending.qr)
        return
    session.info.setdefault(PENDING, []).append(pending)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        _evaluator(session.info["db"]).submit(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)  # never committed: nothing to look at


@dataclass
class _Evaluator:
    db: Database
    queue: list[Pending] = field(default_factory=list)
    busy: int = 0
    ready: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        threading.Thread(target=self._loop, name="query-abuse", daemon=True).start()

    def submit(self, items: list[Pending]) -> None:
        with self.ready:
            self.queue.extend(items)
            self.ready.notify_all()

    def settle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.ready:
            while self.queue or self.busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.ready.wait(left)
        return True

    def _loop(self) -> None:
        while True:
            with self.ready:
                while not self.queue:
                    self.ready.wait()
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
                self.busy = len(batch)
            try:
                with unit_of_work(self.db) as session:
                    for p in batch:
                        evaluate(session, p.event, organisation_id=p.organisation_id, qr=p.qr)
            except Exception as exc:  # the queries stay registered; their alerts are lost: say so
                log.error("query_abuse_failed", queries=len(batch), first=batch[0].event.id, error=repr(exc))
            with self.ready:
                self.busy = 0
                self.ready.notify_all()


_evaluators: dict[str, _Evaluator] = {}
_lock = threading.Lock()


def _evaluator(db: Database) -> _Evaluator:
    with _lock:
        held = _evaluators.get(db.url)
        if held is None:
            if not _evaluators:
                atexit.register(settle)  # a command's last queries are evaluated before it exits
            held = _evaluators[db.url] = _Evaluator(db)
        held.db = db  # the database opened again (a test, a reset): its current engines
        return held


def settle(db: Database | None = None, timeout: float = 10.0) -> bool:
    """Wait until the queries committed so far (on ``db``, or every database) have been evaluated; False if
    that took longer than ``timeout`` seconds."""
    with _lock:
        held = [e for url, e in _evaluators.items() if db is None or url == db.url]
    return all(e.settle(timeout) for e in held)


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
