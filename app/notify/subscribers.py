"""What writes outbox messages: order signals (in the order's own transaction) and the bell's routed kinds."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from sqlalchemy import select

from ..accounts import notifications
from ..core import signals
from ..extensions import db
from ..shop.ordering.models import Order, order_path
from . import outbox

# Order events the buyer hears about, and the template each uses.
ORDER_EVENTS = {
    signals.order_placed: "order_placed", signals.order_confirmed: "order_confirmed",
    signals.order_shipped: "order_shipped", signals.order_delivered: "order_delivered",
    signals.order_paid: "order_paid", signals.order_cancelled: "order_cancelled",
    signals.order_returned: "order_returned",
}
# Kinds the bell used to get directly that now go through the outbox (their in-app row is the same as before).
# live_started is not among them: a live start writes one row per follower in one INSERT, and a ZNS or SMS to
# every follower is not what buyers agreed to. Adding a kind here is all it takes to send it through the outbox
# (to the bell only, as before); a template of the same key in templates.py adds web push, SMS or Zalo.
ROUTED_KINDS = {"hold_expiring", "waitlist_served", "order_expired", "certificate_expiring"}


def _order_params(order: Order) -> dict[str, Any]:
    params: dict[str, Any] = {"number": order.number, "org": order.organisation.name, "total": order.total,
                              "buyer_name": order.buyer_name}
    from ..shop.shipping.queries import active_shipment

    shipment = active_shipment(order.id)
    if shipment is not None:
        params.update(carrier=shipment.carrier_name, tracking=shipment.carrier_code)
    return params


def make_order_receiver(template: str):
    def receiver(app: Flask, *, order_id: int, **payload: Any) -> None:
        if (template == "order_cancelled" and payload.get("from_status") == "placed"
                and payload.get("payment_method") == "cod" and payload.get("actor_id") is None):
            return  # the expiry of an unconfirmed COD order: the buyer hears "order_expired" (services.expire_unpaid)
        order = db.session.get(Order, order_id)
        if order is None:
            return
        outbox.write(template, dedupe_key=f"{template}:{order.id}", template=template, params=_order_params(order),
                     user_id=order.buyer_id, phone=order.buyer_phone, link=order_path(order.number))

    receiver.__qualname__ = f"notify_{template}"
    return receiver


class BellRouter:
    """Takes the routed kinds from accounts.notifications.notify: one outbox message per user instead."""

    def accepts(self, kind: str) -> bool:
        return kind in ROUTED_KINDS

    def __call__(self, user_ids: list[int], kind: str, data: dict[str, Any], link: str | None) -> list:
        notes = []
        for user_id in user_ids:
            key = _dedupe_key(user_id, kind, data)
            phone = None
            if kind == "order_expired" and data.get("number"):
                phone = db.session.scalar(select(Order.buyer_phone).where(Order.number == data["number"]))
            message = outbox.write(kind, dedupe_key=key, template=kind, params=data, user_id=user_id, phone=phone,
                                   link=link)
            notes.append(_note_written(message))
        return notes


def _dedupe_key(user_id: int, kind: str, data: dict[str, Any]) -> str:
    if kind == "hold_expiring" and data.get("session_id") is not None:
        return f"hold_expiring:{user_id}:{data['session_id']}"  # once per buyer and live, as the reminder is
    if kind == "order_expired" and data.get("number"):
        return f"order_expired:{data['number']}"
    return f"{kind}:{user_id}:{uuid.uuid4().hex}"


def _note_written(message) -> Any:
    """The bell's row when the message was delivered in-app at once (outbox.write), else None."""
    return getattr(message, "inapp_note", None) if message is not None else None


def connect(app: Flask) -> None:
    for signal, template in ORDER_EVENTS.items():
        signals.connect_in_transaction(signal, make_order_receiver(template), app)
    notifications.set_router(app, BellRouter())
