"""Rules that change, read by date: the platform mode, thresholds, the due day, rates and each category's tax kind.

A value in force on a day is the latest dated row on or before it: the admin's rows in the database when the key
has any, else the documented defaults (compliance/defaults.py). Writing adds a dated row; nothing is a constant.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core.text import fold
from ..errors import Forbidden, InvalidInput
from ..extensions import db
from . import defaults
from .models import BASIS, MODES, TAX_KINDS, ComplianceSetting, WithholdingRate

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
INT_KEYS = ("exempt_threshold", "einvoice_threshold", "einvoice_register_days", "warning_percent",
            "declaration_due_day", "retention_live_days", "retention_listing_days", "retention_order_years",
            "address_retention_days", "breach_notice_hours", "ocop_validity_months", "certificate_warning_days")
RETENTION_KEYS = ("retention_live_days", "retention_listing_days", "retention_order_years")
TEXT_KEYS = ("privacy_policy_version",)
# What an admin may type for a tax group, in either language (folded: no accents, lower case).
TAX_KIND_WORDS = {"goods": "goods", "hang hoa": "goods", "services": "services", "dich vu": "services",
                  "transport": "transport", "van tai": "transport"}
MAX_SOURCE = 500


def local_day(moment: datetime | date | None = None) -> date:
    """The calendar day in Vietnam of a moment (UTC-aware datetimes), or today."""
    if moment is None:
        moment = datetime.now(VIETNAM)
    if isinstance(moment, datetime):
        return moment.astimezone(VIETNAM).date()
    return moment


def period_of(moment: datetime) -> str:
    """'YYYY-MM': the month in Vietnam's time a moment belongs to (the tax period)."""
    return local_day(moment).strftime("%Y-%m")


@dataclass(frozen=True)
class Dated:
    """One dated value, from the database or from the documented defaults."""

    key: str
    value: str
    effective_from: date
    source: str | None
    is_default: bool


def history(key: str) -> list[Dated]:
    """Every dated value of `key`, oldest first: the admin's rows, or the defaults when there are none."""
    rows = db.session.scalars(select(ComplianceSetting).where(ComplianceSetting.key == key)
                              .order_by(ComplianceSetting.effective_from)).all()
    if rows:
        return [Dated(r.key, r.value, r.effective_from, r.source, False) for r in rows]
    return sorted((Dated(d.key, d.value, d.effective_from, d.source, True) for d in defaults.SETTINGS if d.key == key),
                  key=lambda d: d.effective_from)


def in_force(key: str, on: datetime | date | None = None) -> Dated | None:
    day = local_day(on)
    found = [d for d in history(key) if d.effective_from <= day]
    return found[-1] if found else None


def value(key: str, on: datetime | date | None = None) -> str | None:
    dated = in_force(key, on)
    return dated.value if dated else None


def int_value(key: str, on: datetime | date | None = None) -> int:
    raw = value(key, on)
    if raw is None:
        raise LookupError(f"no value of {key} in force on {local_day(on)}")
    return int(raw)


def mode(on: datetime | date | None = None) -> str:
    """'own_shop' or 'marketplace' on that day."""
    return value("platform_mode", on) or "own_shop"


def is_marketplace(on: datetime | date | None = None) -> bool:
    return mode(on) == "marketplace"


def mode_chosen() -> bool:
    """Whether the admin has chosen the mode (a row in the database), or the documented default still applies."""
    return db.session.scalar(select(ComplianceSetting.id).where(ComplianceSetting.key == "platform_mode")
                             .limit(1)) is not None


# Rates --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    tax_kind: str
    vat_bp: int
    pit_bp: int
    effective_from: date
    source: str | None
    is_default: bool

    @property
    def total_bp(self) -> int:
        return self.vat_bp + self.pit_bp


