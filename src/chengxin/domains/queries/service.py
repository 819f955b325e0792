"""Query service use cases (信用信息查询): authorisations, public and authorised queries, the query register,
"who looked at my file". Keyword-only; never commits (the caller owns the transaction).

Every answered query writes its register row (查询登记) and its audit entry in the transaction that answers
it; the abuse rules look at the account's recent queries once it is committed (``abuse.after_commit``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.queries import register as register_module
from chengxin.domains.queries import rules
from chengxin.domains.queries.models import QueryAuthorisation, QueryRecord
from chengxin.domains.queries.ratelimit import SlidingWindow
from chengxin.domains.queries.schemas import AuthorisationOut, QueryAnswer, QuerySubject, SeenQueryOut
from chengxin.domains.records import files
from chengxin.domains.records.rules import Viewer
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.service import RIC_CONTEXT
from chengxin.domains.subjects.views import SubjectView
from chengxin.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied, UnusableInput
from chengxin.security import audit
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.masking import Field, mask, reveals, show
from chengxin.security.permissions import Role

KIND_ZH = {"public": "公开查询", "authorised": "授权查询", "report": "信用报告"}
BASIS_ZH = {"public": "公开信息", "authorisation": "本人授权", "legal_basis": "法定依据", "purpose": "查询用途"}
STATUS_ZH = {"valid": "有效", "withdrawn": "已撤回", "expired": "已过期", "not_yet_valid": "未生效"}


class QueryRateLimited(DomainError):
    """Too many public queries from one client: try again after ``retry_after`` seconds (429)."""

    status = 429
    code = "rate_limited"
    title = "Too many requests"
    title_zh = "查询过于频繁"


def limiter(holder: Any, name: str, limit: int) -> SlidingWindow:
    """The process's sliding window ``name`` kept on ``holder`` (the app's state), made on first use."""
    held: SlidingWindow | None = getattr(holder, name, None)
    if held is None:
        held = SlidingWindow(limit)
        setattr(holder, name, held)
    return held


def throttle(window: SlidingWindow, key: str, *, what: str, what_zh: str) -> None:
    """Count one request of ``key`` (a client: ``account_of``); 429 ``rate_limited`` with ``Retry-After`` past
    the window's limit."""
    wait = window.retry_after(key, time.monotonic())
    if wait is not None:
        raise QueryRateLimited(
            f"more than {window.limit} {what} a minute; retry after {wait} s",
            message_zh=f"{what_zh}过于频繁，请在 {wait} 秒后再试",
            extra={"retry_after": wait},
        )


def current_rules() -> rules.QueryRules:
    try:
        return rules.load_rules()
    except rules.RulesInvalid as exc:
        raise UnusableInput(
            f"the query rules are unusable: {exc}", code="query_rules_invalid", message_zh="查询规则文件有误"
        ) from exc


def refused(exc: rules.Refusal) -> PermissionDenied:
    return PermissionDenied(exc.detail, code=exc.code, message_zh=exc.message_zh)


account_of = register_module.account_of


# ---------------------------------------------------------------- authorisations (查询授权)


def _status(a: QueryAuthorisation, today: date) -> str:
    if a.withdrawn_at is not None:
        return "withdrawn"
    if today < a.valid_from:
        return "not_yet_valid"
    return "expired" if today > a.valid_until else "valid"


def authorisation_out(session: Session, a: QueryAuthorisation, *, today: date | None = None) -> AuthorisationOut:
    org = session.get(Organisation, a.organisation_id)
    return AuthorisationOut(
        id=a.id,
        subject_id=a.subject_id,
        organisation_id=a.organisation_id,
        organisation=org.name if org else "",
        purpose=a.purpose,
        purpose_zh=current_rules().purpose_zh(a.purpose),
        scope=list(a.scope),
        reference=a.reference,
        granted_by=a.granted_by,
        valid_from=a.valid_from,
        valid_until=a.valid_until,
        created_at=a.created_at,
        withdrawn_at=a.withdrawn_at,
        status=_status(a, today or subject_service.legal_today()),
    )


