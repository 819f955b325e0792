"""The demo's objections (异议) and credit repairs (信用修复), made through the ordinary services and
workflows so the queue pages have something in every state: objections open with the credit
centre, forwarded to a department, overdue, decided (corrected, revoked, upheld); repair
applications under review and approved.

The demo merchant (login ``merchant-demo``) gets two penalties of its own to try the flows by hand:
one decided half a year ago (eligible for repair once it signs the repair commitment) and one a few
weeks old (to object to). Loading again adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from chengxin.db import Database, unit_of_work
from chengxin.demo.province import Province
from chengxin.domains.commitments import rules as commitment_rules
from chengxin.domains.commitments import service as commitments
from chengxin.domains.objections import service as objections
from chengxin.domains.objections.models import Objection
from chengxin.domains.objections.rules import Outcome
from chengxin.domains.records import service as records_service
from chengxin.domains.records.models import CreditRecord
from chengxin.domains.records.rules import Party, Submission
from chengxin.domains.repair import rules as repair_rules
from chengxin.domains.repair import service as repairs
from chengxin.domains.subjects.models import Subject
from chengxin.security.actor import Actor
from chengxin.security.crypto import PiiCipher
from chengxin.security.permissions import MATRIX, Role
from chengxin.workflows import objections as objection_workflow
from chengxin.workflows import repair as repair_workflow

REASONS = {
    "content_error": "处罚决定书载明的罚款金额与记录不一致，请予更正",
    "wrong_subject": "该记录的当事人并非本企业，系同名企业",
    "decision_changed": "该行政处罚决定已被行政复议机关撤销",
    "processing_error": "同一处罚决定在信用档案中重复显示",
}


@dataclass
class ObjectionsSummary:
    objections: int = 0
    decided: int = 0
    overdue: int = 0
    repairs: int = 0
    repaired: int = 0

    def line(self) -> str:
        return (
            f"objections: {self.objections} ({self.decided} decided, {self.overdue} overdue); "
            f"credit repair applications: {self.repairs} ({self.repaired} approved)"
        )


def _as_subject(subject_id: int) -> Actor:
    return Actor(role=Role.subject, label=f"demo:subject:{subject_id}", permissions=MATRIX[Role.subject],
                 subject_id=subject_id, purpose="demo")  # fmt: skip


def _as_department(org_id: int) -> Actor:
    return Actor(role=Role.department, label=f"demo:dept:{org_id}", permissions=MATRIX[Role.department],
                 organisation_id=org_id, purpose="demo")  # fmt: skip


def _merchant_penalties(db: Database, province: Province, *, org_ids: dict[str, int], actor: Actor,
                        cipher: PiiCipher, today: date) -> None:  # fmt: skip
    """The demo merchant's own two penalties (for trying objection and repair by hand)."""
    uscc = next((u.subject_ref for u in province.users if u.username == "merchant-demo"), None)
    market = org_ids.get("market_regulation") or next(iter(org_ids.values()))
    with unit_of_work(db) as s:
        subject_id = s.scalar(select(Subject.id).where(Subject.uscc == uscc)) if uscc else None
        if subject_id is None:
            return
        for key, days_ago, content in (("DEMO-R", 190, "罚款3000元"), ("DEMO-O", 20, "罚款8000元")):
            decided = today - timedelta(days=days_ago)
            sub = Submission(
                "admin_penalty", f"{key}-{subject_id}", decided, Party(subject_id=subject_id),
                document_no=f"宁市监罚〔{decided.year}〕{key}号",
                payload={"violation_type": "价格违法", "violation_facts": "网店促销页面标示的原价无交易记录",
                         "penalty_category": "罚款", "penalty_content": content, "legal_basis": "《价格法》第四十二条"},
            )  # fmt: skip
            records_service.submit(s, actor=_as_department(market), source_org_id=market, submissions=[sub],
                                   cipher=cipher)  # fmt: skip


