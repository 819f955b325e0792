"""Assembling a report's content at its point in time: identity (masked per kind), grade with its
explanation, records by kind per the disclosure rules, lists, commitments and, for merchants, their shops'
transaction credit. Other domains are reached through their services; nothing here writes but the audit
entries those services write for reads of personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.domains.catalog import service as catalog_service
from chengxin.domains.commitments import service as commitment_service
from chengxin.domains.evaluation import facts as evaluation_facts
from chengxin.domains.evaluation import service as evaluation_service
from chengxin.domains.evaluation.scoring import evaluate
from chengxin.domains.lists import service as list_service
from chengxin.domains.lists.rules import STATUS_ZH as LIST_STATUS_ZH
from chengxin.domains.ratings import rules as rating_rules
from chengxin.domains.ratings import service as rating_service
from chengxin.domains.records import files
from chengxin.domains.records import rules as record_rules
from chengxin.domains.reports.rules import KIND_ZH, Kind, KindPolicy
from chengxin.domains.reports.schemas import (
    CommitmentPart,
    ContributionPart,
    GradePart,
    IdentityPart,
    ListPart,
    RecordGroupPart,
    RecordPart,
    ReportContent,
    ShopPart,
)
from chengxin.domains.subjects.service import RIC_CONTEXT
from chengxin.domains.subjects.views import SubjectView
from chengxin.errors import NotFound
from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.masking import Field, mask, reveals
from chengxin.security.permissions import Role

_MASKED = KindPolicy(
    title="", records="public", identity="masked", grade=False, lists=(), commitments=False, transaction_credit=False
)  # the identity of a report whose admission does not cover it
VIEWERS = {"self": record_rules.Viewer.self, "full": record_rules.Viewer.full, "public": record_rules.Viewer.public}
CONTENT_KEYS = ("penalty_content", "licence_content", "finding", "title", "obligation", "violation_facts")
TOP_REASONS = 10  # single reasons a report lists one by one (the rest counted per indicator)
VERIFICATION_ZH = {
    "verified": "已实名核验",
    "mismatch": "核验不一致",
    "not_found": "登记库无记录",
    "unverified": "未核验",
}


def identity(view: SubjectView, policy: KindPolicy, *, actor: Actor, purpose: str | None, cipher: PiiCipher
             ) -> IdentityPart:  # fmt: skip
    """The subject's identity as this kind of report shows it (脱敏 by ``security.masking``)."""
    name, ric, masked = view.name, None, []
    if view.kind == "natural":
        own = policy.identity == "own"
        role = Role(actor.role) if policy.identity == "policy" else Role.public
        if not (own or reveals(Field.person_name, role=role, purpose=purpose)):
            name, masked = mask(Field.person_name, view.name) or "", ["name"]
        if (own or reveals(Field.ric, role=role, purpose=purpose)) and view.ric_cipher is not None:
            ric = cipher.decrypt(view.ric_cipher, context=RIC_CONTEXT)
        else:
            ric = view.ric_masked
            masked.append("ric")
    return IdentityPart(
        kind=view.kind,
        name=name,
        uscc=view.uscc,
        ric=ric,
        legal_form=view.legal_form,
        legal_representative=view.legal_representative,
        division=view.division,
        roles=list(view.role_names),
        verification=VERIFICATION_ZH.get(view.verification_status, view.verification_status),
        masked=masked,
    )


def grade(session: Session, subject_id: int, on: date) -> GradePart:
    """The evaluation on the report's day with its explanation (PIPL §24: why this grade)."""
    # ``evaluation_service.explain`` without the what-if analysis (one re-scoring per negative record: a
    # report shows why the grade is what it is, not what repairing each record would change)
    catalog = catalog_service.active_catalog(session)
    found = evaluation_facts.subject_facts(session, subject_id, catalog, on, rating_rules.load_rules())
    if found is None:
        raise NotFound(f"no subject with id {subject_id}", code="subject_not_found", message_zh="未找到该信用主体")
    model = evaluation_service.current_models(session, catalog=catalog)[found.model_kind]
    result = evaluate(model, found, on, what_if=False)
    data = result.as_dict()
    contributions = sorted(data["contributions"], key=lambda c: -abs(c["effect"]))
    indicators: dict[str, tuple[int, float]] = {}
    for c in contributions:
        n, total = indicators.get(c["indicator_name"], (0, 0.0))
        indicators[c["indicator_name"]] = (n + 1, total + c["effect"])
    return GradePart(
        grade=result.grade,
        grade_label=result.grade_label,
        score=round(result.score, 2),
        model_version=result.model,
        as_of=on,
        dimensions=[(d["name"], d["points"], d["effect"]) for d in data["dimensions"]],
        indicators=[(name, n, round(total, 4)) for name, (n, total) in indicators.items()],
        contributions=[ContributionPart(indicator_name=c["indicator_name"], effect=c["effect"], why=c["why"])
                       for c in contributions[:TOP_REASONS]],
        more_reasons=max(len(contributions) - TOP_REASONS, 0),
    )  # fmt: skip