def rate_history(tax_kind: str) -> list[Rate]:
    rows = db.session.scalars(select(WithholdingRate).where(WithholdingRate.tax_kind == tax_kind)
                              .order_by(WithholdingRate.effective_from)).all()
    if rows:
        return [Rate(r.tax_kind, r.vat_bp, r.pit_bp, r.effective_from, r.source, False) for r in rows]
    return sorted((Rate(d.tax_kind, d.vat_bp, d.pit_bp, d.effective_from, d.source, True) for d in defaults.RATES
                   if d.tax_kind == tax_kind), key=lambda r: r.effective_from)


def rate(tax_kind: str, on: datetime | date | None = None) -> Rate:
    """The rate in force for a tax kind; an unknown kind (or one with no rate yet) gets the highest in force."""
    day = local_day(on)
    if tax_kind in TAX_KINDS:
        found = [r for r in rate_history(tax_kind) if r.effective_from <= day]
        if found:
            return found[-1]
    return highest_rate(day)


def highest_rate(on: datetime | date | None = None) -> Rate:
    day = local_day(on)
    candidates = [found[-1] for kind in TAX_KINDS if (found := [r for r in rate_history(kind) if r.effective_from <= day])]
    if not candidates:
        raise LookupError(f"no withholding rate in force on {day}")
    return max(candidates, key=lambda r: (r.total_bp, r.vat_bp))


def tax_kind_of(category: str, on: datetime | date | None = None) -> str | None:
    """The tax kind of a product category on that day (goods, services, transport), None when not classified."""
    kind = value(f"tax_kind.{category}", on)
    return kind if kind in TAX_KINDS else None


