"""Subject use cases. Keyword-only arguments; never commits (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.domains.subjects import rules
from chengxin.domains.subjects import search as subject_search
from chengxin.domains.subjects.identifiers import (
    IdentifierError,
    classify_code,
    division_of,
    normalise_code,
    validate_ric,
)
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.subjects.names import core_name, normalise_name
from chengxin.domains.subjects.schemas import (
    LegalSubjectIn,
    NaturalSubjectIn,
    SearchResult,
    SubjectOut,
    SubjectPatch,
    SubjectSummary,
    VerificationOut,
)
from chengxin.domains.subjects.views import Key, SubjectView, view_by, view_of
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.security import audit, masking
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import Permission

RIC_CONTEXT = "ric"


def legal_today() -> date:
    """Today's date where legal deadlines are counted (Asia/Shanghai)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def identifier_problem(exc: IdentifierError, field: str) -> InvalidInput:
    return InvalidInput(
        exc.detail,
        code=exc.code,
        message_zh=exc.message_zh,
        errors=[{"field": field, "code": exc.code, "detail": exc.detail, "message_zh": exc.message_zh}],
    )


def ric_index(cipher: PiiCipher, ric18: str) -> str:
    return cipher.blind_index(ric18, context=RIC_CONTEXT)


def ric_indexer(cipher: PiiCipher) -> Callable[[str], str]:
    """``ric_index`` for many identity numbers."""
    return cipher.blind_indexer(context=RIC_CONTEXT)


def _existing_by_identity(session: Session, identity: rules.Identity, cipher: PiiCipher) -> Subject | None:
    if identity.kind is rules.Kind.legal:
        return session.scalar(select(Subject).where(Subject.uscc == identity.code))
    return session.scalar(select(Subject).where(Subject.ric_index == ric_index(cipher, identity.code)))


def new_subject_values(
    identity: rules.Identity,
    *,
    name: str,
    legal_form: str | None,
    legal_representative: str | None,
    cipher: PiiCipher,
    now: datetime | None = None,
) -> dict[str, object]:
    """Column values of a new subject (shared by the API and the bulk import)."""
    now = now or utcnow()
    name_norm = normalise_name(name)
    values: dict[str, object] = {
        "kind": str(identity.kind),
        "name": name,
        "name_norm": name_norm,
        "name_core": core_name(name_norm),
        "division": division_of(identity.code, "uscc" if identity.kind is rules.Kind.legal else "ric"),
        "legal_representative": legal_representative,
        "identity_warnings": list(identity.warnings),
        "verification_status": "unverified",
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "uscc": None,
        "ric_cipher": None,
        "ric_index": None,
        "ric_masked": None,
        "legal_form": None,
    }
    if identity.kind is rules.Kind.legal:
        values["uscc"] = identity.code
        values["legal_form"] = legal_form or str(rules.default_legal_form(identity.code))
    else:
        values["ric_cipher"] = cipher.encrypt(identity.code, context=RIC_CONTEXT)
        values["ric_index"] = ric_index(cipher, identity.code)
        values["ric_masked"] = masking.mask_ric(identity.code)
    return values


def create_subject(
    session: Session, *, actor: Actor, data: LegalSubjectIn | NaturalSubjectIn, cipher: PiiCipher
) -> Subject:
    kind = rules.Kind(data.kind)
    field = "uscc" if kind is rules.Kind.legal else "ric"
    try:
        identity = rules.check_identity(
            kind, uscc=getattr(data, "uscc", None), ric=getattr(data, "ric", None), today=legal_today()
        )
    except IdentifierError as exc:
        raise identifier_problem(exc, field) from exc
    try:
        roles = rules.check_roles(kind, [str(r) for r in data.roles])
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_role") from exc
    existing = _existing_by_identity(session, identity, cipher)
    if existing is not None:
        raise Conflict(
            f"a subject with this {field.upper()} already exists (id {existing.id}): one identity, one subject",
            code="subject_exists",
            message_zh="该证件号码已登记为信用主体（一个身份只能对应一个主体）",
            errors=[{"field": field, "existing_id": existing.id}],
        )
    values = new_subject_values(
        identity,
        name=data.name,
        legal_form=str(getattr(data, "legal_form", None) or "") or None,
        legal_representative=getattr(data, "legal_representative", None),
        cipher=cipher,
    )
    subject = Subject(**values)
    subject.roles = [SubjectRole(role=str(r)) for r in roles]
    session.add(subject)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event(
            "subject.create",
            subject_id=subject.id,
            object_type="subject",
            object_id=subject.id,
            detail={"kind": subject.kind, "roles": [str(r) for r in roles], "warnings": list(identity.warnings)},
        ),
    )
    return subject


