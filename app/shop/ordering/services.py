"""Write side of ordering: cart, checkout, the order state machine and payment confirmations.

Services take explicit arguments, flush, raise domain errors and never commit: the caller commits once.
Stock moves only through app.shop.inventory.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...accounts import notifications
from ...accounts.models import Organisation, User
from ...accounts.services import require_org_role
from ...core.dbtypes import utcnow
from ...core.money import MAX_VND, format_vnd
from ...core.phone import normalize_vn_phone
from ...errors import Conflict, Forbidden, InvalidInput, NotFound, OutOfStock
from ...extensions import db
from .. import inventory
from ..models import Variant
from ..payments.bank_notifications import new_order_number, normalize_order_number
from . import signals as order_signals
from .models import (DEFAULT_FLAT_FEE, DEFAULT_FREE_ABOVE, PAYMENT_METHODS, BankReview, Cart, CartLine, Order,
                     OrderEvent, OrderLine, ShippingRule)

MAX_LINE_QTY = 1000
# Orders that still hold (or are about to ship) their units: what the per-buyer limit counts.
OPEN_STATUSES = ("pending_payment", "placed", "confirmed", "packed", "shipped")
ORDER_PATH = "/shop/orders/{number}"  # the buyer's order page, for notifications written outside a request

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


# --- cart -----------------------------------------------------------------------------------------

def get_cart(user: User | None, guest_token: str | None, *, create: bool = False) -> Cart | None:
    if user is not None:
        cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    elif guest_token:
        cart = db.session.scalar(select(Cart).where(Cart.guest_token == guest_token))
    else:
        cart = None
    if cart is None and create:
        if user is None and not guest_token:
            raise InvalidInput(_l("Your cart could not be created."), code="no_cart")
        cart = Cart(user_id=user.id if user else None, guest_token=None if user else guest_token)
        db.session.add(cart)
        db.session.flush()
    return cart


def _qty(quantity: Any) -> int:
    try:
        qty = int(quantity)
    except (TypeError, ValueError):
        raise InvalidInput(_l("The quantity must be a whole number above zero."), code="invalid_quantity") from None
    if qty <= 0 or qty > MAX_LINE_QTY:
        raise InvalidInput(_l("The quantity must be a whole number above zero."), code="invalid_quantity")
    return qty


def _sellable_variant(variant_id: Any) -> Variant:
    try:
        vid = int(variant_id)
    except (TypeError, ValueError):
        vid = None
    variant = db.session.get(Variant, vid) if vid else None
    if variant is None:
        raise NotFound(_l("This product option no longer exists."), code="no_such_variant")
    if not variant.is_active or variant.product.status != "active":
        raise InvalidInput(_l("%(name)s is not on sale.", name=variant.display_name), code="not_on_sale")
    return variant


def _check_available(variant: Variant, qty: int) -> None:
    if qty > variant.available:
        if variant.available <= 0:
            raise OutOfStock(_l("Sorry, %(name)s is sold out.", name=variant.display_name),
                             available=0, variant_id=variant.id)
        raise OutOfStock(_l("Sorry, only %(n)s of %(name)s are left.", n=variant.available, name=variant.display_name),
                         available=variant.available, variant_id=variant.id)


def _line(cart: Cart, variant_id: int) -> CartLine | None:
    return next((line for line in cart.lines if line.variant_id == variant_id), None)


def add_to_cart(cart: Cart, variant_id: Any, quantity: Any = 1) -> CartLine:
    """Add units of a variant on sale; the cart never holds more than is available now."""
    qty = _qty(quantity)
    variant = _sellable_variant(variant_id)
    line = _line(cart, variant.id)
    total = (line.quantity if line else 0) + qty
    _check_available(variant, total)
    if line is None:
        line = CartLine(variant_id=variant.id, quantity=total)
        cart.lines.append(line)
    else:
        line.quantity = total
    db.session.flush()
    return line


def update_cart_line(cart: Cart, variant_id: Any, quantity: Any) -> None:
    """Set a line's quantity; zero removes it."""
    try:
        if int(quantity) == 0:
            return remove_from_cart(cart, variant_id)
    except (TypeError, ValueError):
        pass
    qty = _qty(quantity)
    variant = _sellable_variant(variant_id)
    line = _line(cart, variant.id)
    if line is None:
        raise NotFound(_l("That item is not in your cart."), code="not_in_cart")
    _check_available(variant, qty)
    line.quantity = qty
    db.session.flush()


def remove_from_cart(cart: Cart, variant_id: Any) -> None:
    try:
        vid = int(variant_id)
    except (TypeError, ValueError):
        raise NotFound(_l("That item is not in your cart."), code="not_in_cart") from None
    line = _line(cart, vid)
    if line is not None:
        cart.lines.remove(line)
        db.session.flush()


