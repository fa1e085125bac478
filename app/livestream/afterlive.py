"""After the live: the buyer's live cart becomes shop orders, unpaid holds expire, freed stock serves the waitlist."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..accounts import notifications
from ..accounts.models import Notification, User
from ..core.dbtypes import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn, OutOfStock
from ..extensions import db
from ..shop import inventory
from ..shop.models import Product, Variant
from ..shop.ordering import services as ordering
from ..shop.ordering.models import Order
from . import services
from .models import LiveOrderLine, LiveProduct, LiveReservation, LiveSession, LiveWaitlist
from .moderation import Banned, Muted, check_may_comment

DEFAULT_HOLD_HOURS = services.DEFAULT_HOLD_HOURS
MAX_WAIT_QTY = 99
CART_PATH = "/live/cart"
REMIND_HOURS = 3  # a buyer whose held lines end within this many hours is reminded once


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
    if idempotency_key and len(idempotency_key) <= 100:
        existing = ordering.orders_for_key(idempotency_key)
        if existing:
            return existing
    ids = _reservation_ids(reservation_ids)
    now = now or utcnow()
    taken = db.session.execute(
        update(LiveReservation)
        .where(LiveReservation.id.in_(ids), LiveReservation.user_id == buyer.id, LiveReservation.status == "held",
               LiveReservation.hold_until > now)
        .values(status="checked_out").execution_options(synchronize_session=False))
    if taken.rowcount != len(ids):
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
    db.session.flush()
    return orders


# Hold expiry and the waitlist --------------------------------------------------------------------------

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


def waiting_products() -> list[int]:
    return list(db.session.scalars(select(LiveWaitlist.live_product_id).where(LiveWaitlist.status == "waiting")
                                   .distinct().order_by(LiveWaitlist.live_product_id)))


def serve_all_waitlists(now: datetime | None = None, *, hold_hours: float = DEFAULT_HOLD_HOURS) -> int:
    """Give stock freed by any route (expiry, cancels, restock) to whoever waits for it."""
    served = 0
    for lp_id in waiting_products():
        served += len(serve_waitlist(db.session.get(LiveProduct, lp_id), now=now, hold_hours=hold_hours))
    return served


def _variant_for(lp: LiveProduct, entry: LiveWaitlist) -> Variant | None:
    variants = lp.product.active_variants
    if entry.variant_id is not None:
        return next((v for v in variants if v.id == entry.variant_id), None)
    # No option asked for: the option with the most units still orderable.
    return max(variants, key=lambda v: v.available, default=None)


def _held_by(lp: LiveProduct, user_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LiveReservation.quantity), 0)).where(
        LiveReservation.live_product_id == lp.id, LiveReservation.user_id == user_id,
        LiveReservation.status.in_(("held", "checked_out")))))


def _reserve_for_waiter(lp: LiveProduct, variant: Variant, entry: LiveWaitlist, qty: int,
                        hold_until: datetime) -> LiveReservation | None:
    """The same steps as a comment's reservation (live allotment, then the shelf), inside a SAVEPOINT."""
    try:
        with db.session.begin_nested():
            taken = db.session.execute(
                update(LiveProduct)
                .where(LiveProduct.id == lp.id, LiveProduct.allotment_used + qty <= LiveProduct.allotment)
                .values(allotment_used=LiveProduct.allotment_used + qty)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise OutOfStock()
            inventory.reserve_stock(variant.id, qty, reason=f"live {lp.session_id} waitlist {entry.id}")
            res = LiveReservation(session_id=lp.session_id, user_id=entry.user_id, live_product_id=lp.id,
                                  variant_id=variant.id, quantity=qty, unit_price=lp.price_of(variant),
                                  status="held", hold_until=hold_until, message_id=None)
            db.session.add(res)
            db.session.flush()
            return res
    except OutOfStock:
        return None
    finally:
        db.session.expire(lp, ["allotment_used"])


def serve_waitlist(lp: LiveProduct | None, now: datetime | None = None, *,
                   hold_hours: float = DEFAULT_HOLD_HOURS) -> list[LiveWaitlist]:
    """First come first served: each waiting buyer gets what is orderable now (up to what they asked for),
    a held reservation with a fresh hold, and a notification."""
    if lp is None:
        return []
    now = now or utcnow()
    hold_until = now + timedelta(hours=float(hold_hours))
    served: list[LiveWaitlist] = []
    entries = db.session.scalars(select(LiveWaitlist).where(LiveWaitlist.live_product_id == lp.id,
                                                            LiveWaitlist.status == "waiting")
                                 .order_by(LiveWaitlist.created_at, LiveWaitlist.id)).all()
    for entry in entries:
        try:
            check_may_comment(lp.session, entry.user, now)
        except Banned:
            entry.status = "cancelled"  # banned from this organisation's lives since joining
            continue
        except Muted:
            continue  # keeps the place; served once the mute is over
        variant = _variant_for(lp, entry)
        if variant is None:
            continue
        qty = min(entry.quantity, services.remaining(lp, variant.id))
        if lp.per_buyer_limit is not None:
            qty = min(qty, lp.per_buyer_limit - _held_by(lp, entry.user_id))
        if qty <= 0:
            continue
        res = _reserve_for_waiter(lp, variant, entry, qty, hold_until)
        if res is None:
            continue
        entry.status, entry.served_at, entry.reservation_id = "served", now, res.id
        notifications.notify(entry.user_id, "waitlist_served",
                             {"session_id": lp.session_id, "code": lp.live_code, "name": lp.product.name,
                              "quantity": qty, "hold_until": hold_until.isoformat()}, CART_PATH)
        served.append(entry)
    db.session.flush()
    return served


def join_waitlist(user: User | None, live: LiveSession, code: Any, quantity: Any = 1, variant: Any = None, *,
                  now: datetime | None = None, hold_hours: float = DEFAULT_HOLD_HOURS) -> LiveWaitlist:
    """Take a place in line for a sold-out live product; joining again keeps the first place.

    When units are free already (someone cancelled a moment ago) the place is served at once."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to join the waitlist."))
    if live.is_practice:
        raise Forbidden(_l("This is a private practice live: only its simulated buyers can order."),
                        code="practice_live")
    if live.state == "scheduled":
        raise services.LiveNotOnAir()
    now = now or utcnow()
    check_may_comment(live, user, now)  # a buyer the seller banned or muted does not queue either
    label = code.strip().upper() if isinstance(code, str) else ""
    lp = db.session.scalar(select(LiveProduct).where(LiveProduct.session_id == live.id, LiveProduct.live_code == label)
                           .options(selectinload(LiveProduct.product).selectinload(Product.variants)))
    if lp is None:
        raise NotFound(_l("%(code)s is not in this live.", code=label or "?"), code="unknown_code")
    try:
        qty = int(quantity)
    except (TypeError, ValueError):
        qty = 0
    if isinstance(quantity, bool) or not 1 <= qty <= MAX_WAIT_QTY:
        raise InvalidInput(_l("The quantity must be a whole number from 1 to 99."), code="invalid_quantity",
                           field="quantity")
    if lp.per_buyer_limit is not None and qty > lp.per_buyer_limit:
        raise InvalidInput(_l("You can order at most %(limit)s of %(code)s in this live.", limit=lp.per_buyer_limit,
                              code=lp.live_code), code="limit_exceeded", field="quantity")
    variant_id = None
    if isinstance(variant, str) and variant.strip():
        chosen = next((v for v in lp.product.active_variants if v.label and v.label.lower() == variant.strip().lower()),
                      None)
        if chosen is None:
            raise InvalidInput(_l("%(code)s has no option %(option)s.", code=lp.live_code, option=variant.strip()),
                               code="unknown_variant", field="variant")
        variant_id = chosen.id
    if live.state == "live" and services.remaining(lp, variant_id) > 0:
        raise Conflict(_l("%(code)s is still in stock: order it in the chat, e.g. “chốt %(code)s”.",
                          code=lp.live_code), code="in_stock")
    existing = db.session.scalar(select(LiveWaitlist).where(LiveWaitlist.live_product_id == lp.id,
                                                            LiveWaitlist.user_id == user.id,
                                                            LiveWaitlist.status == "waiting"))
    if existing is not None:
        return existing
    entry = LiveWaitlist(session_id=live.id, live_product_id=lp.id, variant_id=variant_id, user_id=user.id,
                         quantity=qty, status="waiting", created_at=now)
    db.session.add(entry)
    db.session.flush()
    serve_waitlist(lp, now=now, hold_hours=hold_hours)
    return entry


def waitlist_position(entry: LiveWaitlist) -> int:
    """1 for the first in line."""
    return int(db.session.scalar(select(func.count(LiveWaitlist.id)).where(
        LiveWaitlist.live_product_id == entry.live_product_id, LiveWaitlist.status == "waiting",
        LiveWaitlist.id <= entry.id)) or 0)


def leave_waitlist(user: User, entry_id: Any) -> LiveWaitlist:
    try:
        eid = int(entry_id)
    except (TypeError, ValueError):
        eid = 0
    entry = db.session.get(LiveWaitlist, eid) if 0 < eid < 2**31 else None
    if entry is None or entry.user_id != user.id:
        raise NotFound(_l("We could not find that waitlist place."), code="no_such_waitlist")
    if entry.status == "waiting":
        entry.status = "cancelled"
        db.session.flush()
    return entry


def my_waitlist(user: User) -> list[LiveWaitlist]:
    return list(db.session.scalars(select(LiveWaitlist).where(LiveWaitlist.user_id == user.id,
                                                              LiveWaitlist.status == "waiting")
                                   .order_by(LiveWaitlist.created_at)
                                   .options(selectinload(LiveWaitlist.live_product).selectinload(LiveProduct.product),
                                            selectinload(LiveWaitlist.session))))


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
        if changed.rowcount != 1:
            continue
        db.session.execute(
            update(LiveProduct)
            .where(LiveProduct.id == res.live_product_id, LiveProduct.allotment_used >= res.quantity)
            .values(allotment_used=LiveProduct.allotment_used - res.quantity)
            .execution_options(synchronize_session=False))
        db.session.expire(res, ["status"])
        returned += 1
    return returned


def remind_expiring(now: datetime | None = None, within_hours: float = REMIND_HOURS) -> int:
    """One reminder per buyer and live, a few hours before their held lines run out."""
    now = now or utcnow()
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
        notifications.notify(user_id, "hold_expiring", {"session_id": session_id, "title": live.title,
                                                        "hold_until": until.isoformat()}, link)
        sent += 1
    return sent


def run_hold_expiry(now: datetime | None = None, *, hold_hours: float = DEFAULT_HOLD_HOURS) -> dict[str, int]:
    """The periodic job's unit of work: remind buyers whose holds end soon, expire due holds, take back lines
    of cancelled orders, serve every waitlist. The caller commits."""
    reminded = remind_expiring(now)
    counts = expire_holds(now, hold_hours=hold_hours)
    return_cancelled_orders()
    counts["served"] += serve_all_waitlists(now, hold_hours=hold_hours)
    counts["reminded"] = reminded
    return counts