def records(
    session: Session, subject_id: int, policy: KindPolicy, on: date, *, fields: Sequence[str] | None = None
) -> list[RecordGroupPart]:
    """The records this kind shows; ``fields``: the kinds of information an admitted third party may have
    (restricted records only if they include ``restricted``)."""
    viewer = VIEWERS[policy.records]
    if viewer is record_rules.Viewer.full and fields is not None and "restricted" not in fields:
        viewer = record_rules.Viewer.departments
    rows = files.visible_records(session, subject_id=subject_id, viewer=viewer, today=on)
    if policy.records == "full":  # a third party sees live records only: repaired, expired … are not shared
        rows = [r for r in rows if r.status in {str(s) for s in record_rules.LIVE}]
    catalog = catalog_service.active_catalog(session)
    sources = files.source_names(session, {r.source_org_id for r in rows})
    out = [files.present(r, catalog=catalog, sources=sources, today=on) for r in rows]
    groups = []
    for g in files.group(out):
        parts = [
            RecordPart(
                type_name=r.type_name,
                decided_on=r.decided_on,
                document_no=r.document_no,
                content=_content(r.payload),
                severity_zh=r.severity_zh,
                source=r.source.name,
                publicity_until=r.publicity_until,
                status_zh=r.status_zh,
                public=r.public,
            )
            for r in g.records
        ]
        groups.append(RecordGroupPart(category_zh=g.category_zh, polarity=g.polarity, records=parts))
    return groups


def _content(payload: dict[str, Any] | None) -> str:
    payload = payload or {}
    return next((str(payload[k]) for k in CONTENT_KEYS if payload.get(k)), "—")


def lists(session: Session, subject_id: int, policy: KindPolicy) -> list[ListPart]:
    out = []
    for e in list_service.for_subject(session, subject_id):
        if e.status in policy.lists:
            out.append(ListPart(list_zh=list_service.KIND_ZH.get(e.list_kind, e.list_kind),
                                status_zh=LIST_STATUS_ZH.get(e.status, e.status),
                                reasons=[str(b.get("criterion", "")) for b in e.basis],
                                published_on=e.published_on, ends_on=e.ends_on))  # fmt: skip
    return out


def commitments(session: Session, subject_id: int, reader: Actor) -> list[CommitmentPart]:
    found = commitment_service.list_for_subject(session, actor=reader, subject_id=subject_id)
    return [CommitmentPart(title=c.title, signed_on=c.signed_on, status_zh=c.status_zh, breaches=len(c.breaches))
            for c in found]  # fmt: skip


def shops(session: Session, subject_id: int, on: date) -> list[ShopPart]:
    policy = rating_rules.load_rules()
    out = []
    for shop in rating_service.shops_of_subject(session, subject_id, policy):
        credit = rating_service.account_credit(session, shop.account_id, "seller", on, policy)
        rate = credit.positive_rate
        out.append(ShopPart(account_id=shop.account_id, platform_id=shop.platform_id, points=shop.points,
                            level=shop.level.label_zh, positive_rate=None if rate is None else round(rate, 4),
                            ratings=credit.good + credit.neutral + credit.bad))  # fmt: skip
    return out


def assemble(
    session: Session,
    *,
    view: SubjectView,
    kind: Kind,
    policy: KindPolicy,
    actor: Actor,
    cipher: PiiCipher,
    number: str,
    issued_at: datetime,
    valid_until: datetime,
    on: date,
    requester: str,
    purpose: str | None,
    verify_url: str,
    key_id: str,
    purpose_zh: str | None = None,
    authorisation_id: int | None = None,
    authorisation_ref: str | None = None,
    legal_basis: str | None = None,
    fields: Sequence[str] | None = None,
) -> ReportContent:
    """The whole content of one report; a third party's as far as its admission (``fields``) goes."""
    reader = ANONYMOUS if policy.records == "public" else actor
    groups = records(session, view.id, policy, on, fields=fields)
    counts: dict[str, int] = {}
    for g in groups:
        counts[g.polarity] = counts.get(g.polarity, 0) + len(g.records)
    return ReportContent(
        number=number,
        kind=kind,
        kind_zh=KIND_ZH[kind],
        title=policy.title,
        issued_at=issued_at,
        valid_until=valid_until,
        as_of=on,
        requester=requester,
        purpose=purpose_zh or purpose,
        authorisation_id=authorisation_id,
        authorisation_ref=authorisation_ref,
        legal_basis=legal_basis,
        verify_url=verify_url,
        key_id=key_id,
        subject_id=view.id,
        identity=identity(
            view,
            policy if fields is None or "identity" in fields else _MASKED,
            actor=actor,
            purpose=purpose,
            cipher=cipher,
        ),
        grade=grade(session, view.id, on) if policy.grade else None,
        record_counts=counts,
        groups=groups,
        lists=lists(session, view.id, policy),
        commitments=commitments(session, view.id, reader) if policy.commitments else None,
        shops=shops(session, view.id, on) if policy.transaction_credit else None,
    )
