"""Checkout: one order per organisation from a cart (or from lines a live already holds), all or nothing,
idempotent by its key, within each product's per-buyer limit."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ....accounts.models import User
from ....core import addresses
from ....core.dbtypes import utcnow
from ....core.phone import normalize_vn_phone
from ....errors import InvalidInput
from ....extensions import db
from ... import inventory
from ...models import Variant
from ...payments.bank_notifications import new_order_number
from .. import signals as order_signals
from ..models import PAYMENT_METHODS, Cart, Order, OrderEvent, OrderLine
from .cart import HeldLine, cart_groups, held_groups
from .fees import MAX_SHIPPING_FEE
from .payments import expire_unpaid

# Orders that still hold (or are about to ship) their units: what the per-buyer limit counts.
OPEN_STATUSES = ("pending_payment", "placed", "confirmed", "packed", "shipped")


def _unused_order_number() -> str:
    for _ in range(10):
        number = new_order_number()
        if db.session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number
    raise RuntimeError("could not find a free order number")  # 32^6 codes: practically unreachable


def checkout_key(buyer: User | None, idempotency_key: Any, cart: Cart | None = None) -> str:
    """What an order stores of its checkout's idempotency key: a digest of whose checkout it was and the exact key.

    Scoped to the signed-in buyer, or for a guest to their cart (found only through the guest's own cookie), so
    replaying someone else's key starts a checkout of your own cart instead of reading their orders."""
    if not isinstance(idempotency_key, str) or not idempotency_key or len(idempotency_key) > 100:
        raise InvalidInput(_l("The checkout form expired. Please try again."), code="bad_idempotency_key")
    if buyer is not None:
        scope = f"user:{buyer.id}"
    elif cart is not None and cart.id is not None:
        scope = f"cart:{cart.id}"
    else:
        raise InvalidInput(_l("Your cart could not be created."), code="no_cart")
    return hashlib.sha256(f"{scope}\n{idempotency_key}".encode()).hexdigest()


def orders_for_key(buyer: User | None, idempotency_key: Any, cart: Cart | None = None) -> list[Order]:
    """The orders this buyer's (or this guest cart's) checkout with exactly this key created, if it ran."""
    return _orders_with_key(checkout_key(buyer, idempotency_key, cart))


def _orders_with_key(key: str) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.checkout_key == key).order_by(Order.id)))


