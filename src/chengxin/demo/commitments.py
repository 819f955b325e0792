"""The demo's credit commitments (信用承诺): merchants, platforms and logistics firms sign the
standard commitments — on paper before the market or postal regulator, or online — and a few are
later found broken (违诺), which puts a negative record in the subject's file.

Deterministic for a province's seed and a date; loading again adds nothing (a subject signs a
template once).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from chengxin.db import Database, unit_of_work
from chengxin.demo.province import Province
from chengxin.domains.commitments import rules as commitment_rules
from chengxin.domains.commitments import service as commitments
from chengxin.domains.commitments.models import Commitment
from chengxin.domains.subjects.models import Subject
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import MATRIX, Role

MERCHANT_TEMPLATES = ("price_integrity", "product_quality", "seven_day_returns", "advance_compensation")
BREACH_FINDINGS = {
    "price_integrity": "促销活动中先提价后打折，违反明码标价承诺",
    "product_quality": "监督抽查发现所售商品质量不合格，违反产品质量承诺",
    "seven_day_returns": "拒绝为消费者办理七日无理由退货",
    "advance_compensation": "消费者投诉属实后拒不先行赔付",
    "delivery_safety": "未按规定实名收寄并验视内件",
    "platform_responsibility": "未对平台内经营者资质进行核验登记",
    "law_abiding": "承诺后仍发生同类违法行为",
}


@dataclass(frozen=True)
class CommitmentSpec:
    uscc: str
    template: str
    channel: str  # online | paper
    signed_on: date
    recorder: str | None  # department key for paper commitments
    breach_on: date | None = None


@dataclass
class CommitmentsSummary:
    signed: int = 0
    existing: int = 0
    breached: int = 0

    def line(self) -> str:
        return f"credit commitments: signed {self.signed} (already there {self.existing}), found broken {self.breached}"


def generate_commitments(province: Province, *, today: date) -> list[CommitmentSpec]:
    rng = random.Random(province.seed * 7919 + 17)
    out: list[CommitmentSpec] = []
    merchant_login = next((u.subject_ref for u in province.users if u.username == "merchant-demo"), None)
    for s in province.legal_subjects:
        chosen: list[tuple[str, str, str | None]] = []
        if "platform_operator" in s.roles:
            chosen += [("platform_responsibility", "online", None), ("seven_day_returns", "online", None)]
        if "logistics_company" in s.roles and rng.random() < 0.5:
            chosen.append(("delivery_safety", "paper", "postal"))
        if "merchant" in s.roles and rng.random() < 0.15:
            chosen.append((rng.choice(MERCHANT_TEMPLATES), "paper", "market_regulation"))
        if s.uscc == merchant_login:
            chosen.append(("law_abiding", "online", None))
        for template, channel, recorder in chosen:
            signed_on = today - timedelta(days=rng.randrange(30, 720))
            breach_on = None
            if rng.random() < 0.08 and template in BREACH_FINDINGS and s.uscc != merchant_login:
                breach_on = signed_on + timedelta(days=rng.randrange(1, (today - signed_on).days))
            out.append(CommitmentSpec(s.uscc, template, channel, signed_on, recorder, breach_on))
    return out


def _department_actor(org_id: int, key: str) -> Actor:
    return Actor(role=Role.department, label=f"demo:{key}", permissions=MATRIX[Role.department],
                 organisation_id=org_id, purpose="demo")  # fmt: skip


def load_commitments(
    db: Database,
    province: Province,
    *,
    org_ids: dict[str, int],
    actor: Actor,
    cipher: PiiCipher,
    today: date,
) -> CommitmentsSummary:
    summary = CommitmentsSummary()
    specs = generate_commitments(province, today=today)
    with unit_of_work(db) as s:
        ids = dict(s.execute(select(Subject.uscc, Subject.id).where(Subject.uscc.in_({c.uscc for c in specs}))).all())
        held = set(s.execute(select(Commitment.subject_id, Commitment.template_code)).all())
        credit_centre = commitments.credit_centre_org_id(s, actor=actor)
        for c in specs:
            subject_id = ids.get(c.uscc)
            if subject_id is None:
                continue
            if (subject_id, c.template) in held:
                summary.existing += 1
                continue
            subject = s.get(Subject, subject_id)
            assert subject is not None
            recorder = _department_actor(org_ids[c.recorder], c.recorder) if c.recorder else actor
            made = commitments.make_commitment(
                s,
                actor=recorder,
                subject=subject,
                template_code=c.template,
                channel=commitment_rules.Channel(c.channel),
                signatory=subject.legal_representative or subject.name,
                signed_on=c.signed_on,
                source_org_id=org_ids[c.recorder] if c.recorder else credit_centre,
                submitter_role="department" if c.recorder else "credit_centre",
                cipher=cipher,
            )
            summary.signed += 1
            if c.breach_on is not None:
                finder = _department_actor(
                    org_ids[c.recorder or "market_regulation"], c.recorder or "market_regulation"
                )
                commitments.record_breach(
                    s, actor=finder, commitment_id=made.id, finding=BREACH_FINDINGS[c.template], found_on=c.breach_on,
                    cipher=cipher,
                )  # fmt: skip
                summary.breached += 1
    return summary
