"""API: catalog, product detail, the signed-in buyer's cart, checkout and orders, and seller endpoints."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..accounts.services import get_organisation, require_org_role
from ..errors import NotFound, PaymentError
from ..extensions import db
from ..shop import inventory, queries
from ..shop import services as shop_services
from ..shop.models import Variant
from ..shop.ordering import queries as order_queries
from ..shop.ordering import services as ordering
from ..shop.ordering.card import card_checkout_url
from ..shop.ordering.limits import checkout_limit
from ..shop.payments.stripe_gateway import gateway_from_config
from .access import signed_in, viewer
from .schemas import ErrorSchema

blp = Blueprint("api_shop", __name__, url_prefix="/api/v1", description="Shop: catalog, cart, checkout, orders")
AUTH = [{"bearerAuth": []}]


# Schemas -------------------------------------------------------------------------------------------

class CatalogArgs(Schema):
    q = fields.String(load_default=None)
    category = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


class ProductSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    price = fields.Integer(metadata={"description": "Integer VND (lowest option price)"})
    unit = fields.String()
    status = fields.String()
    organisation = fields.String(metadata={"description": "Organisation slug"})
    thumbnail = fields.String(allow_none=True)
    available = fields.Integer()


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    total = fields.Integer(metadata={"description": "Matching products; a search stops counting at 1,000 (see capped)"})
    capped = fields.Boolean(metadata={"description": "More products match than total says (a broad search)"})
    page = fields.Integer()
    pages = fields.Integer(metadata={"description": "Pages of total; when capped, follow has_next instead"})
    has_next = fields.Boolean()


class VariantSchema(Schema):
    id = fields.Integer()
    label = fields.String(allow_none=True)
    price = fields.Integer()
    available = fields.Integer()


class ProductDetailSchema(ProductSchema):
    description = fields.String(allow_none=True)
    category = fields.String()
    variants = fields.List(fields.Nested(VariantSchema))
    max_per_buyer = fields.Integer(allow_none=True, metadata={
        "description": "Most units one buyer may hold in open orders; null: the platform's limit"})


class ProductUpdateSchema(Schema):
    max_per_buyer = fields.Integer(allow_none=True, metadata={
        "description": "Most units of this product one buyer may hold in orders not yet delivered (1 or more); "
                       "null: the platform's limit. Left out: unchanged."})
    status = fields.String(metadata={
        "description": "draft, active (on sale: on a marketplace only for a verified seller, else 403 "
                       "seller_not_verified) or archived. Left out: unchanged."})


class CartAddSchema(Schema):
    variant_id = fields.Integer(required=True)
    quantity = fields.Integer(load_default=1)


class CartRemoveSchema(Schema):
    variant_id = fields.Integer(required=True)


class ShopCartLineSchema(Schema):
    variant_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    variant = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price = fields.Integer()
    total = fields.Integer()


class CartGroupSchema(Schema):
    organisation = fields.String()
    lines = fields.List(fields.Nested(ShopCartLineSchema))
    subtotal = fields.Integer()
    shipping_fee = fields.Integer()
    total = fields.Integer()


class ShopCartSchema(Schema):
    groups = fields.List(fields.Nested(CartGroupSchema))
    total = fields.Integer()


class CheckoutSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    province_code = fields.Integer(required=True)
    commune_code = fields.Integer(required=True)
    street = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True)
    payment_method = fields.String(required=True, validate=validate.OneOf(["cod", "vietqr", "stripe"]))
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PaymentSchema(Schema):
    method = fields.String()
    note = fields.String(allow_none=True)
    payload = fields.String(allow_none=True, metadata={"description": "VietQR string to render as a QR code"})
    bank_bin = fields.String(allow_none=True)
    bank_name = fields.String(allow_none=True)
    account_number = fields.String(allow_none=True)
    account_name = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)
    memo = fields.String(allow_none=True)
    checkout_url = fields.String(allow_none=True, metadata={"description": "Stripe Checkout page for card payments"})


class OrderLineSchema(Schema):
    product_name = fields.String()
    variant_label = fields.String(allow_none=True)
    unit_price = fields.Integer()
    quantity = fields.Integer()


class OrderSchema(Schema):
    number = fields.String()
    organisation = fields.String()
    status = fields.String()
    payment_method = fields.String()
    subtotal = fields.Integer()
    shipping_fee = fields.Integer()
    total = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "While the order waits: the payment deadline (VietQR, card) or the seller's deadline to "
                       "confirm it (cash on delivery); past it the order is cancelled"})
    lines = fields.List(fields.Nested(OrderLineSchema))
    payment = fields.Nested(PaymentSchema, allow_none=True)


class StockSchema(Schema):
    delta = fields.Integer(required=True)
    reason = fields.String(required=True)


class StockResultSchema(Schema):
    variant_id = fields.Integer()
    received = fields.Integer()
    available = fields.Integer()
    reserved = fields.Integer()
    sold = fields.Integer()


# Helpers (small queries and payload builders) -----------------------------------------------------


def _product(p) -> dict:
    cover = p.cover
    return {"id": p.id, "code": p.code, "name": p.name, "price": p.min_price, "unit": p.unit, "status": p.status,
            "organisation": p.organisation.slug, "available": p.available,
            "thumbnail": url_for("media", key=cover.thumb_key, _external=True) if cover else None}


def _product_detail(p) -> dict:
    body = _product(p)
    body.update(description=p.description, category=p.category, max_per_buyer=p.max_per_buyer,
                variants=[{"id": v.id, "label": v.label, "price": v.effective_price, "available": v.available}
                          for v in p.active_variants])
    return body


def _cart_payload(cart) -> dict:
    groups = []
    for g in ordering.cart_groups(cart):
        lines = [{"variant_id": ln.variant_id, "product_id": ln.variant.product_id, "name": ln.variant.product.name,
                  "variant": ln.variant.label, "quantity": ln.quantity, "unit_price": ln.variant.effective_price,
                  "total": ln.variant.effective_price * ln.quantity} for ln in g["lines"]]
        groups.append({"organisation": g["organisation"].slug, "lines": lines, "subtotal": g["subtotal"],
                       "shipping_fee": g["shipping_fee"], "total": g["total"]})
    return {"groups": groups, "total": sum(g["total"] for g in groups)}


def _payment(order) -> dict | None:
    if order.payment_method == "cod":
        return {"method": "cod", "note": str(_l("Pay the courier in cash when your order arrives."))}
    if order.status != "pending_payment":
        return {"method": order.payment_method}
    qr = order_queries.vietqr_instructions(order)
    if qr is not None:
        return {"method": "vietqr", "payload": qr["payload"], "bank_bin": qr["bank_bin"],
                "account_number": qr["account"], "account_name": qr["account_name"], "amount": qr["amount"],
                "memo": qr["memo"], "bank_name": qr["bank_name"],
                "note": str(_l("Transfer exactly this amount with this memo; the order is confirmed automatically."))}
    if order.payment_method == "stripe":
        if order.stripe_checkout_url:
            return {"method": "stripe", "checkout_url": order.stripe_checkout_url, "amount": order.total,
                    "note": str(_l("Open this page to pay by card; the order is confirmed when the payment goes through."))}
        return {"method": "stripe", "checkout_url": None, "amount": order.total,
                "note": str(_l("The card payment could not be started. Please try again in a moment."))}
    return {"method": order.payment_method}


def _start_card_payments(orders) -> None:
    """Create (or find) the Stripe Checkout session of each unpaid card order, after the orders are committed.

    A Stripe failure leaves the order waiting without a URL; asking for the order again retries.
    """
    gateway = gateway_from_config(current_app.config)
    if gateway is None:
        return
    for order in orders:
        try:
            card_checkout_url(order, gateway, return_url=url_for("shop.order_view", number=order.number, _external=True))
            db.session.commit()
        except PaymentError:
            db.session.rollback()


def _order(order, *, with_payment: bool = True) -> dict:
    return {"number": order.number, "organisation": order.organisation.slug, "status": order.status,
            "payment_method": order.payment_method, "subtotal": order.subtotal, "shipping_fee": order.shipping_fee,
            "total": order.total, "created_at": order.created_at, "expires_at": order.expires_at,
            "lines": [{"product_name": ln.product_name, "variant_label": ln.variant_label,
                       "unit_price": ln.unit_price, "quantity": ln.quantity} for ln in order.lines],
            "payment": _payment(order) if with_payment else None}


def seller_products(actor, slug: str) -> list:
    """A seller's products; members only."""
    org = get_organisation(slug)
    require_org_role(actor, org, "staff")
    return queries.organisation_products(org)


