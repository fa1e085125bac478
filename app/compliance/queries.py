"""Read side of compliance: a seller's monthly statement, the admin's monthly declaration, the reminder, the queue."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import Organisation
from ..errors import InvalidInput
from ..extensions import db
from ..livestream.models import LiveSession
from . import settings
from .models import DeclarationFiling, LiveHost, SellerVerification, WithholdingEntry

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(raw: str | None, default: date | None = None) -> str:
    """'2026-03' as given, or the month before `default` (today) when empty; anything else is refused."""
    if not raw:
        day = default or settings.local_day()
        return previous_period(day)
    if not isinstance(raw, str) or not PERIOD.match(raw) or not 2000 <= int(raw[:4]) <= 2100:
        raise InvalidInput(_l("Choose a month written as YYYY-MM, for example 2026-03."), code="invalid_month")
    return raw


def previous_period(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def due_date(period: str) -> date:
    """The day the declaration of `period` is due: the due day (20) of the next month, as in force then."""
    year, month = int(period[:4]), int(period[5:])
    year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return date(year, month, settings.int_value("declaration_due_day", date(year, month, 1)))


@dataclass
class Totals:
    revenue: int = 0
    vat: int = 0
    pit: int = 0
    offset_revenue: int = 0
    offset_vat: int = 0
    offset_pit: int = 0

    def add(self, entry: WithholdingEntry) -> None:
        if entry.kind == "withholding":
            self.revenue += entry.revenue
            self.vat += entry.vat
            self.pit += entry.pit
        else:
            self.offset_revenue += entry.revenue
            self.offset_vat += entry.vat
            self.offset_pit += entry.pit

    @property
    def net_revenue(self) -> int:
        return self.revenue + self.offset_revenue

    @property
    def net_vat(self) -> int:
        return self.vat + self.offset_vat

    @property
    def net_pit(self) -> int:
        return self.pit + self.offset_pit

    @property
    def net_withheld(self) -> int:
        return self.net_vat + self.net_pit

    @property
    def net_due(self) -> int:
        """What the seller is owed for the month's goods once the withheld tax is kept back."""
        return self.net_revenue - self.net_withheld


@dataclass
class Statement:
    organisation: Organisation
    period: str
    entries: list[WithholdingEntry]
    totals: Totals
    withheld: bool  # the organisation is withheld from this month (marketplace, household)


def _entries(period: str, organisation_id: int | None = None) -> list[WithholdingEntry]:
    query = select(WithholdingEntry).where(WithholdingEntry.period == period)
    if organisation_id is not None:
        query = query.where(WithholdingEntry.organisation_id == organisation_id)
    return list(db.session.scalars(query.order_by(WithholdingEntry.organisation_id, WithholdingEntry.booked_at,
                                                  WithholdingEntry.id)))


def statement(org: Organisation, period: str) -> Statement:
    entries = _entries(period, org.id)
    totals = Totals()
    for entry in entries:
        totals.add(entry)
    year, month = int(period[:4]), int(period[5:])
    withheld = bool(entries) or (org.kind == "household" and settings.is_marketplace(date(year, month, 1)))
    return Statement(org, period, entries, totals, withheld)


def periods_with_entries(org: Organisation, limit: int = 24) -> list[str]:
    return list(db.session.scalars(select(WithholdingEntry.period).where(WithholdingEntry.organisation_id == org.id)
                                   .group_by(WithholdingEntry.period).order_by(WithholdingEntry.period.desc())
                                   .limit(limit)))


@dataclass
class DeclarationRow:
    """One seller's withholding of one tax kind at one rate in the month (what a line of the declaration needs)."""

    organisation: Organisation
    verification: SellerVerification | None
    tax_kind: str
    vat_bp: int
    pit_bp: int
    totals: Totals = field(default_factory=Totals)


@dataclass
class Declaration:
    period: str
    rows: list[DeclarationRow]
    totals: Totals
    due: date
    filed: DeclarationFiling | None


def declaration(period: str) -> Declaration:
    rows: dict[tuple[int, str, int, int], DeclarationRow] = {}
    totals = Totals()
    verifications = {v.organisation_id: v for v in db.session.scalars(select(SellerVerification))}
    for entry in _entries(period):
        key = (entry.organisation_id, entry.tax_kind, entry.vat_bp, entry.pit_bp)
        row = rows.get(key)
        if row is None:
            row = rows[key] = DeclarationRow(entry.organisation, verifications.get(entry.organisation_id),
                                             entry.tax_kind, entry.vat_bp, entry.pit_bp)
        row.totals.add(entry)
        totals.add(entry)
    ordered = sorted(rows.values(), key=lambda r: (r.organisation.name.lower(), r.organisation.id, r.tax_kind,
                                                   r.vat_bp))
    filed = db.session.scalar(select(DeclarationFiling).where(DeclarationFiling.period == period))
    return Declaration(period, ordered, totals, due_date(period), filed)


@dataclass
class Reminder:
    period: str
    due: date
    days_left: int
    entries: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def reminder(today: date | None = None) -> Reminder | None:
    """The declaration of last month, while it is not noted as filed: from the 1st of this month on (overdue after
    the due day). None when nothing was withheld last month and the platform is not a marketplace."""
    today = today or settings.local_day()
    period = previous_period(today)
    if db.session.scalar(select(DeclarationFiling.id).where(DeclarationFiling.period == period)) is not None:
        return None
    count = db.session.scalar(select(func.count(WithholdingEntry.id)).where(WithholdingEntry.period == period)) or 0
    if not count and not settings.is_marketplace(today):
        return None
    due = due_date(period)
    return Reminder(period, due, (due - today).days, count)


def verification_queue() -> list[SellerVerification]:
    """Verifications waiting for a decision first (oldest first), then the rest, newest decision first."""
    pending = list(db.session.scalars(select(SellerVerification).where(SellerVerification.status == "pending")
                                      .order_by(SellerVerification.submitted_at)))
    others = list(db.session.scalars(select(SellerVerification).where(SellerVerification.status != "pending")
                                     .order_by(SellerVerification.decided_at.desc()).limit(100)))
    return pending + others


def lives_hosted(org: Organisation, limit: int = 20) -> list[tuple[LiveHost, LiveSession]]:
    return list(db.session.execute(select(LiveHost, LiveSession).join(LiveSession, LiveSession.id == LiveHost.live_id)
                                   .where(LiveHost.organisation_id == org.id)
                                   .order_by(LiveHost.started_at.desc()).limit(limit)).tuples())