def merge_guest_cart(guest_token: str | None, user: User) -> Cart | None:
    """At sign-in the guest cart's lines join the user's cart (quantities add up, capped by stock)."""
    guest = get_cart(None, guest_token) if guest_token else None
    if guest is None:
        return get_cart(user, None)
    cart = get_cart(user, None, create=True)
    for line in list(guest.lines):
        mine = _line(cart, line.variant_id)
        qty = (mine.quantity if mine else 0) + line.quantity
        qty = min(qty, max(line.variant.available, 0), MAX_LINE_QTY)
        if mine is not None:
            mine.quantity = max(qty, mine.quantity)
        elif qty > 0:
            cart.lines.append(CartLine(variant_id=line.variant_id, quantity=qty))
    db.session.delete(guest)
    db.session.flush()
    return cart


@dataclass(frozen=True)
class HeldLine:
    """A line whose units are already reserved (a live reservation), at the price agreed when it was taken."""

    variant: Variant
    quantity: int
    unit_price: int


def held_groups(lines: list[HeldLine]) -> list[dict[str, Any]]:
    """Held lines split by organisation with subtotal, shipping fee and total, as cart_groups does for a cart."""
    groups: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for line in lines:
        org = line.variant.product.organisation
        group = groups.setdefault(org.id, {"organisation": org, "lines": [], "subtotal": 0})
        group["lines"].append(line)
        group["subtotal"] += line.unit_price * line.quantity
    for group in groups.values():
        group["shipping_fee"] = shipping_fee(group["organisation"].id, group["subtotal"])
        group["total"] = group["subtotal"] + group["shipping_fee"]
    return list(groups.values())


def cart_groups(cart: Cart | None) -> list[dict[str, Any]]:
    """The cart split by organisation with subtotal, shipping fee and total each (what checkout will create)."""
    groups: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for line in (cart.lines if cart else []):
        org = line.variant.product.organisation
        group = groups.setdefault(org.id, {"organisation": org, "lines": [], "subtotal": 0})
        group["lines"].append(line)
        group["subtotal"] += line.variant.effective_price * line.quantity
    for group in groups.values():
        group["shipping_fee"] = shipping_fee(group["organisation"].id, group["subtotal"])
        group["total"] = group["subtotal"] + group["shipping_fee"]
    return list(groups.values())


# --- shipping -------------------------------------------------------------------------------------

MAX_SHIPPING_FEE = 1_000_000  # a flat delivery fee above a million dong is a typo, not a courier's price


def shipping_rule(organisation_id: int) -> tuple[int, int | None, bool]:
    """(flat fee, free from this subtotal or None, True when the organisation has not set its own rule)."""
    rule = db.session.scalar(select(ShippingRule).where(ShippingRule.organisation_id == organisation_id))
    if rule is None:
        return DEFAULT_FLAT_FEE, DEFAULT_FREE_ABOVE, True
    return rule.flat_fee, rule.free_above, False


def shipping_fee(organisation_id: int, subtotal: int) -> int:
    flat, free_above, _ = shipping_rule(organisation_id)
    if free_above is not None and subtotal >= free_above:
        return 0
    return flat


def set_shipping_rule(actor: User, org: Organisation, flat_fee: int | None, free_above: int | None) -> ShippingRule:
    """The owner sets the organisation's delivery fee: flat, and free from a subtotal (None: never free)."""
    require_org_role(actor, org, "owner")
    if flat_fee is None or isinstance(flat_fee, bool) or not isinstance(flat_fee, int):
        raise InvalidInput(_l("Please enter the delivery fee in dong, digits only."), code="bad_shipping_rule",
                           field="flat_fee")
    if free_above is not None and (isinstance(free_above, bool) or not isinstance(free_above, int)):
        raise InvalidInput(_l("Please enter the amount in dong, digits only, or leave it empty."),
                           code="bad_shipping_rule", field="free_above")
    if flat_fee < 0 or (free_above is not None and free_above < 0):
        raise InvalidInput(_l("Shipping fees cannot be negative."), code="bad_shipping_rule")
    if flat_fee > MAX_SHIPPING_FEE:
        raise InvalidInput(_l("A delivery fee above %(max)s looks like a typo. Please check the number of zeros.",
                              max=format_vnd(MAX_SHIPPING_FEE, str(get_locale() or "vi"))),
                           code="bad_shipping_rule", field="flat_fee")
    if free_above is not None and free_above > MAX_VND:
        raise InvalidInput(_l("That amount is too high. Please check the number of zeros."),
                           code="bad_shipping_rule", field="free_above")
    rule = db.session.scalar(select(ShippingRule).where(ShippingRule.organisation_id == org.id))
    if rule is None:
        rule = ShippingRule(organisation_id=org.id)
        db.session.add(rule)
    rule.flat_fee, rule.free_above = flat_fee, free_above
    db.session.flush()
    return rule


