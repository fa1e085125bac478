"""The personal data breach register: record a breach, the notice clock from its discovery (a dated setting,
72 hours under Decree 356/2025), the notice text for the authority and for the people affected."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core.dbtypes import row_by_key, utcnow
from ..errors import Forbidden, InvalidInput, NotFound
from ..extensions import db
from . import settings
from .models import DataBreach

DEFAULT_NOTICE_HOURS = 72


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise Forbidden()


def parse_local_time(raw: str | None) -> datetime:
    """'06/12/2026 09:30' (Vietnam time) → an aware UTC datetime."""
    text = " ".join((raw or "").split())
    try:
        local = datetime.strptime(text, "%d/%m/%Y %H:%M")
    except ValueError:
        raise InvalidInput(_l("Please write the time of discovery as dd/mm/yyyy hh:mm, for example 06/12/2026 "
                              "09:30."), code="invalid_time", field="discovered_at") from None
    return local.replace(tzinfo=settings.VIETNAM).astimezone(UTC)


def record_breach(actor: User | None, *, title: str | None, description: str | None, data_kinds: str | None,
                  people_affected: str | int | None, discovered_at: datetime, measures: str | None = None,
                  now: datetime | None = None) -> DataBreach:
    _require_admin(actor)
    now = now or utcnow()
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise InvalidInput(_l("Please say in a few words what happened."), code="invalid_title", field="title")
    description = (description or "").strip()
    if not description:
        raise InvalidInput(_l("Please describe the breach."), code="invalid_description", field="description")
    kinds = " ".join((data_kinds or "").split())
    if not kinds:
        raise InvalidInput(_l("Please name the kinds of personal data involved."), code="invalid_kinds",
                           field="data_kinds")
    count: int | None = None
    if people_affected not in (None, ""):
        text = str(people_affected).strip()
        if not text.isdigit() or len(text) > 9:
            raise InvalidInput(_l("Please enter a whole number, digits only."), code="invalid_value",
                               field="people_affected")
        count = int(text)
    if discovered_at > now + timedelta(minutes=5):
        raise InvalidInput(_l("The time of discovery cannot be in the future."), code="invalid_time",
                           field="discovered_at")
    breach = DataBreach(title=title[:200], description=description[:5000], data_kinds=kinds[:300],
                        people_affected=count, measures=(measures or "").strip()[:5000] or None,
                        discovered_at=discovered_at, recorded_at=now,
                        recorded_by_id=actor.id if actor is not None else None)
    db.session.add(breach)
    db.session.flush()
    return breach


def get_breach(key: object) -> DataBreach:
    breach = row_by_key(DataBreach, key)
    if breach is None:
        raise NotFound()
    return breach


def mark_notified(actor: User | None, breach: DataBreach, who: str, now: datetime | None = None) -> None:
    """The admin sent the notice to the authority ("authority") or to the people affected ("people")."""
    _require_admin(actor)
    if who not in ("authority", "people"):
        raise InvalidInput(_l("Unknown notice."), code="invalid_notice")
    column = "authority_notified_at" if who == "authority" else "people_notified_at"
    if getattr(breach, column) is None:
        setattr(breach, column, now or utcnow())
    db.session.flush()


@dataclass(frozen=True)
class Clock:
    deadline: datetime
    hours: int
    hours_left: float  # negative: late
    done: bool

    @property
    def late(self) -> bool:
        return not self.done and self.hours_left < 0


def clock(breach: DataBreach, now: datetime | None = None) -> Clock:
    """The notice deadline: discovery + the hours in force on the day of discovery."""
    hours = DEFAULT_NOTICE_HOURS
    raw = settings.value("breach_notice_hours", breach.discovered_at)
    if raw and raw.isdigit():
        hours = int(raw)
    deadline = breach.discovered_at + timedelta(hours=hours)
    left = (deadline - (now or utcnow())).total_seconds() / 3600
    return Clock(deadline, hours, left, breach.authority_notified_at is not None)


def breaches() -> list[DataBreach]:
    return list(db.session.scalars(select(DataBreach).order_by(DataBreach.discovered_at.desc(), DataBreach.id.desc())))


def notice_to_authority(breach: DataBreach) -> str:
    """The text the admin sends to the personal data protection authority (A05, Ministry of Public Security)."""
    discovered = breach.discovered_at.astimezone(settings.VIETNAM).strftime("%d/%m/%Y %H:%M")
    count = str(breach.people_affected) if breach.people_affected is not None else _("not yet known")
    return _(
        "NOTICE OF A PERSONAL DATA BREACH\n"
        "To: Department of Cybersecurity and High-Tech Crime Prevention (A05), Ministry of Public Security\n"
        "From: the operator of Chợ Live\n\n"
        "1. What happened: %(title)s\n%(description)s\n\n"
        "2. Discovered at: %(discovered)s (Vietnam time)\n"
        "3. Kinds of personal data involved: %(kinds)s\n"
        "4. Number of people affected: %(count)s\n"
        "5. Measures taken and planned: %(measures)s\n"
        "6. Contact: the platform's data protection contact.\n\n"
        "This notice is sent within %(hours)s hours of discovery (Law 91/2025/QH15, Decree 356/2025/NĐ-CP).",
        title=breach.title, description=breach.description, discovered=discovered, kinds=breach.data_kinds,
        count=count, measures=breach.measures or _("being decided"), hours=clock(breach).hours)


def notice_to_people(breach: DataBreach) -> str:
    """The text for the people whose data was involved."""
    return _(
        "Chợ Live: a security incident involved some of your personal data (%(kinds)s). What happened: %(title)s. "
        "What we have done: %(measures)s. Be careful with calls or messages asking for money or codes in our name. "
        "Questions: reply to this message or see “My data” in your account.",
        kinds=breach.data_kinds, title=breach.title, measures=breach.measures or _("we are investigating"))