def withholding(amount: int, bp: int) -> int:
    """Tax on `amount` dong at `bp` basis points, in whole dong, half up (61.725 → 62; 61.5 → 62; 61.49 → 61).

    Integer arithmetic only: VND has no minor unit and the declaration is in whole dong."""
    if amount < 0:
        return -withholding(-amount, bp)
    return (amount * bp + BASIS // 2) // BASIS


# Writing ------------------------------------------------------------------------------------------

def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_admin:
        raise Forbidden()


def _clean_source(source: str | None) -> str | None:
    text = " ".join((source or "").split())
    if len(text) > MAX_SOURCE:
        raise InvalidInput(_l("The source is too long (500 characters at most)."), code="invalid_source")
    return text or None


def _clean_date(effective_from) -> date:
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        raise InvalidInput(_l("Please enter the date from which the value applies."), code="invalid_date")
    return effective_from


def _upsert_setting(actor: User | None, key: str, raw: str, effective_from: date, source: str | None) -> None:
    row = db.session.scalar(select(ComplianceSetting).where(ComplianceSetting.key == key,
                                                            ComplianceSetting.effective_from == effective_from))
    if row is None:
        row = ComplianceSetting(key=key, effective_from=effective_from)
        db.session.add(row)
    row.value, row.source, row.set_by_id = raw, source, actor.id if actor is not None else None


def seed_defaults(actor: User | None = None) -> int:
    """Copy the documented defaults of every key and rate that has no row yet into the database; returns rows added."""
    added = 0
    have = set(db.session.scalars(select(ComplianceSetting.key).distinct()))
    for d in defaults.SETTINGS:
        if d.key not in have and d.key != "platform_mode":
            db.session.add(ComplianceSetting(key=d.key, value=d.value, effective_from=d.effective_from,
                                             source=d.source, set_by_id=actor.id if actor else None))
            added += 1
    kinds = set(db.session.scalars(select(WithholdingRate.tax_kind).distinct()))
    for r in defaults.RATES:
        if r.tax_kind not in kinds:
            db.session.add(WithholdingRate(tax_kind=r.tax_kind, vat_bp=r.vat_bp, pit_bp=r.pit_bp,
                                           effective_from=r.effective_from, source=r.source,
                                           set_by_id=actor.id if actor else None))
            added += 1
    db.session.flush()
    return added


def choose_mode(actor: User | None, new_mode: str, effective_from: date | None = None,
                source: str | None = None) -> None:
    """The admin (or the installer's CLI, actor None) sets the platform mode from a day; defaults are seeded."""
    if actor is not None:
        _require_admin(actor)
    if new_mode not in MODES:
        raise InvalidInput(_l("Choose own shop or marketplace."), code="invalid_mode")
    day = _clean_date(effective_from) if effective_from is not None else local_day()
    seed_defaults(actor)
    _upsert_setting(actor, "platform_mode", new_mode, day, _clean_source(source) or "Quản trị viên chọn")
    db.session.flush()


def set_value(actor: User | None, key: str, raw, effective_from, source: str | None) -> None:
    """An admin adds (or corrects) the value of a rule from a date."""
    _require_admin(actor)
    day = _clean_date(effective_from)
    text = " ".join(str(raw if raw is not None else "").split())
    if key.startswith("tax_kind."):
        text = TAX_KIND_WORDS.get(fold(text), text)
        if text not in TAX_KINDS:
            raise InvalidInput(_l("Choose goods, services or transport."), code="invalid_tax_kind")
    elif key == "platform_mode":
        return choose_mode(actor, text, day, source)
    elif key in INT_KEYS:
        if not text.isdigit() or len(text) > 15:
            raise InvalidInput(_l("Please enter a whole number, digits only."), code="invalid_value")
        number = int(text)
        if key == "declaration_due_day" and not 1 <= number <= 28:
            raise InvalidInput(_l("The due day must be between 1 and 28."), code="invalid_value")
        if key == "warning_percent" and not 1 <= number <= 100:
            raise InvalidInput(_l("The warning level must be between 1 and 100 percent."), code="invalid_value")
        if key in RETENTION_KEYS and not 1 <= number <= 36500:
            raise InvalidInput(_l("A retention period must be between 1 and 36500."), code="invalid_value")
        if key in ("exempt_threshold", "einvoice_threshold") and number <= 0:
            raise InvalidInput(_l("The threshold must be above zero."), code="invalid_value")
        if key in ("address_retention_days", "breach_notice_hours", "ocop_validity_months",
                   "certificate_warning_days") and not 1 <= number <= 10_000:
            raise InvalidInput(_l("Please enter a number between 1 and 10000."), code="invalid_value")
        text = str(number)
    elif key in TEXT_KEYS:
        if not text or len(text) > 20:
            raise InvalidInput(_l("Please enter a version of up to 20 characters."), code="invalid_value")
    else:
        raise InvalidInput(_l("Unknown setting."), code="invalid_key")
    seed_defaults(actor)
    _upsert_setting(actor, key, text, day, _clean_source(source))
    db.session.flush()


def set_rate(actor: User | None, tax_kind: str, vat_percent, pit_percent, effective_from, source: str | None) -> None:
    """An admin adds (or corrects) the rates of a tax kind from a date; percents with up to two decimals."""
    _require_admin(actor)
    if tax_kind not in TAX_KINDS:
        raise InvalidInput(_l("Choose goods, services or transport."), code="invalid_tax_kind")
    day = _clean_date(effective_from)
    vat_bp, pit_bp = percent_to_bp(vat_percent), percent_to_bp(pit_percent)
    seed_defaults(actor)
    row = db.session.scalar(select(WithholdingRate).where(WithholdingRate.tax_kind == tax_kind,
                                                          WithholdingRate.effective_from == day))
    if row is None:
        row = WithholdingRate(tax_kind=tax_kind, effective_from=day)
        db.session.add(row)
    row.vat_bp, row.pit_bp, row.source = vat_bp, pit_bp, _clean_source(source)
    row.set_by_id = actor.id
    db.session.flush()


def percent_to_bp(raw) -> int:
    """'1', '0,5', '1.5' (percent) → 100, 50, 150 basis points; refuses anything else."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
        raise InvalidInput(_l("Enter the rate as a percent, for example 1 or 0,5."), code="invalid_rate")
    bp = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    if bp > BASIS:
        raise InvalidInput(_l("A rate cannot be above 100 percent."), code="invalid_rate")
    return bp


def bp_to_percent(bp: int) -> str:
    """100 → '1', 50 → '0,5', 150 → '1,5' (Vietnamese decimal comma)."""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)
