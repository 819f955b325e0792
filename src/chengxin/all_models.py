"""Imports every model so ``Base.metadata`` is complete (Alembic and tests use it)."""

from chengxin.db import Base
from chengxin.domains.accounts.models import ApiToken, Organisation, User, WebSession
from chengxin.domains.subjects.models import Subject, SubjectRole
from chengxin.domains.verification.models import IdentityVerification, RegistryEntry
from chengxin.security.audit import AuditEntry

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "IdentityVerification",
    "Organisation",
    "RegistryEntry",
    "Subject",
    "SubjectRole",
    "User",
    "WebSession",
]
