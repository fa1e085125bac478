"""The shop API's schemas (OpenAPI) and the payloads they describe: products, carts, orders and their payment."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..shop.ordering import queries as order_queries
from ..shop.ordering import services as ordering

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
    privacy_consent = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "The buyer's express consent to giving name, phone and address to the seller and carrier: "
                       "true records it (with the privacy notice version) on the orders, false refuses the checkout"})


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


# Payloads (what the schemas above describe) ------------------------------------------------------

def product_body(p) -> dict:
    cover = p.cover
    return {"id": p.id, "code": p.code, "name": p.name, "price": p.min_price, "unit": p.unit, "status": p.status,
            "organisation": p.organisation.slug, "available": p.available,
            "thumbnail": url_for("media", key=cover.thumb_key, _external=True) if cover else None}


def product_detail_body(p) -> dict:
    body = product_body(p)
    body.update(description=p.description, category=p.category, max_per_buyer=p.max_per_buyer,
                variants=[{"id": v.id, "label": v.label, "price": v.effective_price, "available": v.available}
                          for v in p.active_variants])
    return body


def cart_body(cart) -> dict:
    groups = []
    for g in ordering.cart_groups(cart):
        lines = [{"variant_id": ln.variant_id, "product_id": ln.variant.product_id, "name": ln.variant.product.name,
                  "variant": ln.variant.label, "quantity": ln.quantity, "unit_price": ln.variant.effective_price,
                  "total": ln.variant.effective_price * ln.quantity} for ln in g["lines"]]
        groups.append({"organisation": g["organisation"].slug, "lines": lines, "subtotal": g["subtotal"],
                       "shipping_fee": g["shipping_fee"], "total": g["total"]})
    return {"groups": groups, "total": sum(g["total"] for g in groups)}


def payment_body(order) -> dict | None:
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


def order_body(order, *, with_payment: bool = True) -> dict:
    return {"number": order.number, "organisation": order.organisation.slug, "status": order.status,
            "payment_method": order.payment_method, "subtotal": order.subtotal, "shipping_fee": order.shipping_fee,
            "total": order.total, "created_at": order.created_at, "expires_at": order.expires_at,
            "lines": [{"product_name": ln.product_name, "variant_label": ln.variant_label,
                       "unit_price": ln.unit_price, "quantity": ln.quantity} for ln in order.lines],
            "payment": payment_body(order) if with_payment else None}