def get_subject(session: Session, subject_id: int) -> Subject:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该信用主体")
    return subject


def code_key(*, code: str, cipher: PiiCipher) -> tuple[Key, str]:
    """Which unique column a USCC or RIC is matched on, and the value (15-digit RICs converted)."""
    shape = classify_code(code)
    if shape == "uscc":
        return "uscc", normalise_code(code)
    if shape == "ric":
        try:
            ric = validate_ric(code)
        except IdentifierError as exc:
            raise identifier_problem(exc, "code") from exc
        return "ric_index", ric_index(cipher, ric)
    raise InvalidInput(
        f"{code!r} is neither a USCC (18 characters) nor a resident identity number",
        code="code_unrecognised",
        message_zh="既不是统一社会信用代码，也不是居民身份证号码",
    )


def _not_found() -> NotFound:
    return NotFound("no subject with this code", code="subject_not_found", message_zh="未找到该信用主体")


def find_by_code(session: Session, *, code: str, cipher: PiiCipher) -> Subject:
    """Exact lookup by USCC or RIC, as an ORM object (for changes)."""
    key, value = code_key(code=code, cipher=cipher)
    subject = session.scalar(select(Subject).where(getattr(Subject, key) == value))
    if subject is None:
        raise _not_found()
    return subject


def view_by_code(session: Session, *, code: str, cipher: PiiCipher) -> SubjectView:
    """Exact lookup by USCC or RIC, as a read model (the fast path)."""
    key, value = code_key(code=code, cipher=cipher)
    found = view_by(session, key, value)
    if found is None:
        raise _not_found()
    return found


def view_by_id(session: Session, subject_id: int) -> SubjectView:
    found = view_by(session, "id", subject_id)
    if found is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该信用主体")
    return found


def rename(subject: Subject, name: str) -> None:
    """Set the name and the search keys derived from it."""
    subject.name = name
    subject.name_norm = normalise_name(name)
    subject.name_core = core_name(subject.name_norm)


def update_subject(session: Session, *, actor: Actor, subject_id: int, patch: SubjectPatch) -> Subject:
    subject = get_subject(session, subject_id)
    kind = rules.Kind(subject.kind)
    changed: dict[str, object] = {}
    if patch.name is not None and patch.name != subject.name:
        changed["name"] = {"from": subject.name, "to": patch.name}
        rename(subject, patch.name)
    if kind is rules.Kind.legal:
        if patch.legal_form is not None and str(patch.legal_form) != subject.legal_form:
            changed["legal_form"] = {"from": subject.legal_form, "to": str(patch.legal_form)}
            subject.legal_form = str(patch.legal_form)
        if patch.legal_representative is not None and patch.legal_representative != subject.legal_representative:
            changed["legal_representative"] = {"from": subject.legal_representative, "to": patch.legal_representative}
            subject.legal_representative = patch.legal_representative
    elif patch.legal_form is not None or patch.legal_representative is not None:
        raise InvalidInput("a natural person has no legal form or legal representative", code="field_not_allowed")
    if patch.roles is not None:
        try:
            roles = [str(r) for r in rules.check_roles(kind, [str(r) for r in patch.roles])]
        except ValueError as exc:
            raise InvalidInput(str(exc), code="invalid_role") from exc
        if roles != subject.role_names:
            changed["roles"] = {"from": subject.role_names, "to": roles}
            keep = [r for r in subject.roles if r.role in roles]
            subject.roles = keep + [SubjectRole(role=r) for r in roles if r not in subject.role_names]
    if changed:
        subject.version += 1
        subject.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            audit.Event(
                "subject.update",
                subject_id=subject.id,
                object_type="subject",
                object_id=subject.id,
                fields=sorted(changed),
                detail={"changes": changed},
            ),
        )
    return subject


def disclosure(actor: Actor, subject: SubjectView, *, reveal_ric: bool) -> rules.Disclosure:
    """What of a subject's identity this actor sees whole: the permission to read it at all, and the
    masking policy (``security/masking.toml``) for the actor's role and stated purpose."""
    role, purpose = actor.role, actor.purpose
    return rules.disclosure_for(
        rules.Kind(subject.kind),
        is_self=actor.is_self(subject.id) and actor.can(Permission.self_read),
        can_read=actor.can(Permission.subjects_read),
        can_read_pii=actor.can(Permission.subjects_read_pii),
        purpose=actor.purpose,
        reveal_ric=reveal_ric,
        name_whole=masking.reveals(masking.Field.person_name, role=role, purpose=purpose),
        ric_whole=masking.reveals(masking.Field.ric, role=role, purpose=purpose),
    )