def _new_authorisation(
    session: Session,
    *,
    actor: Actor,
    subject_id: int,
    organisation_id: int,
    purpose: str,
    scope: Sequence[str],
    reference: str | None,
    granted_by: str,
    valid_from: date,
    valid_until: date,
) -> QueryAuthorisation:
    try:
        rules.check_scope(current_rules(), purpose=purpose, scope=scope, valid_from=valid_from, valid_until=valid_until)
    except rules.Refusal as exc:
        raise InvalidInput(exc.detail, code=exc.code, message_zh=exc.message_zh) from exc
    a = QueryAuthorisation(
        subject_id=subject_id,
        organisation_id=organisation_id,
        purpose=purpose,
        scope=sorted(set(scope)),
        reference=reference,
        granted_by=granted_by,
        recorded_by=actor.label,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=utcnow(),
    )
    session.add(a)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            f"authorisation.{'grant' if granted_by == 'subject' else 'record'}",
            subject_id=subject_id,
            object_type="query_authorisation",
            object_id=a.id,
            detail={"organisation_id": organisation_id, "purpose": purpose, "scope": a.scope,
                    "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()},
        ),
    )  # fmt: skip
    return a


def record_authorisation(
    session: Session,
    *,
    actor: Actor,
    cipher: PiiCipher,
    code: str,
    purpose: str,
    scope: Sequence[str],
    reference: str,
    valid_from: date | None,
    valid_until: date,
) -> QueryAuthorisation:
    """An organisation records the authorisation it obtained (the subject's signed consent, ``reference``)."""
    if actor.organisation_id is None:
        raise PermissionDenied("only an organisation's account records authorisations", code="no_organisation")
    view = subject_service.view_by_code(session, code=code, cipher=cipher)
    return _new_authorisation(
        session, actor=actor, subject_id=view.id, organisation_id=actor.organisation_id, purpose=purpose,
        scope=scope, reference=reference, granted_by="organisation",
        valid_from=valid_from or subject_service.legal_today(), valid_until=valid_until,
    )  # fmt: skip


def grant_authorisation(
    session: Session,
    *,
    actor: Actor,
    subject_id: int,
    organisation_id: int,
    purpose: str,
    scope: Sequence[str],
    valid_until: date,
    today: date | None = None,
) -> QueryAuthorisation:
    """The subject grants an organisation an authorisation online, from today."""
    if session.get(Organisation, organisation_id) is None:
        raise NotFound(f"no organisation {organisation_id}", code="organisation_not_found", message_zh="未找到该机构")
    return _new_authorisation(
        session, actor=actor, subject_id=subject_id, organisation_id=organisation_id, purpose=purpose, scope=scope,
        reference=None, granted_by="subject", valid_from=today or subject_service.legal_today(),
        valid_until=valid_until,
    )  # fmt: skip


def withdraw(session: Session, *, actor: Actor, subject_id: int, authorisation_id: int) -> QueryAuthorisation:
    """The subject withdraws one of its authorisations (撤回授权): later queries relying on it are refused."""
    a = session.get(QueryAuthorisation, authorisation_id)
    if a is None or a.subject_id != subject_id:
        raise NotFound(
            f"no authorisation {authorisation_id} of yours", code="authorisation_not_found", message_zh="未找到该授权"
        )
    if a.withdrawn_at is not None:
        raise Conflict(f"authorisation {a.id} is already withdrawn", code="authorisation_withdrawn",
                       message_zh="该授权已撤回")  # fmt: skip
    a.withdrawn_at = utcnow()
    audit.record(
        session,
        actor,
        audit.Event("authorisation.withdraw", subject_id=subject_id, object_type="query_authorisation",
                    object_id=a.id, detail={"organisation_id": a.organisation_id, "purpose": a.purpose}),
    )  # fmt: skip
    return a


def authorisations_of_subject(session: Session, subject_id: int) -> list[QueryAuthorisation]:
    stmt = select(QueryAuthorisation).where(QueryAuthorisation.subject_id == subject_id)
    return list(session.scalars(stmt.order_by(QueryAuthorisation.id.desc())))


def authorisations_of_organisation(
    session: Session, organisation_id: int, limit: int = 500
) -> list[QueryAuthorisation]:
    stmt = select(QueryAuthorisation).where(QueryAuthorisation.organisation_id == organisation_id)
    return list(session.scalars(stmt.order_by(QueryAuthorisation.id.desc()).limit(limit)))


# ---------------------------------------------------------------- queries


def _facts(a: QueryAuthorisation) -> rules.AuthorisationFacts:
    return rules.AuthorisationFacts(
        id=a.id,
        subject_id=a.subject_id,
        organisation_id=a.organisation_id,
        purpose=a.purpose,
        scope=frozenset(a.scope),
        valid_from=a.valid_from,
        valid_until=a.valid_until,
        withdrawn=a.withdrawn_at is not None,
    )


