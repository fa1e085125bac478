"""Payments and their deadline: an order paid in full is placed and its stock sold; one past its deadline is
cancelled and its stock released."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ....accounts import notifications
from ....accounts.models import User
from ....core.dbtypes import utcnow
from ....errors import Conflict, InvalidInput
from ....extensions import db
from .. import signals as order_signals
from ..models import Order, order_path
from .transitions import claim, sell, transition


def expire_unpaid(now: datetime | None = None, order: Order | None = None, *, buyer_id: int | None = None) -> int:
    """Cancel orders past their deadline (all, one buyer's, or just `order`), releasing their stock: online
    payments not made in time, and cash-on-delivery orders the seller did not confirm in time (the buyer is
    told in their notifications). Correctness never waits for the job: readers call this for what they show."""
    now = now or utcnow()
    unconfirmed_cod = and_(Order.status == "placed", Order.payment_method == "cod", Order.paid_at.is_(None))
    query = (select(Order).where(or_(Order.status == "pending_payment", unconfirmed_cod), Order.expires_at <= now)
             .order_by(Order.expires_at, Order.id))
    if order is not None:
        query = query.where(Order.id == order.id)
    if buyer_id is not None:
        query = query.where(Order.buyer_id == buyer_id)
    done = 0
    for item in db.session.scalars(query).all():
        cod = item.status == "placed"
        try:
            why = "not confirmed by the seller in time" if cod else "payment time ran out"
            transition(item, "cancelled", None, why, now=now)
        except Conflict:
            continue  # paid, confirmed or cancelled a moment ago by someone else: nothing to do
        if cod and item.buyer_id is not None:
            notifications.notify(item.buyer_id, "order_expired", {"number": item.number, "org": item.organisation.name},
                                 order_path(item.number))
        done += 1
    return done


def mark_paid(order: Order, provider: str, external_id: str | None, amount: int, actor: User | None = None,
              now: datetime | None = None) -> bool:
    """Record a payment of exactly the order total; pending orders become placed and their stock sold.

    Returns False (and changes nothing) when the order is already paid or no longer payable.
    """
    if order.paid_at is not None or order.status in ("cancelled", "refunded", "returned"):
        return False
    if amount != order.total:
        raise InvalidInput(_l("The amount paid does not match the order total."), code="amount_mismatch")
    now = now or utcnow()
    if not claim(order, Order.paid_at.is_(None), paid_at=now):
        return False  # paid a moment ago by another notification or by the seller
    if order.status == "pending_payment":
        transition(order, "placed", actor, f"paid via {provider}", now=now)
    sell(order, actor)
    db.session.flush()
    order_signals.paid(order, provider)
    return True
