"""Imports every model so ``Base.metadata`` is complete (Alembic and tests use it)."""

from chengxin.db import Base
from chengxin.domains.accounts.models import ApiToken, Organisation, User, WebSession
from chengxin.domains.assessments.models import Assessment, Complaint, PlatformNotice
from chengxin.domains.attachments.models import Attachment, AttachmentLink
from chengxin.domains.calendar.models import CalendarDay, CalendarYear
from chengxin.domains.catalog.models import CatalogVersion
from chengxin.domains.checks.models import Check, MeasureFeedback
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.detection.models import DetectionRun, Finding, ReviewCase
from chengxin.domains.evaluation.models import Evaluation, EvaluationState, GradeChange
from chengxin.domains.inspections.models import InspectionPlan, InspectionTask, Inspector, InspectorConflict
from chengxin.domains.lists.models import ConsumerWarning, EscalationTask, ListEntry, Rectification
from chengxin.domains.market.models import (
    AccountLink,
    Item,
    MarketAccount,
    Order,
    PricePoint,
    TrackingEvent,
    TrafficEvent,
    Waybill,
)
from chengxin.domains.notifications.models import Notification
from chengxin.domains.objections.models import Objection
from chengxin.domains.queries.models import QueryAlert, QueryAuthorisation, QueryRecord
from chengxin.domains.ratings.models import CreditPoints, Rating, RatingChain, RatingFlag, RatingReply
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.repair.models import RepairApplication
from chengxin.domains.reports.models import IssuedReport, ReportKey
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.verification.models import IdentityVerification, RegistryEntry
from chengxin.events import OutboxEvent
from chengxin.jobs import JobRun
from chengxin.security.audit import AuditEntry

__all__ = [
    "AccountLink",
    "ApiToken",
    "Assessment",
    "Attachment",
    "AttachmentLink",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CatalogVersion",
    "Check",
    "Commitment",
    "ConsumerWarning",
    "CommitmentBreach",
    "Complaint",
    "CreditPoints",
    "CreditRecord",
    "DetectionRun",
    "EscalationTask",
    "Evaluation",
    "EvaluationState",
    "Finding",
    "GradeChange",
    "IdentityVerification",
    "InspectionPlan",
    "InspectionTask",
    "Inspector",
    "InspectorConflict",
    "IssuedReport",
    "Item",
    "JobRun",
    "ListEntry",
    "MarketAccount",
    "MeasureFeedback",
    "Notification",
    "Objection",
    "Order",
    "Organisation",
    "PlatformNotice",
    "OutboxEvent",
    "PricePoint",
    "QueryAlert",
    "QueryAuthorisation",
    "QueryRecord",
    "Rating",
    "RatingChain",
    "RatingFlag",
    "RatingReply",
    "Rectification",
    "RegistryEntry",
    "RepairApplication",
    "ReportKey",
    "ReviewCase",
    "Subject",
    "SubjectRole",
    "TrackingEvent",
    "TrafficEvent",
    "UnmatchedRecord",
    "User",
    "Waybill",
    "WebSession",
]
