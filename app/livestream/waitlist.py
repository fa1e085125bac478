"""The live waitlist: a place in line for a sold-out live product, served first come first as units free up."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.dbtypes import row_by_key, utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn, OutOfStock
from ..extensions import db
from ..shop import inventory
from ..shop.models import Product, Variant
from . import allotment, buyer_news, services
from . import signals as live_signals
from .models import LiveProduct, LiveReservation, LiveSession, LiveWaitlist
from .moderation import Banned, Muted, check_may_comment

DEFAULT_HOLD_HOURS = services.DEFAULT_HOLD_HOURS
MAX_WAIT_QTY = 99
CART_PATH = "/live/cart"


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
            if not allotment.take(lp, qty):
                raise OutOfStock()
            inventory.reserve_stock(variant.id, qty, reason=f"live {lp.session_id} waitlist {entry.id}")
            res = LiveReservation(session_id=lp.session_id, user_id=entry.user_id, live_product_id=lp.id,
                                  variant_id=variant.id, quantity=qty, unit_price=lp.price_of(variant),
                                  status="held", hold_until=hold_until, message_id=None)
            db.session.add(res)
            db.session.flush()
            live_signals.hold_placed(res, "waitlist")
            return res
    except OutOfStock:
        return None


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
        qty = min(entry.quantity, allotment.remaining(lp, variant.id))
        if lp.per_buyer_limit is not None:
            qty = min(qty, lp.per_buyer_limit - _held_by(lp, entry.user_id))
        if qty <= 0:
            continue
        res = _reserve_for_waiter(lp, variant, entry, qty, hold_until)
        if res is None:
            continue
        entry.status, entry.served_at, entry.reservation_id = "served", now, res.id
        live_signals.waitlist_served(entry, res)
        buyer_news.tell_buyer(entry.user_id, "waitlist_served",
                              {"session_id": lp.session_id, "code": lp.live_code, "name": lp.product.name,
                               "quantity": qty, "hold_until": hold_until.isoformat(), "reservation_ids": [res.id]},
                              CART_PATH, now=now)
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
    if live.state == "live" and allotment.remaining(lp, variant_id) > 0:
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
    entry = row_by_key(LiveWaitlist, entry_id)
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
