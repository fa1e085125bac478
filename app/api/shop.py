"""API: catalog, product detail, the signed-in buyer's cart, checkout and orders, and seller endpoints."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from ..accounts import privacy
from ..accounts.services import get_organisation, require_org_role
from ..errors import NotFound, PaymentError
from ..extensions import db
from ..shop import queries
from ..shop import services as shop_services
from ..shop.models import Variant
from ..shop.ordering import queries as order_queries
from ..shop.ordering import services as ordering
from ..shop.ordering.card import card_checkout_url
from ..shop.ordering.limits import checkout_limit
from ..shop.payments.stripe_gateway import gateway_from_config
from .access import signed_in, viewer
from .schemas import ErrorSchema
from .shop_schemas import (
    CartAddSchema,
    CartRemoveSchema,
    CatalogArgs,
    CheckoutSchema,
    OrderSchema,
    ProductDetailSchema,
    ProductPageSchema,
    ProductUpdateSchema,
    ShopCartSchema,
    StockResultSchema,
    StockSchema,
    cart_body,
    order_body,
    product_body,
    product_detail_body,
)

blp = Blueprint("api_shop", __name__, url_prefix="/api/v1", description="Shop: catalog, cart, checkout, orders")
AUTH = [{"bearerAuth": []}]


def start_card_payments(orders) -> None:
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
    """A stock correction on one of the organisation's variants, by the shop's service (as on the seller's stock
    page); members only, others' variants are 404."""
    org = get_organisation(slug)
    require_org_role(actor, org, "staff")
    variant = db.session.get(Variant, variant_id)
    if variant is None or variant.product.organisation_id != org.id:
        raise NotFound(_l("This product option no longer exists."), code="no_such_variant")
    shop_services.adjust_variant_stock(actor, variant.product, variant.id, delta, reason)
    db.session.refresh(variant)
    return variant


# Catalog ------------------------------------------------------------------------------------------

@blp.get("/products")
@blp.arguments(CatalogArgs, location="query")
@blp.response(200, ProductPageSchema)
def products(args):
    """Search the catalog of products on sale (q, category, page)."""
    page = queries.catalog(queries.CatalogFilters(q=args["q"], category=args["category"], page=args["page"]))
    return {"items": [product_body(p) for p in page.items], "total": page.total, "capped": page.capped, "page": page.page,
            "pages": page.pages, "has_next": page.has_next}


@blp.get("/products/<int:product_id>")
@blp.response(200, ProductDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def product_detail(product_id: int):
    """One product with its options; drafts and archived products only for their organisation's members."""
    return product_detail_body(queries.product_for_viewer(product_id, viewer()))


# Cart and checkout --------------------------------------------------------------------------------

@blp.get("/cart")
@blp.response(200, ShopCartSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def cart_get():
    """The signed-in buyer's cart, grouped by organisation with shipping fees."""
    return cart_body(ordering.get_cart(signed_in(), None))


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
    return cart_body(cart)


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
    return cart_body(cart)


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
        consent_version=privacy.optional_checkout_consent(user, data.get("privacy_consent")),
        **ordering.checkout_options(current_app.config))
    db.session.commit()
    start_card_payments(orders)
    return [order_body(o) for o in orders]


# Buyer orders -------------------------------------------------------------------------------------

@blp.get("/orders")
@blp.response(200, OrderSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def orders():
    """The signed-in buyer's orders, newest first."""
    return [order_body(o, with_payment=False) for o in order_queries.buyer_orders(signed_in())]


@blp.get("/orders/<number>")
@blp.response(200, OrderSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def order(number: str):
    """One of the buyer's orders with its payment instructions."""
    found = ordering.order_for_buyer(signed_in(), number)
    db.session.commit()  # a lazy expiry may have just happened
    start_card_payments([found])
    return order_body(found)


# Seller -------------------------------------------------------------------------------------------

@blp.get("/orgs/<slug>/products")
@blp.response(200, ProductDetailSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_products(slug: str):
    """The organisation's products (drafts included, archived left out); members only."""
    return [product_detail_body(p) for p in seller_products(signed_in(), slug)]


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
    return product_detail_body(product)


@blp.get("/orgs/<slug>/orders")
@blp.response(200, OrderSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def org_orders(slug: str):
    """The organisation's orders, newest first; members only."""
    return [order_body(o, with_payment=False) for o in seller_orders(signed_in(), slug)]


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
