"""The credit-file benchmark: a subject's public page and its file API with 500 records each.

Set-up (not measured): ``SUBJECTS`` legal subjects of the loaded data set get ``RECORDS_PER_SUBJECT``
records each — penalties, licences, platform-reported misconduct, honours, decided over the last 80
days so that all are public — submitted in batches through the records service, as a department
and a platform would. Then, on a fresh server, anonymous ``GET /subjects/{id}`` (the HTML page) and
``GET /api/v1/subjects/{id}/file`` alternate at a fixed open-loop rate; each answer is checked to
hold all the subject's records.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta

from common import Target, chengxin_settings, log
from dataset import Probe
from http_client import Reply
from http_load import Sample, check_status

FILE_TARGET_P95_MS = 100.0
RECORDS_PER_SUBJECT = 500
SUBJECTS = 20
SOURCE_DEPARTMENT = "基准测试市场监督管理局"
SOURCE_PLATFORM = "基准测试电商平台"
_ROW = re.compile(r'<tr class="status-')


def _submissions(subject_id: int, rng: random.Random, today: date) -> tuple[list, list]:  # type: ignore[type-arg]
    from chengxin.domains.records.rules import Party, Submission

    dept, plat = [], []
    party = Party(subject_id=subject_id)
    for i in range(RECORDS_PER_SUBJECT):
        decided = today - timedelta(days=rng.randrange(1, 80))  # inside every period: all public
        key = f"bench-{subject_id}-{i}"
        kind = i % 10
        if kind < 5:
            category = rng.choice(["警告", "罚款", "罚款；没收违法所得"])
            dept.append(Submission("admin_penalty", key, decided, party, document_no=f"基准罚〔{decided.year}〕{i}号",
                                   payload={"violation_facts": "销售不符合标准的商品，数量较大" * 2,
                                            "penalty_category": category, "penalty_content": f"{category}人民币{i}元",
                                            "fine_wan": round(i / 100, 2)}))  # fmt: skip
        elif kind < 8:
            dept.append(Submission("admin_licence", key, decided, party, document_no=f"基准许〔{decided.year}〕{i}号",
                                   payload={"licence_category": "普通", "licence_content": "食品经营（网络经营）"},
                                   valid_to=decided + timedelta(days=1825)))  # fmt: skip
        elif kind == 8:
            finding = {"platform": SOURCE_PLATFORM, "finding": "商品与描述不符，消费者投诉属实"}
            plat.append(Submission("item_not_as_described", key, decided, party, payload=finding))
        else:
            honour = {"title": "守合同重信用企业", "awarded_by": SOURCE_DEPARTMENT}
            dept.append(Submission("commendation", key, decided, party, payload=honour))
    return dept, plat


def prepare(target: Target) -> list[int]:
    """Give ``SUBJECTS`` subjects their records (idempotent: a second run finds them unchanged)."""
    from sqlalchemy import select

    from chengxin.db import open_database, unit_of_work
    from chengxin.domains.accounts import service as accounts
    from chengxin.domains.records import service as records
    from chengxin.domains.subjects.models import Subject
    from chengxin.security.actor import cli_actor
    from chengxin.security.crypto import cipher

    settings = chengxin_settings(target)
    db = open_database(settings.effective_database_url())
    pii = cipher(settings)
    actor = cli_actor("bench")
    today = records.legal_today()
    with unit_of_work(db) as s:
        ids = list(s.scalars(select(Subject.id).where(Subject.uscc.is_not(None)).order_by(Subject.id).limit(SUBJECTS)))
        orgs = {}
        for kind, name in (("department", SOURCE_DEPARTMENT), ("platform", SOURCE_PLATFORM)):
            org = accounts.find_organisation(s, name) or accounts.create_organisation(s, actor=actor, kind=kind,
                                                                                    name=name)  # fmt: skip
            orgs[kind] = org.id
    rng = random.Random(31)
    created = 0
    for sid in ids:
        dept, plat = _submissions(sid, rng, today)
        for org, subs in ((orgs["department"], dept), (orgs["platform"], plat)):
            role_actor = cli_actor("bench")
            with unit_of_work(db) as s:
                counts = records.submit(s, actor=role_actor, source_org_id=org, submissions=subs, cipher=pii,
                                        via="bench")  # fmt: skip
            if counts.rejected:
                raise RuntimeError(f"bench records rejected: {counts.outcomes[:3]}")
            created += counts.created
    db.dispose()
    log(f"{target.engine}: credit-file set-up — {len(ids)} subjects × {RECORDS_PER_SUBJECT} records "
        f"({created:,} created now)")
    return ids


def probes(ids: list[int], count: int, *, seed: int = 13) -> list[Probe]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        sid = rng.choice(ids)
        if i % 2:
            out.append(Probe(f"/api/v1/subjects/{sid}/file", 200, "api"))
        else:
            out.append(Probe(f"/subjects/{sid}", 200, "page"))
    return out


def check_file(probe: Probe, reply: Reply) -> Sample:
    """200, and every one of the subject's records in the answer."""
    sample = check_status(probe, reply)
    if not sample.ok:
        return sample
    if probe.tag == "api":
        try:
            body = json.loads(reply.body)
            sample.results = sum(len(g["records"]) for g in body["groups"])
        except (ValueError, KeyError, TypeError):
            sample.ok = False
            return sample
    else:
        sample.results = len(_ROW.findall(reply.body.decode("utf-8", "replace")))
    sample.ok = sample.results >= RECORDS_PER_SUBJECT  # its own 500, and any other record it may have
    return sample
