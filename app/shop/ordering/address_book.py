"""The buyer's address book: the address of each checkout is remembered and the newest fills the next checkout
(shop and live cart), with the account's phone when nothing else is known."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...accounts.models import User
from ...core.dbtypes import utcnow
from ...core.phone import display_phone
from ...extensions import db
from .models import DeliveryAddress, Order


def remember(user: User | None, order: Order, now: datetime | None = None) -> DeliveryAddress | None:
    """Keep the delivery address of a checkout (as the order stored it, checked and normalised) for `user`."""
    if user is None:
        return None
    now = now or utcnow()
    entry = db.session.scalar(select(DeliveryAddress).where(
        DeliveryAddress.user_id == user.id, DeliveryAddress.phone == order.buyer_phone,
        DeliveryAddress.commune_code == order.commune_code, DeliveryAddress.street == order.street))
    if entry is None:
        entry = DeliveryAddress(user_id=user.id, phone=order.buyer_phone, commune_code=order.commune_code,
                                street=order.street, name=order.buyer_name, province_code=order.province_code)
        db.session.add(entry)
    entry.name, entry.province_code, entry.used_at = order.buyer_name, order.province_code, now
    db.session.flush()
    return entry


def last_address(user: User) -> DeliveryAddress | None:
    return db.session.scalar(select(DeliveryAddress).where(DeliveryAddress.user_id == user.id)
                             .order_by(DeliveryAddress.used_at.desc(), DeliveryAddress.id.desc()).limit(1))


def prefill(form, user: User) -> None:
    """A new checkout form: the last delivery address, else the account's name, phone and address."""
    last = last_address(user)
    if last is not None:
        name, phone, province, commune, street = (last.name, last.phone, last.province_code, last.commune_code,
                                                  last.street)
    else:
        name, phone, province, commune, street = (user.name, user.phone, user.province_code, user.commune_code,
                                                  user.street)
    form.name.data = form.name.data or name
    form.phone.data = form.phone.data or (display_phone(phone) if phone else None)
    form.street.data = form.street.data or street
    form.province_code.data = str(province) if province else ""
    form.commune_code.data = str(commune) if commune else ""
