"""The order state machine: legal moves, each with its stock effect and a history row, claimed conditionally."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, update
from sqlalchemy.orm.attributes import set_committed_value

from ....accounts.models import User
from ....core.dbtypes import rows_changed, utcnow
from ....errors import Conflict, InvalidInput
from ....extensions import db
from ... import inventory
from .. import signals as order_signals
from ..models import Order, OrderEvent

# from → allowed targets. Paid or sold orders leave through "refunded" rather than "cancelled" only
# when money came in; a cancellation of an unpaid order releases its reserved stock.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending_payment": ("placed", "cancelled"),
    "placed": ("confirmed", "cancelled", "refunded"),
    "confirmed": ("packed", "cancelled", "refunded"),
    "packed": ("shipped", "cancelled", "refunded"),
    "shipped": ("delivered", "returned", "refunded"),
    "delivered": ("refunded",),
    "cancelled": (),
    "refunded": (),
    "returned": (),  # the carrier brought the parcel back (its stock is back on the shelf)
}
# Buttons a seller sees (the buyer pays and Stripe/bank confirm; "placed" is not set by hand).
SELLER_TARGETS = ("confirmed", "packed", "shipped", "delivered", "cancelled", "refunded", "returned")


def allowed_targets(order: Order) -> tuple[str, ...]:
    """Where this order can go now: "refunded" only once money came in (an unpaid order is cancelled instead)."""
    return tuple(t for t in TRANSITIONS.get(order.status, ()) if t != "refunded" or order.paid_at is not None)


def seller_targets(order: Order) -> list[str]:
    """The moves a seller may make on this order now, in the order the buttons show them."""
    return [t for t in allowed_targets(order) if t in SELLER_TARGETS]


def claim(order: Order, condition: ColumnElement[bool], **values: Any) -> bool:
    """Change the order's row only if `condition` still holds in the database (another request, a webhook or
    the expiry job may have changed it since this one read it); True when this caller made the change."""
    result = db.session.execute(update(Order).where(Order.id == order.id, condition).values(**values)
                                .execution_options(synchronize_session=False))
    if rows_changed(result) != 1:
        return False
    for key, value in values.items():
        set_committed_value(order, key, value)
    return True


def sell(order: Order, actor: User | None) -> None:
    if not order.stock_sold and claim(order, Order.stock_sold.is_(False), stock_sold=True):
        for line in order.lines:
            inventory.sell_reserved(line.variant_id, line.quantity, f"order {order.number} sold", actor=actor)


def _give_back(order: Order, actor: User | None, why: str) -> None:
    for line in order.lines:
        if order.stock_sold:
            inventory.return_sold(line.variant_id, line.quantity, f"order {order.number} {why}", actor=actor)
        else:
            inventory.release_stock(line.variant_id, line.quantity, f"order {order.number} {why}", actor=actor)


def transition(order: Order, to_status: str, actor: User | None, note: str | None = None,
               now: datetime | None = None) -> OrderEvent:
    """Move an order along the legal transitions, with its stock effect and a history row."""
    if to_status not in allowed_targets(order):
        raise InvalidInput(_l("An order cannot go from %(a)s to %(b)s.", a=order.status, b=to_status),
                           code="illegal_transition", from_status=order.status, to_status=to_status)
    from_status = order.status
    # Conditional on the status this caller saw, so two requests never both cancel (and release) one order.
    if not claim(order, Order.status == from_status, status=to_status):
        raise Conflict(_l("This order was changed meanwhile. Please reload the page."), code="order_changed")
    if to_status == "confirmed":
        sell(order, actor)
    elif to_status in ("cancelled", "refunded", "returned"):
        _give_back(order, actor, to_status)
    event = OrderEvent(from_status=from_status, to_status=to_status, actor_id=actor.id if actor else None,
                       note=(note or "")[:300] or None, created_at=now or utcnow())
    order.events.append(event)
    db.session.flush()
    order_signals.status_changed(order, from_status, actor)
    return event
