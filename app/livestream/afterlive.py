"""After the live: the buyer's live cart becomes shop orders, unpaid holds expire, freed stock serves the waitlist."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import Notification, User
from ..core.dbtypes import rows_changed, utcnow
from ..errors import Conflict, InvalidInput, NotSignedIn
from ..extensions import db
from ..shop.models import Product, Variant
from ..shop.ordering import services as ordering
from ..shop.ordering.models import Order
from . import allotment, buyer_news, services
from . import signals as live_signals
from .models import LiveOrderLine, LiveProduct, LiveReservation, LiveSession

# The waitlist lives in its own module; the after-live operations are reached through this one.
from .waitlist import (  # noqa: F401
    CART_PATH,
    join_waitlist,
    leave_waitlist,
    my_waitlist,
    serve_all_waitlists,
    serve_waitlist,
    waitlist_position,
)

DEFAULT_HOLD_HOURS = services.DEFAULT_HOLD_HOURS
REMIND_MINUTES = 30  # a buyer whose held lines end within this many minutes is reminded once (LIVE_HOLD_REMIND_MINUTES)


def _signed_in(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to see your live orders."))
    return user


# The live cart ---------------------------------------------------------------------------------------

@dataclass
class LiveCartGroup:
    """One live's held lines for one buyer."""

    live: LiveSession
    lines: list[LiveReservation] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(r.quantity * r.unit_price for r in self.lines)

    @property
    def hold_until(self) -> datetime | None:
        return min((r.hold_until for r in self.lines), default=None)


def held_lines(user: User, now: datetime | None = None, session_id: int | None = None) -> list[LiveReservation]:
    """The buyer's held live reservations whose hold has not run out, oldest first."""
    now = now or utcnow()
    stmt = (select(LiveReservation)
            .where(LiveReservation.user_id == user.id, LiveReservation.status == "held",
                   LiveReservation.hold_until > now)
            .order_by(LiveReservation.session_id, LiveReservation.created_at, LiveReservation.id)
            .options(selectinload(LiveReservation.session).selectinload(LiveSession.organisation),
                     selectinload(LiveReservation.variant).selectinload(Variant.product),
                     selectinload(LiveReservation.live_product).selectinload(LiveProduct.product)))
    if session_id is not None:
        stmt = stmt.where(LiveReservation.session_id == session_id)
    return list(db.session.scalars(stmt))


def live_cart(user: User | None, now: datetime | None = None) -> list[LiveCartGroup]:
    """'Đơn live của bạn': the buyer's held lines grouped by live."""
    user = _signed_in(user)
    groups: OrderedDict[int, LiveCartGroup] = OrderedDict()
    for res in held_lines(user, now):
        groups.setdefault(res.session_id, LiveCartGroup(res.session)).lines.append(res)
    return list(groups.values())


def checked_out_orders(user: User, limit: int = 10) -> list[Order]:
    """The buyer's orders that came from live carts, newest first."""
    return list(db.session.scalars(
        select(Order).where(Order.buyer_id == user.id,
                            Order.id.in_(select(LiveOrderLine.order_id).join(LiveReservation)
                                         .where(LiveReservation.user_id == user.id)))
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)))


def _reservation_ids(raw: Any) -> list[int]:
    ids: list[int] = []
    for value in raw if isinstance(raw, (list, tuple)) else []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(_l("Your live cart changed. Please look at it again."), code="bad_lines") from None
        if not 0 < number < 2**31:
            raise InvalidInput(_l("Your live cart changed. Please look at it again."), code="bad_lines")
        ids.append(number)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InvalidInput(_l("Your live cart is empty."), code="empty_cart")
    return ids


def checkout_live_cart(buyer: User | None, reservation_ids: Any, *, idempotency_key: str,
                       now: datetime | None = None, **details: Any) -> list[Order]:
    """Turn the listed held lines into shop orders (one per organisation) through the shop's checkout.

    The lines' stock is already reserved; it passes to the orders as it is (shop checkout_held), in the
    same transaction that marks the lines checked out, so it is never reserved twice nor free in between.
    A line that is no longer held (expired, cancelled, someone else's) stops the whole checkout."""
    buyer = _signed_in(buyer)
    existing = ordering.orders_for_key(buyer, idempotency_key)  # this buyer's checkout with exactly this key
    if existing:
        return existing
    ids = _reservation_ids(reservation_ids)
    now = now or utcnow()
    taken = db.session.execute(
        update(LiveReservation)
        .where(LiveReservation.id.in_(ids), LiveReservation.user_id == buyer.id, LiveReservation.status == "held",
               LiveReservation.hold_until > now)
        .values(status="checked_out").execution_options(synchronize_session=False))
    if rows_changed(taken) != len(ids):
        raise Conflict(_l("Some lines of your live cart are no longer held (the hold ran out or the seller "
                          "cancelled them). Please look at your live cart again."), code="not_held")
    reservations = list(db.session.scalars(
        select(LiveReservation).where(LiveReservation.id.in_(ids)).order_by(LiveReservation.id)
        .options(selectinload(LiveReservation.variant).selectinload(Variant.product).selectinload(Product.organisation),
                 selectinload(LiveReservation.live_product))))
    for res in reservations:
        db.session.expire(res, ["status"])
    lines = [ordering.HeldLine(variant=res.variant, quantity=res.quantity, unit_price=res.unit_price)
             for res in reservations]
    orders = ordering.checkout_held(lines, buyer, idempotency_key=idempotency_key, now=now, **details)
    by_org = {order.organisation_id: order for order in orders}
    for res in reservations:
        order = by_org[res.variant.product.organisation_id]
        db.session.add(LiveOrderLine(reservation_id=res.id, order_id=order.id, created_at=now))
        live_signals.hold_checked_out(res, order.id)
    db.session.flush()
    return orders


