"""Write side of ordering, split along its seams: the cart (cart), delivery fees (fees), checkout (checkout), the
order state machine (transitions), payments and their deadline (payments), orders found and changed with a
permission check (access). Callers import from here.

Services take explicit arguments, flush, raise domain errors and never commit: the caller commits once.
Stock moves only through app.shop.inventory.
"""
from .access import (
    bulk_confirm,
    find_order,
    order_for_buyer,
    order_for_seller,
    resolve_review,
    seller_mark_paid,
    seller_transition,
)
from .cart import (
    MAX_LINE_QTY,
    HeldLine,
    add_to_cart,
    cart_groups,
    get_cart,
    held_groups,
    merge_guest_cart,
    remove_from_cart,
    update_cart_line,
)
from .checkout import OPEN_STATUSES, checkout, checkout_held, checkout_key, checkout_options, orders_for_key
from .fees import MAX_SHIPPING_FEE, set_shipping_rule, shipping_fee, shipping_rule
from .payments import expire_unpaid, mark_paid
from .transitions import SELLER_TARGETS, TRANSITIONS, allowed_targets, seller_targets, transition

__all__ = [
    "MAX_LINE_QTY", "MAX_SHIPPING_FEE", "OPEN_STATUSES", "SELLER_TARGETS", "TRANSITIONS", "HeldLine",
    "add_to_cart", "allowed_targets", "bulk_confirm", "cart_groups", "checkout", "checkout_held", "checkout_key",
    "checkout_options", "expire_unpaid", "find_order", "get_cart", "held_groups", "mark_paid", "merge_guest_cart",
    "order_for_buyer", "order_for_seller", "orders_for_key", "remove_from_cart", "resolve_review", "seller_mark_paid",
    "seller_targets", "seller_transition", "set_shipping_rule", "shipping_fee", "shipping_rule", "transition",
    "update_cart_line",
]
