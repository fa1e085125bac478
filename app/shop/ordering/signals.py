"""What ordering announces (core.signals): one call per change, queued to be delivered after the commit."""
from __future__ import annotations

from typing import Any

from ...accounts.models import User
from ...core import signals
from .models import Order


def _order(order: Order) -> dict[str, Any]:
    return {"order_id": order.id, "number": order.number, "organisation_id": order.organisation_id,
            "buyer_id": order.buyer_id, "total": order.total, "payment_method": order.payment_method}


def created(order: Order) -> None:
    """A new order: order_created, and order_placed when it is placed from the start (no online payment)."""
    signals.send_after_commit(signals.order_created, **_order(order), status=order.status, subtotal=order.subtotal,
                              shipping_fee=order.shipping_fee)
    if order.status == "placed":
        signals.send_after_commit(signals.order_placed, **_order(order), from_status=None, status="placed",
                                  actor_id=order.buyer_id)


def status_changed(order: Order, from_status: str, actor: User | None) -> None:
    """The order entered `order.status` (services.transition)."""
    signals.send_after_commit(signals.ORDER_STATUS_SIGNALS[order.status], **_order(order), from_status=from_status,
                              status=order.status, actor_id=actor.id if actor is not None else None)


def paid(order: Order, provider: str) -> None:
    signals.send_after_commit(signals.order_paid, **_order(order), provider=provider, paid_at=order.paid_at)