# --- checkout -------------------------------------------------------------------------------------

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
    caps = {pid: product.max_per_buyer or default_cap for pid, product in products.items()}
    caps = {pid: cap for pid, cap in caps.items() if cap}
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
             shipping_fees: Mapping[int, int] | None = None) -> list[Order]:
    """Turn the cart into one order per organisation, reserving every line's stock (all or nothing).

    The same idempotency key returns the orders it already created. OutOfStock or InvalidInput leave
    the caller to roll back: nothing is half-reserved once the transaction ends. With `held` (see
    checkout_held) the lines come with their stock already reserved and their own prices.
    A buyer's open orders may hold at most `max_units_per_buyer` units of a product (or the product's own
    limit); a COD order the seller has not confirmed within `cod_confirm_hours` is cancelled (expire_unpaid).
    checkout_options(config) gives every caller the same settings. `shipping_fees` ({organisation id: fee}) are
    carriers' quotes for this address (shipping.services.fees_for_groups); other organisations keep the flat rule.
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
    from ...core import addresses

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
                      checkout_key=key, created_at=now)
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


# --- state machine ---------------------------------------------------------------------------------

def _claim(order: Order, condition, **values) -> bool:
    """Change the order's row only if `condition` still holds in the database (another request, a webhook or
    the expiry job may have changed it since this one read it); True when this caller made the change."""
    result = db.session.execute(update(Order).where(Order.id == order.id, condition).values(**values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(order, key, value)
    return True


def _sell(order: Order, actor: User | None) -> None:
    if not order.stock_sold and _claim(order, Order.stock_sold.is_(False), stock_sold=True):
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
    if not _claim(order, Order.status == from_status, status=to_status):
        raise Conflict(_l("This order was changed meanwhile. Please reload the page."), code="order_changed")
    if to_status == "confirmed":
        _sell(order, actor)
    elif to_status in ("cancelled", "refunded", "returned"):
        _give_back(order, actor, to_status)
    event = OrderEvent(from_status=from_status, to_status=to_status, actor_id=actor.id if actor else None,
                       note=(note or "")[:300] or None, created_at=now or utcnow())
    order.events.append(event)
    db.session.flush()
    order_signals.status_changed(order, from_status, actor)
    return event


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
            transition(item, "cancelled", None, "not confirmed by the seller in time" if cod else "payment time ran out",
                       now=now)
        except Conflict:
            continue  # paid, confirmed or cancelled a moment ago by someone else: nothing to do
        if cod and item.buyer_id is not None:
            notifications.notify(item.buyer_id, "order_expired", {"number": item.number, "org": item.organisation.name},
                                 ORDER_PATH.format(number=item.number))
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
    if not _claim(order, Order.paid_at.is_(None), paid_at=now):
        return False  # paid a moment ago by another notification or by the seller
    if order.status == "pending_payment":
        transition(order, "placed", actor, f"paid via {provider}", now=now)
    _sell(order, actor)
    db.session.flush()
    order_signals.paid(order, provider)
    return True


# --- reading with permission checks ----------------------------------------------------------------

def find_order(number: str | None) -> Order | None:
    normal = normalize_order_number(number)
    return db.session.scalar(select(Order).where(Order.number == normal)) if normal else None


def order_for_buyer(user: User | None, number: str, now: datetime | None = None) -> Order:
    order = find_order(number)
    if order is None or user is None or order.buyer_id != user.id:
        raise NotFound(_l("We could not find that order."), code="no_such_order")
    expire_unpaid(now, order)
    return order


def order_for_seller(user: User | None, org: Organisation, number: str, now: datetime | None = None) -> Order:
    require_org_role(user, org, "staff")
    order = find_order(number)
    if order is None or order.organisation_id != org.id:
        raise NotFound(_l("We could not find that order."), code="no_such_order")
    expire_unpaid(now, order)
    return order


def seller_transition(actor: User, org: Organisation, number: str, to_status: str, note: str | None = None) -> Order:
    order = order_for_seller(actor, org, number)
    if to_status not in SELLER_TARGETS:
        raise Forbidden()
    transition(order, to_status, actor, note)
    return order


def bulk_confirm(actor: User, org: Organisation, numbers: list[str]) -> int:
    require_org_role(actor, org, "staff")
    done = 0
    for number in numbers:
        order = order_for_seller(actor, org, number)
        if order.status == "placed":
            transition(order, "confirmed", actor)
            done += 1
    return done


def seller_mark_paid(actor: User, org: Organisation, number: str) -> Order:
    """Cash or a transfer the seller received by hand."""
    order = order_for_seller(actor, org, number)
    if not mark_paid(order, "manual", None, order.total, actor):
        raise InvalidInput(_l("This order is already paid or closed."), code="not_payable")
    return order


def resolve_review(actor: User, org: Organisation, review_id: int) -> BankReview:
    require_org_role(actor, org, "staff")
    review = db.session.get(BankReview, review_id)
    if review is None or review.organisation_id != org.id:
        raise NotFound()
    review.resolved = True
    db.session.flush()
    return review