def seller_update_product(actor, slug: str, product_id: int, data: dict):
    """Change a product's settings sent in the body; members only, other organisations' products are 404."""
    product = shop_services.managed_product(actor, get_organisation(slug), product_id)
    if "max_per_buyer" in data:
        shop_services.set_buyer_limit(actor, product, data["max_per_buyer"])
    if "status" in data:
        shop_services.set_status(actor, product, data["status"])
    return product


def seller_orders(actor, slug: str) -> list:
    """A seller's orders; members only."""
    org = get_organisation(slug)
    require_org_role(actor, org, "staff")
    return order_queries.organisation_orders(org)


def seller_adjust_stock(actor, slug: str, variant_id: int, delta, reason):
    """A stock correction on one of the organisation's variants; members only, others' variants are 404."""
    org = get_organisation(slug)
    require_org_role(actor, org, "staff")
    variant = db.session.get(Variant, variant_id)
    if variant is None or variant.product.organisation_id != org.id:
        raise NotFound(_l("This product option no longer exists."), code="no_such_variant")
    inventory.adjust_stock(variant, delta, actor, reason)
    db.session.refresh(variant)
    return variant


# Catalog ------------------------------------------------------------------------------------------

@blp.get("/products")
@blp.arguments(CatalogArgs, location="query")
@blp.response(200, ProductPageSchema)
def products(args):
    """Search the catalog of products on sale (q, category, page)."""
    page = queries.catalog(queries.CatalogFilters(q=args["q"], category=args["category"], page=args["page"]))
    return {"items": [_product(p) for p in page.items], "total": page.total, "capped": page.capped, "page": page.page,
            "pages": page.pages, "has_next": page.has_next}