def identity(view: SubjectView, *, role: Role, purpose: str | None, full: bool, cipher: PiiCipher) -> QuerySubject:
    """The subject's identity as the answer shows it: a legal person in clear; a person's name and RIC
    masked by the masking rules (脱敏) unless the answer covers identity and the role may see them whole."""
    if view.kind != "natural":
        return QuerySubject(id=view.id, kind=view.kind, name=view.name, uscc=view.uscc, ric=None, masked=[])
    masked: list[str] = []
    name = (
        show(Field.person_name, view.name, role=role, purpose=purpose) if full else mask(Field.person_name, view.name)
    )
    if name != view.name:
        masked.append("name")
    ric = view.ric_masked
    if full and view.ric_cipher is not None and reveals(Field.ric, role=role, purpose=purpose):
        ric = cipher.decrypt(view.ric_cipher, context=RIC_CONTEXT)
    else:
        masked.append("ric")
    return QuerySubject(id=view.id, kind=view.kind, name=name or "", uscc=None, ric=ric, masked=masked)


def _file(session: Session, view: SubjectView, viewer: Viewer, today: date) -> tuple[dict[str, int], list[Any]]:
    rows = files.visible_records(session, subject_id=view.id, viewer=viewer, today=today)
    catalog = catalog_service.active_catalog(session)
    sources = files.source_names(session, {r.source_org_id for r in rows})
    out = [files.present(r, catalog=catalog, sources=sources, today=today) for r in rows]
    counts: dict[str, int] = {}
    for r in out:
        counts[r.polarity] = counts.get(r.polarity, 0) + 1
    return counts, files.group(out)


def register(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    subject_id: int,
    purpose: str | None,
    authorisation_id: int | None,
    legal_basis: str | None,
    fields: Sequence[str],
    client: str | None,
    records: int,
    cipher: PiiCipher,
    now: datetime | None = None,
) -> rules.QueryEvent:
    """Register a query (查询登记) in the caller's transaction — the answer is given only once it is committed
    — with its audit entry when it read non-public data; the abuse rules look at it right after that commit,
    off the query's path (``register.register``). The client's network address is personal data: it is kept
    as a keyed pseudonym (``pseudonym``), the same for the same address, so the abuse rules still count an
    anonymous client's queries together."""
    return register_module.register(
        session, actor=actor, kind=kind, subject_id=subject_id, purpose=purpose, authorisation_id=authorisation_id,
        legal_basis=legal_basis, fields=fields, client=pseudonym(cipher, client), records=records,
        qr=current_rules(), now=now,
    )  # fmt: skip


CLIENT_CONTEXT = "query-client"


def pseudonym(cipher: PiiCipher, client: str | None) -> str | None:
    """A client address as the register keeps it: ``#`` and 16 hex digits of its keyed hash (HMAC with the
    PII index key: not reversible without the key, unlike a plain hash of a 32-bit address)."""
    if not client:
        return None
    return "#" + cipher.blind_index(client, context=CLIENT_CONTEXT)[:16]


def admit(
    session: Session,
    *,
    actor: Actor,
    view: SubjectView,
    purpose: str | None,
    authorisation_id: int | None,
    legal_basis: str | None,
    fields: Sequence[str] | None,
    today: date,
    within_scope: bool = False,
) -> rules.Decision:
    """Whether the caller may read this subject's non-public information for ``purpose`` (an authorised query,
    a third-party credit report): the authorisation looked up and the rules asked (``rules.decide``); a
    refusal is 403 with the reason's ``code`` (no or an unknown purpose, the role may not state it, the
    authorisation missing, another's, withdrawn, expired, out of scope …). ``within_scope``: no ``fields``
    asked means the purpose's kinds of information the authorisation covers (a report goes as far as its
    authorisation), not all the purpose's."""
    qr = current_rules()
    facts = None
    if authorisation_id is not None:
        a = session.get(QueryAuthorisation, authorisation_id)
        if a is None:
            raise PermissionDenied(
                f"no authorisation {authorisation_id}", code="authorisation_not_found", message_zh="未找到该授权"
            )
        facts = _facts(a)
        p = qr.purposes.get(purpose or "")
        if within_scope and not fields and p is not None:
            fields = [f for f in p.fields if f in facts.scope] or None
    try:
        return rules.decide(
            qr, role=str(actor.role), organisation_id=actor.organisation_id, purpose=purpose,
            subject_id=view.id, subject_kind=view.kind, authorisation=facts, legal_basis=legal_basis, fields=fields,
            today=today,
        )  # fmt: skip
    except rules.Refusal as exc:
        raise refused(exc) from exc


def authorisation_reference(session: Session, authorisation_id: int) -> str | None:
    """The reference of an authorisation's signed consent (offline), None for one granted online."""
    a = session.get(QueryAuthorisation, authorisation_id)
    return a.reference if a is not None else None


