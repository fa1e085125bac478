"""The buyer's data in the shop: exported on request, erased when they delete their account, and delivery
addresses of old delivered orders de-identified by the retention job.

Orders are accounting records and stay; what stays of them is what accounting and tax rules ask a seller to keep
(number, date, seller, lines with prices, fees, total, payment method and status, the province of delivery), the
buyer's name, phone, street, commune and note go (ORDER_KEPT_FIELDS and ORDER_ERASED_FIELDS are shown on the
"my data" page).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ...accounts import privacy
from ...accounts.models import User
from ...core.dbtypes import rows_changed, utcnow
from ...extensions import db
from .models import Cart, DeliveryAddress, Order

OPEN_STATUSES = ("pending_payment", "placed", "confirmed", "packed", "shipped")
ORDER_KEPT_FIELDS = ("number", "created_at", "organisation", "lines", "subtotal", "shipping_fee", "total",
                     "payment_method", "status", "paid_at", "province_code")
ORDER_ERASED_FIELDS = ("buyer_name", "buyer_phone", "street", "commune_code", "note")
ERASED = ""  # what an erased text field holds (the columns are NOT NULL); pages show deleted_label() instead


def export_shop(user: User) -> dict[str, list[dict[str, Any]]]:
    addresses = [{"name": a.name, "phone": a.phone, "province_code": a.province_code,
                  "commune_code": a.commune_code, "street": a.street, "used_at": privacy.plain(a.used_at)}
                 for a in db.session.scalars(select(DeliveryAddress).where(DeliveryAddress.user_id == user.id)
                                             .order_by(DeliveryAddress.id))]
    orders = [{"number": o.number, "created_at": privacy.plain(o.created_at), "organisation": o.organisation.name,
               "status": o.status, "payment_method": o.payment_method, "subtotal": o.subtotal,
               "shipping_fee": o.shipping_fee, "total": o.total, "paid_at": privacy.plain(o.paid_at),
               "buyer_name": o.buyer_name, "buyer_phone": o.buyer_phone, "province_code": o.province_code,
               "commune_code": o.commune_code, "street": o.street, "note": o.note,
               "consent_version": o.consent_version,
               "lines": [{"product": line.display_name, "quantity": line.quantity, "unit_price": line.unit_price}
                         for line in o.lines]}
              for o in db.session.scalars(select(Order).where(Order.buyer_id == user.id).order_by(Order.id))]
    cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    cart_rows = [{"product": line.variant.display_name, "quantity": line.quantity}
                 for line in (cart.lines if cart is not None else [])]
    return {"addresses": addresses, "orders": orders, "cart": cart_rows}


def open_orders_blocker(user: User) -> str | None:
    open_order = db.session.scalar(select(Order.number).where(Order.buyer_id == user.id,
                                                             Order.status.in_(OPEN_STATUSES)).limit(1))
    if open_order is None:
        return None
    return str(_l("Your order %(number)s is still under way: wait until it is delivered, or cancel it.",
                  number=open_order))


def _erase_order_values(now: datetime) -> dict[str, Any]:
    return {"buyer_name": ERASED, "buyer_phone": ERASED, "street": ERASED, "commune_code": None, "note": None,
            "address_erased_at": now}


def erase_shop(user: User) -> None:
    now = utcnow()
    db.session.execute(update(Order).where(Order.buyer_id == user.id).values(**_erase_order_values(now))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(DeliveryAddress).where(DeliveryAddress.user_id == user.id))
    db.session.execute(delete(Cart).where(Cart.user_id == user.id))
    db.session.expire_all()


def deidentify_delivered_addresses(older_than_days: int, now: datetime | None = None) -> int:
    """The retention job: delivered orders older than `older_than_days` (by their creation) keep no name, phone,
    street or commune of the receiver. Returns how many orders it changed; running it again changes none."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or utcnow()
    result = db.session.execute(
        update(Order).where(Order.status == "delivered", Order.created_at < now - timedelta(days=older_than_days),
                            Order.address_erased_at.is_(None))
        .values(**_erase_order_values(now)).execution_options(synchronize_session=False))
    db.session.expire_all()
    return rows_changed(result)


def register(app: Flask) -> None:
    privacy.register(app, "shop", exporter=export_shop, eraser=erase_shop, blocker=open_orders_blocker)