@blp.get("/products/<int:product_id>")
@blp.response(200, ProductDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def product_detail(product_id: int):
    """One product with its options; drafts and archived products only for their organisation's members."""
    return _product_detail(queries.product_for_viewer(product_id, viewer()))


# Cart and checkout --------------------------------------------------------------------------------

@blp.get("/cart")
@blp.response(200, ShopCartSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def cart_get():
    """The signed-in buyer's cart, grouped by organisation with shipping fees."""
    return _cart_payload(ordering.get_cart(signed_in(), None))


@blp.post("/cart")
@blp.arguments(CartAddSchema)
@blp.response(200, ShopCartSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.doc(security=AUTH)
def cart_add(data):
    """Add units of a product option to the cart (never more than are available)."""
    cart = ordering.get_cart(signed_in(), None, create=True)
    ordering.add_to_cart(cart, data["variant_id"], data["quantity"])
    db.session.commit()
    return _cart_payload(cart)


@blp.delete("/cart")
@blp.arguments(CartRemoveSchema)
@blp.response(200, ShopCartSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def cart_remove(data):
    """Remove a product option from the cart."""
    cart = ordering.get_cart(signed_in(), None, create=True)
    ordering.remove_from_cart(cart, data["variant_id"])
    db.session.commit()
    return _cart_payload(cart)


@blp.post("/checkout")
@blp.arguments(CheckoutSchema)
@blp.response(201, OrderSchema(many=True))
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=AUTH)
@checkout_limit
def checkout(data):
    """Turn the cart into one order per organisation, with payment instructions; idempotent by key."""
    user = signed_in()
    cart = ordering.get_cart(user, None, create=True)
    orders = ordering.checkout(
        cart, user, name=data["name"], phone=data["phone"], province_code=data["province_code"],
        commune_code=data["commune_code"], street=data["street"], note=data.get("note"),
        payment_method=data["payment_method"], idempotency_key=data["idempotency_key"],
        **ordering.checkout_options(current_app.config))
    db.session.commit()
    _start_card_payments(orders)
    return [_order(o) for o in orders]


# Buyer orders -------------------------------------------------------------------------------------

@blp.get("/orders")
@blp.response(200, OrderSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def orders():
    """The signed-in buyer's orders, newest first."""
    return [_order(o, with_payment=False) for o in order_queries.buyer_orders(signed_in())]


@blp.get("/orders/<number>")
@blp.response(200, OrderSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def order(number: str):
    """One of the buyer's orders with its payment instructions."""
    found = ordering.order_for_buyer(signed_in(), number)
    db.session.commit()  # a lazy expiry may have just happened
    _start_card_payments([found])
    return _order(found)


# Seller -------------------------------------------------------------------------------------------

@blp.get("/orgs/<slug>/products")
@blp.response(200, ProductDetailSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_products(slug: str):
    """The organisation's products (drafts included, archived left out); members only."""
    return [_product_detail(p) for p in seller_products(signed_in(), slug)]


@blp.patch("/orgs/<slug>/products/<int:product_id>")
@blp.arguments(ProductUpdateSchema)
@blp.response(200, ProductDetailSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_product_update(data, slug: str, product_id: int):
    """Change one of the organisation's products: its status (publish, unpublish, archive) and the most units one
    buyer may hold in open orders; members only."""
    product = seller_update_product(signed_in(), slug, product_id, data)
    db.session.commit()
    return _product_detail(product)


@blp.get("/orgs/<slug>/orders")
@blp.response(200, OrderSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_orders(slug: str):
    """The organisation's orders, newest first; members only."""
    return [_order(o, with_payment=False) for o in seller_orders(signed_in(), slug)]


@blp.post("/orgs/<slug>/variants/<int:variant_id>/stock")
@blp.arguments(StockSchema)
@blp.response(200, StockResultSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_stock(data, slug: str, variant_id: int):
    """Correct a product option's stock by delta (a stocktake), with a reason; members only."""
    variant = seller_adjust_stock(signed_in(), slug, variant_id, data["delta"], data["reason"])
    db.session.commit()
    return {"variant_id": variant.id, "received": variant.received, "available": variant.available,
            "reserved": variant.reserved, "sold": variant.sold}
