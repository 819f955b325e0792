"""Imports every model so ``Base.metadata`` is complete (Alembic and tests use it)."""

from chengxin.db import Base
from chengxin.domains.accounts.models import ApiToken, Organisation, User, WebSession
from chengxin.domains.catalog.models import CatalogVersion
from chengxin.domains.commitments.models import Commitment, CommitmentBreach
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.verification.models import IdentityVerification, RegistryEntry
from chengxin.events import OutboxEvent
from chengxin.jobs import JobRun
from chengxin.security.audit import AuditEntry

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "CatalogVersion",
    "Commitment",
    "CommitmentBreach",
    "CreditRecord",
    "IdentityVerification",
    "JobRun",
    "Organisation",
    "OutboxEvent",
    "RegistryEntry",
    "Subject",
    "SubjectRole",
    "UnmatchedRecord",
    "User",
    "WebSession",
]