def viewer_for(decision: rules.Decision) -> Viewer:
    """The records an admitted reader sees: restricted ones only when the decision covers them."""
    if "restricted" in decision.fields:
        return Viewer.full
    return Viewer.departments if "records" in decision.fields else Viewer.public


def authorised_query(
    session: Session,
    *,
    actor: Actor,
    cipher: PiiCipher,
    code: str,
    purpose: str | None,
    authorisation_id: int | None,
    legal_basis: str | None,
    fields: Sequence[str] | None,
    client: str | None,
    today: date | None = None,
) -> QueryAnswer:
    """An authorised query (授权查询) of a subject's non-public file: refused (403, with the reason) unless
    the rules allow it (``admit``); answered with the kinds of information decided, masked for the caller's
    role and purpose, and registered."""
    today = today or subject_service.legal_today()
    purpose = purpose or actor.purpose
    view = subject_service.view_by_code(session, code=code, cipher=cipher)
    decision = admit(
        session, actor=actor, view=view, purpose=purpose, authorisation_id=authorisation_id,
        legal_basis=legal_basis, fields=fields, today=today,
    )  # fmt: skip
    viewer = viewer_for(decision)
    subject = identity(view, role=actor.role, purpose=purpose, full="identity" in decision.fields, cipher=cipher)
    counts, groups = _file(session, view, viewer, today)
    rec = register(
        session, actor=actor, kind="authorised", subject_id=view.id, purpose=purpose,
        authorisation_id=authorisation_id, legal_basis=legal_basis if decision.basis == "legal_basis" else None,
        fields=decision.fields, client=client, records=sum(counts.values()), cipher=cipher,
    )  # fmt: skip
    return QueryAnswer(
        query_id=rec.id, kind="authorised", purpose=purpose, purpose_zh=decision.purpose.name, basis=decision.basis,
        authorisation_id=authorisation_id, fields=list(decision.fields), as_of=today, subject=subject,
        view=str(viewer), counts=counts, groups=groups,
    )  # fmt: skip


def public_query(
    session: Session, *, actor: Actor, cipher: PiiCipher, code: str, client: str | None, today: date | None = None
) -> QueryAnswer:
    """A public query (公开查询): the subject's public identity and public records, registered."""
    today = today or subject_service.legal_today()
    view = subject_service.view_by_code(session, code=code, cipher=cipher)
    subject = identity(view, role=Role.public, purpose=None, full=False, cipher=cipher)
    counts, groups = _file(session, view, Viewer.public, today)
    rec = register(
        session, actor=actor, kind="public", subject_id=view.id, purpose=None, authorisation_id=None,
        legal_basis=None, fields=["public"], client=client, records=sum(counts.values()), cipher=cipher,
    )  # fmt: skip
    return QueryAnswer(
        query_id=rec.id, kind="public", purpose=None, purpose_zh=None, basis="public", authorisation_id=None,
        fields=["public"], as_of=today, subject=subject, view=str(Viewer.public), counts=counts, groups=groups,
    )  # fmt: skip


# ---------------------------------------------------------------- who looked at my file (谁查询了我)


def seen_by(session: Session, subject_id: int, *, limit: int = 200) -> list[SeenQueryOut]:
    """The queries of a subject's file, newest first: which organisation, when, why."""
    rows = list(
        session.scalars(
            select(QueryRecord).where(QueryRecord.subject_id == subject_id).order_by(QueryRecord.at.desc()).limit(limit)
        )
    )
    org_ids = {r.organisation_id for r in rows if r.organisation_id is not None}
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all())
    qr = current_rules()
    out = []
    for r in rows:
        who = names.get(r.organisation_id, "") if r.organisation_id is not None else ""
        if not who:
            who = "公众（公开信息）" if r.kind == "public" else "信用中心" if r.actor_role == "credit_centre" else "—"
        out.append(
            SeenQueryOut(
                id=r.id, at=r.at, kind=r.kind, organisation=who, purpose=r.purpose,
                purpose_zh=qr.purpose_zh(r.purpose) if r.purpose else KIND_ZH[r.kind],
                authorisation_id=r.authorisation_id, legal_basis=r.legal_basis, fields=list(r.fields),
            )
        )  # fmt: skip
    return out


def query_log(
    session: Session, *, account: str | None = None, subject_id: int | None = None, limit: int = 100
) -> list[QueryRecord]:
    """The query register for the auditor (日志审查), newest first."""
    stmt = select(QueryRecord)
    if account:
        stmt = stmt.where(QueryRecord.account == account)
    if subject_id is not None:
        stmt = stmt.where(QueryRecord.subject_id == subject_id)
    return list(session.scalars(stmt.order_by(QueryRecord.at.desc(), QueryRecord.id.desc()).limit(limit)))