def present(
    session: Session,
    *,
    actor: Actor,
    subject: SubjectView | Subject,
    cipher: PiiCipher,
    reveal_ric: bool = False,
) -> SubjectOut:
    """The subject as this actor may see it; a read of personal data is audited."""
    if isinstance(subject, Subject):
        subject = view_of(subject)
    d = disclosure(actor, subject, reveal_ric=reveal_ric)
    masked: list[str] = []
    name = subject.name
    ric: str | None = subject.ric_masked
    if subject.kind == rules.Kind.natural:
        if not d.full_name:
            name, masked = masking.mask_person_name(subject.name), ["name"]
        if d.full_ric and subject.ric_cipher is not None:
            ric = cipher.decrypt(subject.ric_cipher, context=RIC_CONTEXT)
        else:
            masked.append("ric")
        if d.protected_fields:
            audit.record(
                session,
                actor,
                audit.Event(
                    "subject.read_personal",
                    subject_id=subject.id,
                    object_type="subject",
                    object_id=subject.id,
                    fields=d.protected_fields,
                ),
            )
    verification = None
    if d.verification:
        verification = VerificationOut(
            status=subject.verification_status, method=subject.verification_method, verified_at=subject.verified_at
        )
    return SubjectOut(
        id=subject.id,
        kind=subject.kind,
        name=name,
        legal_form=subject.legal_form,
        uscc=subject.uscc,
        ric=ric,
        division=subject.division,
        roles=subject.role_names,
        legal_representative=subject.legal_representative,
        verification=verification,
        identity_warnings=list(subject.identity_warnings or []) if d.verification else [],
        masked=masked,
        created_at=subject.created_at,
        updated_at=subject.updated_at,
    )


def summarise(session: Session, *, actor: Actor, subjects: Sequence[SubjectView]) -> list[SubjectSummary]:
    """Search-result rows; personal names in clear only for readers allowed them (audited)."""
    out: list[SubjectSummary] = []
    revealed: list[int] = []
    for s in subjects:
        d = disclosure(actor, s, reveal_ric=False)
        masked: list[str] = []
        name = s.name
        if s.kind == rules.Kind.natural:
            masked.append("ric")
            if d.full_name:
                revealed.append(s.id)
            else:
                name = masking.mask_person_name(s.name)
                masked.append("name")
        out.append(
            SubjectSummary(
                id=s.id,
                kind=s.kind,
                name=name,
                uscc=s.uscc,
                ric=s.ric_masked,
                legal_form=s.legal_form,
                division=s.division,
                roles=s.role_names,
                verification_status=s.verification_status if d.verification else None,
                masked=masked,
            )
        )
    if revealed:
        audit.record(
            session,
            actor,
            audit.Event(
                "subject.search_personal",
                object_type="subject",
                fields=["name"],
                detail={"subject_ids": revealed},
            ),
        )
    return out


def search(
    session: Session,
    *,
    actor: Actor,
    query: str,
    cipher: PiiCipher,
    kind: str | None = None,
    role: str | None = None,
    verification: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Search by code (exact) or by name; people are found by name only by readers allowed to
    see them, and only those readers may filter by verification status. The query is echoed back
    masked when it looks like a person's name, identity number or phone (``masking.echo_query``)."""
    echoed = masking.echo_query(query, role=actor.role, purpose=actor.purpose)
    if classify_code(query):
        try:
            found: list[SubjectView] = [view_by_code(session, code=query, cipher=cipher)]
        except (NotFound, InvalidInput):  # a code matching nothing is an empty result here
            found = []
        return SearchResult(query=echoed, matched_by="code", results=summarise(session, actor=actor, subjects=found))
    may_read = actor.can(Permission.subjects_read)
    names = may_read and masking.reveals(masking.Field.person_name, role=actor.role, purpose=actor.purpose)
    found = subject_search.search_names(
        session,
        query=query,
        include_natural=names,
        kind=kind,
        role=role,
        verification=verification if may_read else None,
        limit=limit,
    )
    return SearchResult(
        query=echoed, matched_by="name" if query else "none", results=summarise(session, actor=actor, subjects=found)
    )
