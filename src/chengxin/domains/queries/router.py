"""Query service JSON API (thin): purposes, authorisations, authorised and public queries, "who looked at my
file", and the auditor's query log, alerts and token suspensions (日志审查)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from chengxin.db import unit_of_work
from chengxin.domains.accounts.models import ApiToken
from chengxin.domains.queries import abuse, rules, service
from chengxin.domains.queries.models import QueryAlert, QueryRecord
from chengxin.domains.queries.schemas import (
    AlertOut,
    AuthorisationIn,
    AuthorisationOut,
    GrantIn,
    PurposeOut,
    QueryAnswer,
    QueryIn,
    QueryRecordOut,
    ReasonIn,
    SeenQueryOut,
    SuspensionOut,
)
from chengxin.ids import MAX_ID, PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep, state
from chengxin.security.permissions import Permission as P

router = APIRouter(prefix="/api/v1", tags=["queries"])
DB = Annotated[Session, Depends(session_dep, scope="function")]


async def writing_session(request: Request) -> AsyncIterator[Session]:
    """A writing unit of work even for an anonymous GET: a public query is registered (查询登记)."""
    with unit_of_work(state(request).db) as session:
        yield session


WDB = Annotated[Session, Depends(writing_session, scope="function")]


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def rate_limit(request: Request, actor: Actor) -> None:
    """Public queries: at most ``CHENGXIN_PUBLIC_QUERY_RATE`` a minute per client (token, else address)."""
    window = service.limiter(request.app.state, "public_query_limiter", state(request).settings.public_query_rate)
    service.throttle(window, service.account_of(actor, client_of(request)), what="public queries", what_zh="查询")


def alert_out(a: QueryAlert) -> AlertOut:
    return AlertOut(
        id=a.id, rule=a.rule, rule_zh=rules.RULE_ZH.get(a.rule, a.rule), account=a.account,
        organisation_id=a.organisation_id, subject_id=a.subject_id, status=a.status, count=a.count, detail=a.detail,
        query_ids=list(a.query_ids), raised_at=a.raised_at, last_at=a.last_at, closed_at=a.closed_at,
        closed_by=a.closed_by, note=a.note,
    )  # fmt: skip


def suspension_out(t: ApiToken) -> SuspensionOut:
    return SuspensionOut(token_id=t.id, suspended_at=t.suspended_at, suspension_reason=t.suspension_reason)


@router.get("/query-purposes", response_model=list[PurposeOut])
def purposes(actor: Actor = Depends(Require(P.public_read))) -> list[PurposeOut]:
    """The purposes a query may state (查询用途), who may state them, and what they may return."""
    return [
        PurposeOut(key=p.key, name=p.name, roles=sorted(p.roles), fields=list(p.fields), legal_basis=p.legal_basis)
        for p in service.current_rules().purposes.values()
    ]


@router.post("/queries", response_model=QueryAnswer)
def authorised_query(
    data: QueryIn, request: Request, session: DB, actor: Actor = Depends(Require(P.queries_run))
) -> QueryAnswer:
    """An authorised query (授权查询): refused with 403 and the reason's ``code`` unless purpose, role and
    authorisation (or a department's legal basis) allow it; registered (查询登记)."""
    return service.authorised_query(
        session, actor=actor, cipher=state(request).cipher, code=data.subject, purpose=data.purpose,
        authorisation_id=data.authorisation_id, legal_basis=data.legal_basis, fields=data.fields,
        client=client_of(request),
    )  # fmt: skip


@router.get("/queries/public", response_model=QueryAnswer)
def public_query(
    request: Request,
    session: WDB,
    code: str = Query(min_length=15, max_length=18, pattern=r"^[0-9A-Za-z]+$", description="USCC or RIC"),
    actor: Actor = Depends(Require(P.public_read)),
) -> QueryAnswer:
    """A public query (公开查询) by exact code: public identity and records only; rate-limited per client
    (429 with ``Retry-After``); registered."""
    rate_limit(request, actor)
    return service.public_query(
        session, actor=actor, cipher=state(request).cipher, code=code, client=client_of(request)
    )


@router.post("/authorisations", status_code=201, response_model=AuthorisationOut)
def record_authorisation(
    data: AuthorisationIn, request: Request, session: DB, actor: Actor = Depends(Require(P.authorisations_record))
) -> AuthorisationOut:
    """Record an authorisation the caller's organisation obtained offline (the signed consent: ``reference``)."""
    a = service.record_authorisation(
        session, actor=actor, cipher=state(request).cipher, code=data.subject, purpose=data.purpose,
        scope=data.scope, reference=data.reference, valid_from=data.valid_from, valid_until=data.valid_until,
    )  # fmt: skip
    return service.authorisation_out(session, a)


@router.get("/authorisations", response_model=list[AuthorisationOut])
def organisation_authorisations(
    session: DB, actor: Actor = Depends(Require(P.authorisations_record))
) -> list[AuthorisationOut]:
    """The authorisations given to the caller's organisation, newest first."""
    if actor.organisation_id is None:
        return []
    return [
        service.authorisation_out(session, a)
        for a in service.authorisations_of_organisation(session, actor.organisation_id)
    ]


@router.get("/me/authorisations", response_model=list[AuthorisationOut])
def my_authorisations(session: DB, actor: Actor = Depends(Require(P.self_read))) -> list[AuthorisationOut]:
    """The authorisations the caller (a subject) has given."""
    return [
        service.authorisation_out(session, a) for a in service.authorisations_of_subject(session, own_subject_id(actor))
    ]


@router.post("/me/authorisations", status_code=201, response_model=AuthorisationOut)
def grant(data: GrantIn, session: DB, actor: Actor = Depends(Require(P.self_read))) -> AuthorisationOut:
    """The subject authorises an organisation online, from today."""
    a = service.grant_authorisation(
        session, actor=actor, subject_id=own_subject_id(actor), organisation_id=data.organisation_id,
        purpose=data.purpose, scope=data.scope, valid_until=data.valid_until,
    )  # fmt: skip
    return service.authorisation_out(session, a)


@router.post("/me/authorisations/{authorisation_id}/withdraw", response_model=AuthorisationOut)
def withdraw(authorisation_id: PathId, session: DB, actor: Actor = Depends(Require(P.self_read))) -> AuthorisationOut:
    """Withdraw an authorisation (撤回授权): later queries relying on it are refused."""
    a = service.withdraw(session, actor=actor, subject_id=own_subject_id(actor), authorisation_id=authorisation_id)
    return service.authorisation_out(session, a)


@router.get("/me/queries", response_model=list[SeenQueryOut])
def who_looked(session: DB, actor: Actor = Depends(Require(P.self_read))) -> list[SeenQueryOut]:
    """Who looked at my file (谁查询了我): each query of the caller's file — organisation, time, purpose."""
    return service.seen_by(session, own_subject_id(actor))


@router.get("/query-log", response_model=list[QueryRecordOut])
def query_log(
    session: DB,
    account: str | None = Query(None, max_length=120, pattern=r"^[a-z]+:[^\x00-\x1f\x7f]+$"),
    subject_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Query(100, ge=1, le=1000),
    actor: Actor = Depends(Require(P.queries_review)),
) -> list[QueryRecordOut]:
    """The query register (查询登记), newest first, by account (``token:12``, ``ip:…``) or subject."""
    rows: list[QueryRecord] = service.query_log(session, account=account, subject_id=subject_id, limit=limit)
    return [QueryRecordOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/query-alerts", response_model=list[AlertOut])
def query_alerts(
    session: DB,
    status: Literal["open", "dismissed", "suspended", "all"] = "open",
    actor: Actor = Depends(Require(P.queries_review)),
) -> list[AlertOut]:
    """Abuse alerts over the query log (查询异常告警), latest first."""
    return [alert_out(a) for a in abuse.alerts(session, status=None if status == "all" else status)]


@router.post("/query-alerts/{alert_id}/dismiss", response_model=AlertOut)
def dismiss_alert(
    alert_id: PathId, data: ReasonIn, session: DB, actor: Actor = Depends(Require(P.queries_review))
) -> AlertOut:
    return alert_out(abuse.dismiss(session, actor=actor, alert_id=alert_id, note=data.reason))


@router.post("/query-alerts/{alert_id}/suspend-token", response_model=AlertOut)
def suspend_token(
    alert_id: PathId, data: ReasonIn, session: DB, actor: Actor = Depends(Require(P.queries_review))
) -> AlertOut:
    """Suspend the API token the alert is about: refused (403 ``token_suspended``, with the reason) from its
    next request until lifted."""
    alert, _ = abuse.suspend(session, actor=actor, alert_id=alert_id, reason=data.reason)
    return alert_out(alert)


@router.get("/token-suspensions", response_model=list[SuspensionOut])
def suspensions(session: DB, actor: Actor = Depends(Require(P.queries_review))) -> list[SuspensionOut]:
    return [suspension_out(t) for t in abuse.suspended_tokens(session)]


@router.post("/token-suspensions/{token_id}/lift", response_model=SuspensionOut)
def lift_suspension(
    token_id: PathId, data: ReasonIn, session: DB, actor: Actor = Depends(Require(P.queries_review))
) -> SuspensionOut:
    return suspension_out(abuse.lift(session, actor=actor, token_id=token_id, reason=data.reason))
