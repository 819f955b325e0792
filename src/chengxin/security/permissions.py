"""Roles and the permission matrix — the one place that says who may do what.

Default deny: a route that does not declare a permission does not start (see ``app.py``),
and a role holds exactly the permissions listed here, nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    public = "public"  # anyone, not logged in (公众)
    subject = "subject"  # self-service for one subject (信用主体本人)
    platform = "platform"  # an e-commerce platform operator (平台)
    department = "department"  # a regulator or other public body (部门)
    credit_centre = "credit_centre"  # the operator, administrators (信用中心)
    auditor = "auditor"  # reviews logs and the audit chain (审计)


class Permission(StrEnum):
    public_read = "public:read"  # public search, public profiles, health
    self_read = "self:read"  # a subject reads its own file, unmasked
    subjects_read = "subjects:read"  # non-public attributes; natural persons' full names
    subjects_read_pii = "subjects:read_pii"  # unmasked identity numbers (with a purpose)
    subjects_create = "subjects:create"
    subjects_update = "subjects:update"
    subjects_import = "subjects:import"
    verification_run = "verification:run"  # identity verification (实名核验)
    registry_import = "registry:import"  # load the authoritative registry
    accounts_manage = "accounts:manage"  # organisations, users, tokens
    catalog_manage = "catalog:manage"  # edit the information catalog (信用信息目录)
    records_submit = "records:submit"  # submit credit records (API, single and batch)
    records_import = "records:import"  # import record files (双公示 sheets)
    records_read = "records:read"  # records shared among departments (政务共享) and record history
    records_read_restricted = "records:read_restricted"  # restricted records (授权查询), with a purpose
    records_revoke = "records:revoke"  # revoke a record at its source's request
    records_reconcile = "records:reconcile"  # the unmatched queue (待匹配)
    records_expire = "records:expire"  # run the publicity job
    commitments_sign = "commitments:sign"  # a subject signs a commitment online
    commitments_record = "commitments:record"  # a department records a paper commitment
    commitments_breach = "commitments:breach"  # a department records a breach (违诺)
    objections_file = "objections:file"  # object to a record (the subject; the credit centre for it)
    objections_read = "objections:read"  # the objection queues (each sees its own)
    objections_decide = "objections:decide"  # forward and decide objections (centre; the record's source)
    repair_apply = "repair:apply"  # see eligibility and apply for credit repair (the subject; the centre for it)
    repair_read = "repair:read"  # the repair queues (each sees its own)
    repair_decide = "repair:decide"  # decide repair applications (the record's source or the centre)
    attachments_upload = "attachments:upload"  # upload materials (the subject for itself; the centre for it)
    attachments_read = "attachments:read"  # read materials (each sees what it may: see attachments/service.py)
    market_import = "market:import"  # send marketplace data (batch API; the CLI is the operator's)
    ratings_report = "ratings:report"  # a platform reports rating changes, replies and malicious-review flags
    inspections_plan = "inspections:plan"  # the roster, conflicts of interest, drawing and publishing plans
    inspections_record = "inspections:record"  # record inspection results (a failure becomes a record)
    evaluations_read = "evaluations:read"  # any subject's score, grade and explanation (read audited)
    evaluations_model = "evaluations:model"  # try a candidate scoring model on current data (what-if; writes nothing)
    complaints_submit = "complaints:submit"  # send consumer complaints and their handling (投诉数据)
    notices_issue = "notices:issue"  # issue notices and warnings to platforms and logistics companies
    notices_answer = "notices:answer"  # a platform or logistics company answers the notices it received
    checks_run = "checks:run"  # run checks (自动比对、自动拦截) and record whether the measures were applied
    checks_stats = "checks:stats"  # implementation statistics of the measures per organisation
    warnings_push = "warnings:push"  # push and lift consumer warnings (消费警示) about one's own serious listings
    lists_review = "lists:review"  # propose, review, notify and publish listings; decide objections to them
    assessments_run = "assessments:run"  # compute, review and publish the platform and logistics assessments
    detection_load = "detection:load"  # load detection findings into the review queue (监测线索)
    detection_read = "detection:read"  # the review queue: cases, their findings and evidence graphs
    detection_review = "detection:review"  # confirm (credit records follow) or dismiss review cases
    queries_run = "queries:run"  # authorised queries (授权查询) of non-public and personal information, with a purpose
    authorisations_record = "authorisations:record"  # record a subject's consent obtained by one's organisation
    queries_review = "queries:review"  # the query log, abuse alerts and token suspension (日志审查)
    reports_issue = "reports:issue"  # credit reports (信用报告) of any subject: public and third-party versions
    audit_read = "audit:read"
    audit_verify = "audit:verify"
    ops_metrics = "ops:metrics"


P = Permission

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.public: frozenset({P.public_read}),
    Role.subject: frozenset(
        {
            P.public_read,
            P.self_read,
            P.commitments_sign,
            P.objections_file,
            P.objections_read,
            P.repair_apply,
            P.repair_read,
            P.attachments_upload,
            P.attachments_read,
        }
    ),
    Role.platform: frozenset(
        {
            P.public_read,
            P.subjects_read,
            P.subjects_create,
            P.verification_run,
            P.records_submit,
            P.market_import,
            P.ratings_report,
            P.complaints_submit,
            P.notices_answer,
            P.checks_run,
            P.queries_run,
            P.authorisations_record,
        }
    ),
    Role.department: frozenset(
        {
            P.public_read,
            P.subjects_read,
            P.subjects_read_pii,
            P.subjects_create,
            P.subjects_update,
            P.subjects_import,
            P.verification_run,
            P.records_submit,
            P.records_import,
            P.records_read,
            P.records_read_restricted,
            P.records_revoke,
            P.evaluations_read,
            P.inspections_plan,
            P.inspections_record,
            P.complaints_submit,
            P.notices_issue,
            P.lists_review,
            P.warnings_push,
            P.checks_run,
            P.checks_stats,
            P.detection_read,
            P.detection_review,
            P.commitments_record,
            P.commitments_breach,
            P.objections_read,
            P.objections_decide,
            P.repair_read,
            P.repair_decide,
            P.attachments_read,
            P.queries_run,
            P.authorisations_record,
            P.reports_issue,
        }
    ),
    Role.credit_centre: frozenset(set(Permission) - {P.self_read}),
    Role.auditor: frozenset(
        {
            P.public_read,
            P.subjects_read,
            P.records_read,
            P.objections_read,
            P.repair_read,
            P.attachments_read,
            P.evaluations_read,
            P.checks_stats,
            P.detection_read,
            P.audit_read,
            P.audit_verify,
            P.queries_review,
            P.ops_metrics,
        }
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]


def parse_scopes(role: Role, scopes: list[str] | None) -> frozenset[Permission]:
    """Scopes of a token: a subset of its role's permissions (all of them when none given)."""
    granted = MATRIX[role]
    if not scopes:
        return granted
    wanted = frozenset(Permission(s) for s in scopes)
    extra = wanted - granted
    if extra:
        names = ", ".join(sorted(extra))
        raise ValueError(f"role {role} cannot hold scopes: {names}")
    return wanted
