"""Card payment of an order: one Stripe Checkout session per order, kept with it until it is paid or closed."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ...core.dbtypes import utcnow
from ...extensions import db
from ..payments.stripe_gateway import StripeGateway
from .models import Order


def card_checkout_url(order: Order, gateway: StripeGateway, *, return_url: str,
                      now: datetime | None = None) -> str | None:
    """The Stripe Checkout URL for an unpaid card order, created on first use; None when nothing is to be paid.

    Call it after the order is committed (Stripe is never called inside a half-done unit of work); it stores
    the session on the order and flushes, and the caller commits. Stripe failures raise PaymentError.
    """
    if order.payment_method != "stripe" or order.status != "pending_payment":
        return None
    if order.stripe_checkout_url:
        return order.stripe_checkout_url
    # Stripe accepts a session deadline 30 minutes to 24 hours ahead; let it die with the order when it can.
    left = (order.expires_at - (now or utcnow())).total_seconds() if order.expires_at else 0
    expires_at = int(order.expires_at.timestamp()) if 31 * 60 <= left <= 23 * 3600 else None
    lines = [(line.display_name, line.unit_price, line.quantity) for line in order.lines]
    if order.shipping_fee:
        lines.append((str(_l("Shipping")), order.shipping_fee, 1))
    session_id, url = gateway.create_checkout_session(
        order.number, order.id, lines, success_url=return_url + "?paid=1", cancel_url=return_url,
        idempotency_key=f"order-{order.number}", customer_phone=order.buyer_phone, expires_at=expires_at)
    order.stripe_session_id, order.stripe_checkout_url = session_id, url
    db.session.flush()
    return url