def checkout_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings every checkout path (shop, live cart, API) passes to checkout(), from the app config."""
    return {"payment_minutes": int(config.get("ORDER_PAYMENT_MINUTES", 60)),
            "stripe_enabled": bool(config.get("STRIPE_SECRET_KEY")),
            "cod_confirm_hours": float(config.get("COD_CONFIRM_HOURS") or 0) or None,
            "max_units_per_buyer": int(config.get("MAX_UNITS_PER_BUYER") or 0) or None}


def _check_buyer_limits(buyer: User | None, groups: list[dict[str, Any]], default_cap: int | None,
                        now: datetime) -> None:
    """Refuse a checkout that would leave the buyer holding more units of a product than its limit, counting
    the buyer's open orders: one buyer must not be able to hold a seller's whole stock."""
    wanted: dict[int, int] = {}
    products: dict[int, Any] = {}
    for group in groups:
        for line in group["lines"]:
            product = line.variant.product
            products[product.id] = product
            wanted[product.id] = wanted.get(product.id, 0) + line.quantity
    caps = {pid: cap for pid, product in products.items() if (cap := product.max_per_buyer or default_cap)}
    if not caps:
        return
    held: dict[int, int] = {}
    if buyer is not None:
        # One checkout per buyer at a time (a row lock on PostgreSQL), so two at once cannot both pass the count.
        db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update())
        expire_unpaid(now, buyer_id=buyer.id)  # orders past their deadline no longer hold anything
        held = {pid: int(units) for pid, units in db.session.execute(
            select(Variant.product_id, func.sum(OrderLine.quantity))
            .join(OrderLine, OrderLine.variant_id == Variant.id).join(Order, Order.id == OrderLine.order_id)
            .where(Order.buyer_id == buyer.id, Order.status.in_(OPEN_STATUSES), Variant.product_id.in_(sorted(caps)))
            .group_by(Variant.product_id))}
    for pid, cap in caps.items():
        already = held.get(pid, 0)
        if already + wanted[pid] <= cap:
            continue
        name = products[pid].name
        if already:
            message = _l("One buyer may have at most %(cap)s of %(name)s in orders not yet delivered; yours already "
                         "have %(held)s.", cap=cap, name=name, held=already)
        else:
            message = _l("One buyer may order at most %(cap)s of %(name)s.", cap=cap, name=name)
        raise InvalidInput(message, code="buyer_limit", product_id=pid, limit=cap, held=already)


def checkout_held(lines: list[HeldLine], buyer: User | None, **details: Any) -> list[Order]:
    """Orders for lines whose stock is already reserved (a buyer's live cart), with the same details as checkout.

    The reserved units pass to the orders as they are: never reserved twice, never free in between."""
    return checkout(None, buyer, held=lines, **details)


def checkout(cart: Cart | None, buyer: User | None, *, name: str | None, phone: str | None, province_code: Any,
             commune_code: Any, street: str | None, note: str | None, payment_method: str,
             idempotency_key: str, payment_minutes: int = 60, stripe_enabled: bool = False,
             cod_confirm_hours: float | None = None, max_units_per_buyer: int | None = None,
             now: datetime | None = None, held: list[HeldLine] | None = None,
             shipping_fees: Mapping[int, int] | None = None, consent_version: str | None = None) -> list[Order]:
    """Turn the cart into one order per organisation, reserving every line's stock (all or nothing).

    The same idempotency key returns the orders it already created. OutOfStock or InvalidInput leave
    the caller to roll back: nothing is half-reserved once the transaction ends. With `held` (see
    checkout_held) the lines come with their stock already reserved and their own prices.
    A buyer's open orders may hold at most `max_units_per_buyer` units of a product (or the product's own
    limit); a COD order the seller has not confirmed within `cod_confirm_hours` is cancelled (expire_unpaid).
    checkout_options(config) gives every caller the same settings. `shipping_fees` ({organisation id: fee}) are
    carriers' quotes for this address (shipping.services.fees_for_groups); other organisations keep the flat rule.
    `consent_version` is the privacy notice the buyer agreed to (the pages refuse a checkout without it,
    accounts.privacy.require_consent); each order keeps it.
    """
    key = checkout_key(buyer, idempotency_key, cart)
    existing = _orders_with_key(key)
    if existing:
        return existing
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidInput(_l("Please enter the receiver's name."), code="invalid_name", field="name")
    e164 = normalize_vn_phone(phone, mobile_only=False)
    if e164 is None:
        raise InvalidInput(_l("Please enter a valid Vietnamese phone number."), code="invalid_phone", field="phone")
    street = " ".join((street or "").split())
    if not street or len(street) > 200:
        raise InvalidInput(_l("Please enter the delivery address (house number, street, village)."),
                           code="invalid_street", field="street")
    try:
        province = int(province_code) if province_code else None
        commune = int(commune_code) if commune_code else None
    except (TypeError, ValueError):
        raise InvalidInput(_l("Please choose the province and commune."), code="invalid_address") from None
    if not province or not commune:
        raise InvalidInput(_l("Please choose the province and commune."), code="invalid_address")
    if commune not in {code for code, _ in addresses.communes(province)}:
        raise InvalidInput(_l("Please choose the province and commune."), code="invalid_address")
    if payment_method not in PAYMENT_METHODS:
        raise InvalidInput(_l("Please choose a payment method."), code="invalid_payment_method")
    if payment_method == "stripe" and not stripe_enabled:
        raise InvalidInput(_l("Card payments are not available right now. Please choose another payment method."),
                           code="stripe_off")
    note = " ".join((note or "").split())[:500] or None
    online = payment_method in ("vietqr", "stripe")
    groups = cart_groups(cart) if held is None else held_groups(held)
    for group in groups:
        fee = (shipping_fees or {}).get(group["organisation"].id)
        if fee is not None and 0 <= fee <= MAX_SHIPPING_FEE:
            group["shipping_fee"], group["total"] = fee, group["subtotal"] + fee
    if not groups:
        raise InvalidInput(_l("Your cart is empty."), code="empty_cart")
    _check_buyer_limits(buyer, groups, max_units_per_buyer, now)
    if online:
        expires_at = now + timedelta(minutes=payment_minutes)
    elif payment_method == "cod" and cod_confirm_hours:
        expires_at = now + timedelta(hours=cod_confirm_hours)  # unless the seller confirms it first
    else:
        expires_at = None

    orders = []
    for group in groups:
        org = group["organisation"]
        if payment_method == "vietqr" and not org.has_bank_account:
            raise InvalidInput(_l("%(org)s does not accept bank transfers yet. Please choose another payment method.",
                                  org=org.name), code="no_bank_account")
        order = Order(number=_unused_order_number(), organisation_id=org.id, buyer_id=buyer.id if buyer else None,
                      pay_to_bank_bin=org.bank_bin if payment_method == "vietqr" else None,
                      pay_to_account=org.bank_account_number if payment_method == "vietqr" else None,
                      pay_to_account_name=org.bank_account_name if payment_method == "vietqr" else None,
                      buyer_name=name, buyer_phone=e164, province_code=province, commune_code=commune, street=street,
                      note=note, subtotal=group["subtotal"], shipping_fee=group["shipping_fee"], total=group["total"],
                      payment_method=payment_method, status="pending_payment" if online else "placed",
                      expires_at=expires_at,
                      checkout_key=key, created_at=now, consent_version=(consent_version or None) and consent_version[:20])
        db.session.add(order)
        for line in group["lines"]:
            variant = line.variant
            if held is None and (not variant.is_active or variant.product.status != "active"):
                raise InvalidInput(_l("%(name)s is not on sale.", name=variant.display_name), code="not_on_sale")
            order.lines.append(OrderLine(variant_id=variant.id, product_name=variant.product.name,
                                         variant_label=variant.label,
                                         unit_price=variant.effective_price if held is None else line.unit_price,
                                         quantity=line.quantity))
        db.session.flush()
        for line in order.lines if held is None else ():
            inventory.reserve_stock(line.variant_id, line.quantity, reason=f"order {order.number}", actor=buyer)
        order.events.append(OrderEvent(from_status=None, to_status=order.status, actor_id=buyer.id if buyer else None,
                                       created_at=now))
        order_signals.created(order)
        orders.append(order)
    if cart is not None:
        cart.lines.clear()
    db.session.flush()
    return orders
