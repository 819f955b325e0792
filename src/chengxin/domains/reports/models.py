"""Issued credit reports (信用报告登记) and the keys that signed them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, Code, UTCDateTime, utcnow


class IssuedReport(Base):
    """One issued report: who asked for which subject's report, of which kind, why (a third-party report: the
    purpose, the authorisation or legal basis, and its query register row), when and until when; the
    SHA-256 of the signed PDF as delivered. The content (personal data) and the PDF are kept encrypted
    (``PiiCipher``), so the same document can be downloaded again."""

    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(Code(32), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(Code(12))  # self | public | third_party
    purpose: Mapped[str | None] = mapped_column(String(200))  # third_party: a query purpose's code (hiring …)
    authorisation_id: Mapped[int | None] = mapped_column(Integer)  # the query authorisation relied on (查询授权)
    authorisation_ref: Mapped[str | None] = mapped_column(String(120))  # its signed consent's reference
    legal_basis: Mapped[str | None] = mapped_column(String(200))  # or the legal basis a department stated
    query_id: Mapped[int | None] = mapped_column(Integer)  # its row in the query register (查询登记)
    requester: Mapped[str] = mapped_column(String(120))  # the actor's label
    requester_role: Mapped[str] = mapped_column(Code(20))
    user_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(Code(32))
    sha256: Mapped[str] = mapped_column(Code(64))
    pdf_bytes: Mapped[int] = mapped_column(Integer)
    content_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_cipher: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_credit_reports_sha256", "sha256"),)


class ReportKey(Base):
    """A public key that signed reports (Ed25519), kept so reports signed before a key change still verify."""

    __tablename__ = "report_keys"

    key_id: Mapped[str] = mapped_column(Code(32), primary_key=True)
    algorithm: Mapped[str] = mapped_column(Code(20))
    public_key: Mapped[str] = mapped_column(String(100))  # base64 of the raw 32-byte key
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
