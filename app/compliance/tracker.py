"""A household's own revenue tracker (both modes): the year's revenue against the thresholds, with the figures for
its self-declaration by month and by channel (Chợ Live shop, lives).

Read from the orders themselves, by the ledger's rule (ledger.counts_as_paid): an order's goods (its subtotal; the
delivery fee is not the household's revenue) count in the month it counted as paid, and a cancellation or refund
after that subtracts them in its own month. So the figures hold in own-shop mode too, and for orders older than the
ledger.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Organisation
from ..extensions import db
from ..livestream.models import LiveOrderLine
from ..shop.ordering.models import Order, OrderEvent
from . import settings

CHANNELS = ("shop", "live")


@dataclass
class Month:
    month: int
    shop: int = 0
    live: int = 0

    @property
    def total(self) -> int:
        return self.shop + self.live


@dataclass
class Threshold:
    """One threshold in force: its amount, how far the year's revenue has come, and what to tell the household."""

    key: str
    amount: int
    revenue: int
    warning_percent: int
    source: str | None

    @property
    def percent(self) -> int:
        return self.revenue * 100 // self.amount if self.amount else 0

    @property
    def level(self) -> str:
        """'ok', 'near' (at or above the warning percent) or 'crossed'."""
        if self.revenue > self.amount:
            return "crossed"
        if self.revenue * 100 >= self.amount * self.warning_percent:
            return "near"
        return "ok"


@dataclass
class Tracker:
    organisation: Organisation
    year: int
    today: date
    months: list[Month]
    thresholds: list[Threshold] = field(default_factory=list)
    crossed_on: dict[str, date] = field(default_factory=dict)
    register_days: int = 30

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def shop(self) -> int:
        return sum(m.shop for m in self.months)

    @property
    def live(self) -> int:
        return sum(m.live for m in self.months)

    def register_by(self) -> date | None:
        """The last day to register for e-invoices: `register_days` after the day the e-invoice threshold was crossed."""
        crossed = self.crossed_on.get("einvoice_threshold")
        return crossed + timedelta(days=self.register_days) if crossed else None


THRESHOLD_LABELS = {
    "exempt_threshold": _l("Tax-exempt revenue"),
    "einvoice_threshold": _l("E-invoices required above"),
}


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=settings.VIETNAM)


def revenue_moves(org: Organisation, start: date, end: date) -> list[tuple[date, str, int]]:
    """(day in Vietnam, channel, +/- amount) of the organisation's counted sales and their reversals in [start, end)."""
    # An order counts when paid (cash on delivery: also delivered); a COD order paid long before it is delivered
    # is rare, so orders paid up to a year before `start` are read to catch it.
    orders = db.session.scalars(select(Order).where(
        Order.organisation_id == org.id, Order.paid_at.is_not(None),
        Order.paid_at >= _utc_start(start) - timedelta(days=366), Order.paid_at < _utc_start(end))).all()
    if not orders:
        return []
    ids = [o.id for o in orders]
    events: dict[int, dict[str, datetime]] = {}
    for order_id, status, at in db.session.execute(
            select(OrderEvent.order_id, OrderEvent.to_status, OrderEvent.created_at)
            .where(OrderEvent.order_id.in_(ids), OrderEvent.to_status.in_(("delivered", "cancelled", "refunded")))
            .order_by(OrderEvent.id)):
        events.setdefault(order_id, {})[status] = at
    live = set(db.session.scalars(select(LiveOrderLine.order_id).where(LiveOrderLine.order_id.in_(ids))))
    moves = []
    for order in orders:
        seen = events.get(order.id, {})
        if order.payment_method == "cod":
            delivered = seen.get("delivered")
            counted = max(delivered, order.paid_at) if delivered else None
        else:
            counted = order.paid_at
        if counted is None:
            continue
        channel = "live" if order.id in live else "shop"
        closed = [at for status, at in seen.items() if status in ("cancelled", "refunded") and at >= counted]
        for at, amount in [(counted, order.subtotal)] + ([(min(closed), -order.subtotal)] if closed else []):
            day = settings.local_day(at)
            if start <= day < end:
                moves.append((day, channel, amount))
    return sorted(moves)


def tracker(org: Organisation, year: int | None = None, today: date | None = None) -> Tracker:
    """The year's revenue of `org` by month and channel, and the thresholds in force on `today` (or the year's end)."""
    today = today or settings.local_day()
    year = year or today.year
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    on = min(today, end - timedelta(days=1))
    months = [Month(m) for m in range(1, 13)]
    running, crossed_on = 0, {}
    amounts = {key: settings.int_value(key, on) for key in THRESHOLD_LABELS if settings.in_force(key, on)}
    for day, channel, amount in revenue_moves(org, start, end):
        month = months[day.month - 1]
        setattr(month, channel, getattr(month, channel) + amount)
        running += amount
        for key, limit in amounts.items():
            if running > limit and key not in crossed_on:
                crossed_on[key] = day
    result = Tracker(org, year, today, months, crossed_on=crossed_on,
                     register_days=settings.int_value("einvoice_register_days", on)
                     if settings.in_force("einvoice_register_days", on) else 30)
    warning = settings.int_value("warning_percent", on)
    for key, amount in amounts.items():
        result.thresholds.append(Threshold(key, amount, result.total, warning, settings.in_force(key, on).source))
    return result