# Hold expiry ------------------------------------------------------------------------------------------

def expire_holds(now: datetime | None = None, *, hold_hours: float = DEFAULT_HOLD_HOURS,
                 user_id: int | None = None, limit: int = 500) -> dict[str, int]:
    """Release held lines whose hold ran out, then offer the freed stock to the waitlists.

    Each line is released at most once (release_reservation's conditional status UPDATE), so two
    workers running this together never give the same units back twice."""
    now = now or utcnow()
    stmt = (select(LiveReservation).where(LiveReservation.status == "held", LiveReservation.hold_until <= now)
            .order_by(LiveReservation.hold_until, LiveReservation.id).limit(limit))
    if user_id is not None:
        stmt = stmt.where(LiveReservation.user_id == user_id)
    expired = 0
    touched: set[int] = set()
    for res in db.session.scalars(stmt).all():
        if services.release_reservation(res, "expired", f"live {res.session_id} reservation {res.id}: hold ran out"):
            expired += 1
            touched.add(res.live_product_id)
    served = 0
    for lp_id in sorted(touched):
        served += len(serve_waitlist(db.session.get(LiveProduct, lp_id), now=now, hold_hours=hold_hours))
    return {"expired": expired, "served": served}


def return_cancelled_orders() -> int:
    """Live lines whose shop order was cancelled or refunded give their place in the live allotment back.

    The shop already put the units back on the shelf (shop never imports livestream, so it cannot do
    this part); the conditional status UPDATE makes each line count once."""
    lines = db.session.scalars(
        select(LiveReservation).join(LiveOrderLine, LiveOrderLine.reservation_id == LiveReservation.id)
        .join(Order, Order.id == LiveOrderLine.order_id)
        .where(LiveReservation.status == "checked_out", Order.status.in_(("cancelled", "refunded")))).all()
    returned = 0
    for res in lines:
        changed = db.session.execute(
            update(LiveReservation).where(LiveReservation.id == res.id, LiveReservation.status == "checked_out")
            .values(status="cancelled").execution_options(synchronize_session=False))
        if rows_changed(changed) != 1:
            continue
        allotment.give_back(res.live_product_id, res.quantity)
        db.session.expire(res, ["status"])
        live_signals.hold_released(res, "checked_out", "cancelled")
        returned += 1
    return returned


def remind_expiring(now: datetime | None = None, within_minutes: float = REMIND_MINUTES) -> int:
    """One reminder per buyer and live, shortly before their held lines run out (on their live page too)."""
    now = now or utcnow()
    within_hours = float(within_minutes) / 60
    rows = db.session.execute(
        select(LiveReservation.user_id, LiveReservation.session_id, func.min(LiveReservation.hold_until))
        .where(LiveReservation.status == "held", LiveReservation.hold_until > now,
               LiveReservation.hold_until <= now + timedelta(hours=within_hours))
        .group_by(LiveReservation.user_id, LiveReservation.session_id)
        .order_by(LiveReservation.user_id, LiveReservation.session_id)).all()
    sent = 0
    for user_id, session_id, until in rows:
        link = f"{CART_PATH}?live={session_id}"  # one per buyer and live: the link is the key
        if db.session.scalar(select(Notification.id).where(Notification.user_id == user_id,
                                                           Notification.kind == "hold_expiring",
                                                           Notification.link == link)) is not None:
            continue
        live = db.session.get(LiveSession, session_id)
        buyer_news.tell_buyer(user_id, "hold_expiring", {"session_id": session_id, "title": live.title,
                                                         "hold_until": until.isoformat()}, link, now=now)
        live_signals.hold_expiring(user_id, session_id, until)
        sent += 1
    return sent


def run_hold_expiry(now: datetime | None = None, *, hold_hours: float = DEFAULT_HOLD_HOURS,
                    remind_minutes: float = REMIND_MINUTES) -> dict[str, int]:
    """The periodic job's unit of work: remind buyers whose holds end soon, expire due holds, take back lines
    of cancelled orders, serve every waitlist. The caller commits."""
    reminded = remind_expiring(now, remind_minutes)
    counts = expire_holds(now, hold_hours=hold_hours)
    return_cancelled_orders()
    counts["served"] += serve_all_waitlists(now, hold_hours=hold_hours)
    counts["reminded"] = reminded
    return counts

