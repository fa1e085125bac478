"""Compliance tables: dated settings and withholding rates, seller verifications, the withholding ledger, live hosts."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..core.dbtypes import TZDateTime, sql_in, utcnow
from ..extensions import Model

MODES = ("own_shop", "marketplace")
TAX_KINDS = ("goods", "services", "transport")
VERIFICATION_STATUSES = ("pending", "more_info", "approved", "rejected")
DECISIONS = ("submitted", "approved", "more_info", "rejected")
DOCUMENT_KINDS = ("business_registration", "food_safety", "other")
ENTRY_KINDS = ("withholding", "reversal")
ENTRY_REASONS = ("paid", "delivered", "cancelled", "refunded", "returned")
CHANNELS = ("shop", "live")
BASIS = 10_000  # rates are stored in basis points: 1 % = 100, 0.5 % = 50


class ComplianceSetting(Model):
    """One dated value of a rule that changes (platform mode, thresholds, due day, a category's tax kind).

    The value in force on a day is the row with the latest `effective_from` on or before it; with no row for a key
    the documented default (compliance/defaults.py, docs/compliance.md) applies."""

    __tablename__ = "compliance_settings"
    __table_args__ = (UniqueConstraint("key", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(500))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class WithholdingRate(Model):
    """The VAT and PIT a platform withholds on a household seller's sale of one tax kind, from a date."""

    __tablename__ = "withholding_rates"
    __table_args__ = (
        UniqueConstraint("tax_kind", "effective_from"),
        CheckConstraint(sql_in("tax_kind", TAX_KINDS), name="tax_kind"),
        CheckConstraint("vat_bp >= 0 AND vat_bp <= 10000", name="vat_bp_range"),
        CheckConstraint("pit_bp >= 0 AND pit_bp <= 10000", name="pit_bp_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tax_kind: Mapped[str] = mapped_column(String(12))
    vat_bp: Mapped[int] = mapped_column(Integer)
    pit_bp: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(500))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class SellerVerification(Model):
    """What an organisation tells the platform about who it is, and the admin's decision on it.

    `tax_code` and `id_number` are personal data for a household: shown only to the organisation's owner and
    admins (compliance.verification.identity_visible_to), never on a public page or in an API field."""

    __tablename__ = "seller_verifications"
    __table_args__ = (
        CheckConstraint(sql_in("kind", ("cooperative", "household")), name="kind"),
        CheckConstraint(sql_in("status", VERIFICATION_STATUSES), name="status"),
        CheckConstraint("tax_code IS NOT NULL OR id_number IS NOT NULL", name="tax_code_or_id_number"),
        Index("ix_seller_verifications_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    tax_code: Mapped[str | None] = mapped_column(String(14))
    id_number: Mapped[str | None] = mapped_column(String(12))
    representative_name: Mapped[str] = mapped_column(String(120))
    sells_food: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    documents: Mapped[list[VerificationDocument]] = relationship(
        back_populates="verification", order_by="VerificationDocument.id", cascade="all, delete-orphan")
    decisions: Mapped[list[VerificationDecision]] = relationship(
        back_populates="verification", order_by="VerificationDecision.id", cascade="all, delete-orphan")

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class VerificationDocument(Model):
    """A paper uploaded for a verification, kept under the private storage prefix (never served on /media)."""

    __tablename__ = "verification_documents"
    __table_args__ = (CheckConstraint(sql_in("kind", DOCUMENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("seller_verifications.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    verification: Mapped[SellerVerification] = relationship(back_populates="documents")


class VerificationDecision(Model):
    """The verification's history: each submission and each admin decision, with its reason."""

    __tablename__ = "verification_decisions"
    __table_args__ = (CheckConstraint(sql_in("decision", DECISIONS), name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("seller_verifications.id", ondelete="CASCADE"),
                                                 index=True)
    decision: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    verification: Mapped[SellerVerification] = relationship(back_populates="decisions")
    actor: Mapped[User | None] = relationship()


class WithholdingEntry(Model):
    """One line of the withholding ledger: tax withheld on an order line, or its reversal. Never updated.

    A withholding row is booked when the order counts as paid; a reversal row (negative amounts, the same rates,
    `reverses_id` naming the row) when the order is cancelled or refunded afterwards. `period` is the month in
    Vietnam's time (Asia/Ho_Chi_Minh) of `booked_at`: a reversal falls in the month it happens, as an offset."""

    __tablename__ = "withholding_entries"
    __table_args__ = (
        UniqueConstraint("order_line_id", "kind"),
        CheckConstraint(sql_in("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint(sql_in("reason", ENTRY_REASONS), name="reason"),
        CheckConstraint(sql_in("tax_kind", TAX_KINDS), name="tax_kind"),
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        CheckConstraint("(kind = 'withholding' AND reverses_id IS NULL AND revenue >= 0 AND vat >= 0 AND pit >= 0)"
                        " OR (kind = 'reversal' AND reverses_id IS NOT NULL AND revenue <= 0 AND vat <= 0"
                        " AND pit <= 0)", name="sign_by_kind"),
        Index("ix_withholding_entries_period_org", "period", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12))
    # NO ACTION (checked at the statement's end), not RESTRICT: a retention job deleting old months in one
    # statement removes a row and its reversal together.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("withholding_entries.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7))
    booked_at: Mapped[datetime] = mapped_column(TZDateTime)
    channel: Mapped[str] = mapped_column(String(8))
    tax_kind: Mapped[str] = mapped_column(String(12))
    product_name: Mapped[str] = mapped_column(String(160))
    revenue: Mapped[int] = mapped_column(BigInteger)
    vat_bp: Mapped[int] = mapped_column(Integer)
    pit_bp: Mapped[int] = mapped_column(Integer)
    vat: Mapped[int] = mapped_column(BigInteger)
    pit: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def withheld(self) -> int:
        return self.vat + self.pit


class LiveHost(Model):
    """Who hosted a live when it went on air, and the organisation's verification in force then."""

    __tablename__ = "live_hosts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    live_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    host_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    host_name: Mapped[str | None] = mapped_column(String(120))
    verification_id: Mapped[int | None] = mapped_column(ForeignKey("seller_verifications.id", ondelete="SET NULL"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(TZDateTime)


class DeclarationFiling(Model):
    """The admin noted the monthly withholding declaration of `period` as filed: the reminder stops."""

    __tablename__ = "declaration_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    filed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


PURGE_KINDS = ("live", "listing")


class RetentionPurge(Model):
    """One thing the retention job removed because its period had run out: what, which, and by which rule.

    The log keeps no personal data: a live's title and an id, never a chat line or a buyer."""

    __tablename__ = "retention_purges"
    __table_args__ = (
        CheckConstraint(sql_in("kind", PURGE_KINDS), name="kind"),
        Index("ix_retention_purges_purged_at", "purged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    # The rule applied: the setting's key, its value in days and the cut-off moment it gave.
    rule_key: Mapped[str] = mapped_column(String(60))
    period_days: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[datetime] = mapped_column(TZDateTime)
    details: Mapped[str | None] = mapped_column(String(500))
    purged_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class DataBreach(Model):
    """A personal data breach the platform found: what, when it was discovered (the notice clock starts there),
    what was done, and when the authority and the people affected were told (Decree 356/2025: 72 hours)."""

    __tablename__ = "data_breaches"
    __table_args__ = (
        CheckConstraint("people_affected IS NULL OR people_affected >= 0", name="people_affected_not_negative"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    data_kinds: Mapped[str] = mapped_column(String(300))
    people_affected: Mapped[int | None] = mapped_column(Integer)
    measures: Mapped[str | None] = mapped_column(Text)
    discovered_at: Mapped[datetime] = mapped_column(TZDateTime)
    recorded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    authority_notified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    people_notified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
