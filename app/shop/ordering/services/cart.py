"""The buyer's cart: lines of variants on sale, never more than is available now, grouped by organisation."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, overload

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ....accounts.models import User
from ....errors import InvalidInput, NotFound, OutOfStock
from ....extensions import db
from ...models import Variant
from ..models import Cart, CartLine
from .fees import shipping_fee

MAX_LINE_QTY = 1000


@overload
def get_cart(user: User | None, guest_token: str | None, *, create: Literal[True]) -> Cart: ...


@overload
def get_cart(user: User | None, guest_token: str | None, *, create: bool = False) -> Cart | None: ...


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
        raise OutOfStock.left(variant.display_name, variant.available, variant_id=variant.id)


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


def _grouped(lines: Iterable[Any], unit_price: Callable[[Any], int]) -> list[dict[str, Any]]:
    """Lines split by organisation with subtotal, shipping fee and total each (what checkout will create)."""
    groups: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for line in lines:
        org = line.variant.product.organisation
        group = groups.setdefault(org.id, {"organisation": org, "lines": [], "subtotal": 0})
        group["lines"].append(line)
        group["subtotal"] += unit_price(line) * line.quantity
    for group in groups.values():
        group["shipping_fee"] = shipping_fee(group["organisation"].id, group["subtotal"])
        group["total"] = group["subtotal"] + group["shipping_fee"]
    return list(groups.values())


def held_groups(lines: list[HeldLine]) -> list[dict[str, Any]]:
    """Held lines grouped as cart_groups groups a cart, at the prices agreed when they were taken."""
    return _grouped(lines, lambda line: line.unit_price)


def cart_groups(cart: Cart | None) -> list[dict[str, Any]]:
    """The cart split by organisation with subtotal, shipping fee and total each (what checkout will create)."""
    return _grouped(cart.lines if cart else [], lambda line: line.variant.effective_price)