def load_objections(
    db: Database, province: Province, *, org_ids: dict[str, int], actor: Actor, cipher: PiiCipher, today: date
) -> ObjectionsSummary:
    summary = ObjectionsSummary()
    with unit_of_work(db, readonly=True) as s:
        if (s.scalar(select(func.count()).select_from(Objection)) or 0) > 0:
            return summary  # loaded before
    _merchant_penalties(db, province, org_ids=org_ids, actor=actor, cipher=cipher, today=today)
    rng = random.Random(province.seed * 104729 + 3)
    merchant = next((u.subject_ref for u in province.users if u.username == "merchant-demo"), None)
    with unit_of_work(db, readonly=True) as s:
        candidates = [
            (r.id, r.subject_id, r.source_org_id, r.decided_on)
            for r in s.execute(
                select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.source_org_id, CreditRecord.decided_on)
                .join(Subject, Subject.id == CreditRecord.subject_id)
                .where(CreditRecord.is_current.is_(True), CreditRecord.status == "active",
                       CreditRecord.type_code == "admin_penalty", Subject.kind == "legal",
                       Subject.uscc != (merchant or ""))
                .order_by(CreditRecord.id)
            )
        ]  # fmt: skip
    rng.shuffle(candidates)
    by_subject: dict[int, tuple[int, int, int, date]] = {}
    for c in candidates:
        by_subject.setdefault(c[1], c)  # one record per subject
    chosen = list(by_subject.values())
    plans = [
        ("content_error", 3, None), ("content_error", 2, None), ("wrong_subject", 1, None),  # open
        ("content_error", 40, None), ("processing_error", 30, None),  # overdue
        ("content_error", 25, Outcome.corrected), ("decision_changed", 20, Outcome.revoked),
        ("wrong_subject", 15, Outcome.upheld),
    ]  # fmt: skip
    for (kind, days_ago, outcome), (record_id, subject_id, source_org_id, _) in zip(plans, chosen, strict=False):
        with unit_of_work(db) as s:
            filing = objections.Filing(record_id=record_id, reason_kind=kind, reasons=REASONS[kind])
            obj = objections.file_objection(s, actor=_as_subject(subject_id), filing=filing,
                                            today=today - timedelta(days=days_ago))  # fmt: skip
            summary.objections += 1
            if outcome is None:
                summary.overdue += days_ago >= 30
                continue
            decider = _as_department(source_org_id) if obj.status == "forwarded" else actor
            correction = {"payload": {"penalty_content": "罚款1000元"}} if outcome is Outcome.corrected else None
            reasons = {Outcome.corrected: "经核实，罚款金额应为1000元，予以更正",
                       Outcome.revoked: "原处罚决定已被撤销，记录予以撤销",
                       Outcome.upheld: "经核实，记录主体与处罚决定书一致，维持原记录"}[outcome]  # fmt: skip
            objection_workflow.decide(s, actor=decider, objection_id=obj.id, cipher=cipher,
                                      decision=objections.Decision(outcome, reasons, correction))  # fmt: skip
            summary.decided += 1
    _load_repairs(db, chosen[len(plans) :], actor=actor, cipher=cipher, today=today, summary=summary)
    return summary


def _load_repairs(
    db: Database,
    candidates: list[tuple[int, int, int, date]],
    *,
    actor: Actor,
    cipher: PiiCipher,
    today: date,
    summary: ObjectionsSummary,
) -> None:
    """Repairs for subjects whose penalty is eligible: two under review, two approved."""
    policy = repair_rules.default_policy()
    done = 0
    for record_id, subject_id, source_org_id, _ in candidates:
        if done >= 4:
            return
        with unit_of_work(db) as s:
            rec = s.get(CreditRecord, record_id)
            assert rec is not None
            elig = repair_rules.eligibility(policy, repairs.facts(rec), repairs.history(s, subject_id), today)
            if not elig.eligible or elig.decider is None:
                continue
            subject = s.get(Subject, subject_id)
            assert subject is not None
            if (
                commitments.active_commitment(s, subject_id=subject_id, template_code=policy.commitment_template)
                is None
            ):
                commitments.make_commitment(
                    s, actor=actor, subject=subject, template_code=policy.commitment_template,
                    channel=commitment_rules.Channel.online, signatory=subject.legal_representative or subject.name,
                    signed_on=today - timedelta(days=10), submitter_role="credit_centre", cipher=cipher,
                    source_org_id=commitments.credit_centre_org_id(s, actor=actor),
                )  # fmt: skip
            evidence = tuple((k, "缴款凭证及整改报告（演示）") for k in elig.evidence)
            statement = "已足额缴纳罚款，完成整改并开展合规培训"
            application = repairs.Application(record_id, statement, evidence)
            applied_on = today - timedelta(days=3)
            app = repairs.apply(s, actor=_as_subject(subject_id), today=applied_on, application=application)
            summary.repairs += 1
            if done >= 2:
                decider = _as_department(source_org_id) if app.decider == "source" else actor
                repair_workflow.decide(s, actor=decider, application_id=app.id, approve=True,
                                       reasons="已履行法定义务，符合信用修复条件，同意修复")  # fmt: skip
                summary.repaired += 1
            done += 1
