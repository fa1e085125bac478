"""API: lives on air and coming up, one live's catalog, and the signed-in buyer's live cart."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..accounts import privacy
from ..accounts.services import get_organisation
from ..core.storage import get_storage
from ..extensions import db
from ..livestream import afterlive, broadcast, covers, follows, queries, services
from ..shop.ordering.limits import checkout_limit
from ..shop.ordering.services import checkout_options
from .access import signed_in
from .schemas import ErrorSchema
from .shop import start_card_payments
from .shop_schemas import OrderSchema, order_body

blp = Blueprint("api_live", __name__, url_prefix="/api/v1/live", description="Live sales")


class LiveSessionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String(metadata={"description": "scheduled, live or ended"})
    scheduled_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    organisation = fields.String(attribute="organisation.name")
    organisation_slug = fields.String(attribute="organisation.slug",
                                      metadata={"description": "For /organisations/{org_slug}/follow"})
    external_stream_url = fields.String(allow_none=True)
    cover_url = fields.Method("_cover_url", allow_none=True, metadata={"description": "The live's cover picture"})

    def _cover_url(self, live) -> str | None:
        if isinstance(live, dict):  # the detail view passes a dict with the live under "live"
            live = live.get("live")
        return covers.cover_url(live, get_storage(), thumb=False) if live is not None else None


class LiveProductSchema(Schema):
    code = fields.String(metadata={"description": "The live code buyers type, e.g. A12"})
    name = fields.String()
    price = fields.Integer(metadata={"description": "Integer VND"})
    remaining = fields.Integer(metadata={"description": "Units still orderable in this live"})
    unit = fields.String()
    options = fields.List(fields.String())
    pinned = fields.Boolean()


class LiveSessionDetailSchema(LiveSessionSchema):
    description = fields.String(allow_none=True)
    products = fields.List(fields.Nested(LiveProductSchema))


class CartLineSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    variant = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price = fields.Integer()
    total = fields.Integer()
    hold_until = fields.DateTime()
    created_at = fields.DateTime()


class CartSchema(Schema):
    session_id = fields.Integer()
    lines = fields.List(fields.Nested(CartLineSchema))
    total = fields.Integer()


def _line(r) -> dict:
    """A held line of the buyer's live cart, as CartLineSchema describes it."""
    return {"id": r.id, "code": r.live_product.live_code, "name": r.live_product.product.name,
            "variant": r.variant.label, "quantity": r.quantity, "unit_price": r.unit_price,
            "total": r.quantity * r.unit_price, "hold_until": r.hold_until, "created_at": r.created_at}


@blp.get("/sessions")
@blp.response(200, LiveSessionSchema(many=True))
def sessions():
    """Lives on air first, then the scheduled ones soonest first."""
    return queries.current_and_upcoming()


@blp.get("/sessions/<int:session_id>")
@blp.response(200, LiveSessionDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def session_detail(session_id: int):
    """One live with its products: live codes, prices, remaining stock and its state."""
    live = services.require_viewer(current_user, services.get_session(session_id))
    return {"id": live.id, "title": live.title, "state": live.state, "scheduled_at": live.scheduled_at,
            "started_at": live.started_at, "ended_at": live.ended_at, "organisation": live.organisation,
            "external_stream_url": live.external_stream_url, "description": live.description, "live": live,
            # A live the platform stopped shows none of its content until an admin has reviewed it (trust/stop.py).
            "products": [] if live.is_withheld else [line.to_dict() for line in queries.catalog(live)]}


@blp.post("/sessions/<int:session_id>/start")
@blp.response(200, LiveSessionSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def start(session_id: int):
    """Put a scheduled live on air (the console's "Go live"); members only. On a marketplace the organisation must be
    verified (403 seller_not_verified)."""
    user = signed_in()
    live = services.open_console(user, services.get_session(session_id))
    services.start_live(user, live)
    broadcast.to_live(live.id, "live_started", {"session_id": live.id})  # after the commit
    db.session.commit()
    return live


@blp.get("/sessions/<int:session_id>/cart")
@blp.response(200, CartSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def cart(session_id: int):
    """The signed-in buyer's held reservations in this live."""
    signed_in()
    live = services.require_viewer(current_user, services.get_session(session_id))
    lines = [_line(r) for r in queries.buyer_reservations(live.id, current_user.id)]
    return {"session_id": live.id, "lines": lines, "total": sum(line["total"] for line in lines)}


# After the live: the buyer's live cart across lives, follows, waitlist -----------------------------------

class LiveCartGroupSchema(Schema):
    session_id = fields.Integer()
    title = fields.String()
    organisation = fields.String()
    hold_until = fields.DateTime(metadata={"description": "The earliest hold in this live: check out before it"})
    lines = fields.List(fields.Nested(CartLineSchema))
    subtotal = fields.Integer(metadata={"description": "Integer VND, before the delivery fee"})


class LiveCartAllSchema(Schema):
    groups = fields.List(fields.Nested(LiveCartGroupSchema))
    total = fields.Integer()


class FollowStateSchema(Schema):
    organisation = fields.String(metadata={"description": "The organisation's slug"})
    following = fields.Boolean()
    followers = fields.Integer()


class WaitlistRequestSchema(Schema):
    code = fields.String(required=True, metadata={"description": "The live code, e.g. A12"})
    quantity = fields.Integer(load_default=1, metadata={"description": "1 to 99"})
    variant = fields.String(load_default=None, allow_none=True, metadata={"description": "An option label, e.g. M"})


class WaitlistSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "waiting, or served (a held reservation was made at once)"})
    position = fields.Integer(allow_none=True, metadata={"description": "1 = next in line; null once served"})


@blp.get("/cart")
@blp.response(200, LiveCartAllSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def live_cart_all():
    """The signed-in buyer's held live reservations in every live ('Đơn live của bạn'), grouped by live."""
    groups = [{"session_id": g.live.id, "title": g.live.title, "organisation": g.live.organisation.name,
               "hold_until": g.hold_until, "lines": [_line(r) for r in g.lines], "subtotal": g.subtotal}
              for g in afterlive.live_cart(current_user if current_user.is_authenticated else None)]
    return {"groups": groups, "total": sum(g["subtotal"] for g in groups)}


def _follow_state(org) -> dict:
    return {"organisation": org.slug, **follows.follow_state(current_user, org)}


@blp.route("/organisations/<org_slug>/follow", methods=["POST", "DELETE"])
@blp.response(200, FollowStateSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def follow_organisation(org_slug: str):
    """POST follows the organisation (told in the app when it goes live); DELETE unfollows. Both idempotent."""
    org = get_organisation(org_slug)
    user = current_user if current_user.is_authenticated else None
    if request.method == "DELETE":
        follows.unfollow(user, org)
    else:
        follows.follow(user, org)
    db.session.commit()
    return _follow_state(org)


@blp.post("/sessions/<int:session_id>/waitlist")
@blp.arguments(WaitlistRequestSchema)
@blp.response(200, WaitlistSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def join_waitlist(body: dict, session_id: int):
    """Take a place in line for a sold-out product of this live (after an `out_of_stock` ack)."""
    live = services.get_session(session_id)
    entry = afterlive.join_waitlist(current_user if current_user.is_authenticated else None, live, body["code"],
                                    body["quantity"], body.get("variant"),
                                    hold_hours=float(current_app.config.get("LIVE_HOLD_HOURS",
                                                                            services.DEFAULT_HOLD_HOURS)))
    db.session.commit()
    return {"id": entry.id, "status": entry.status,
            "position": afterlive.waitlist_position(entry) if entry.status == "waiting" else None}


class LiveCheckoutSchema(Schema):
    lines = fields.List(fields.Integer(), required=True,
                        metadata={"description": "Ids of the held lines to order (from GET /api/v1/live/cart)"})
    name = fields.String(required=True)
    phone = fields.String(required=True)
    province_code = fields.Integer(required=True)
    commune_code = fields.Integer(required=True)
    street = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True)
    payment_method = fields.String(required=True, metadata={"description": "cod, vietqr or stripe"})
    idempotency_key = fields.String(required=True, metadata={"description": "Unique per checkout, at most 100 characters"})
    privacy_consent = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "The buyer's express consent to giving name, phone and address to the seller and carrier: "
                       "true records it (with the privacy notice version) on the orders, false refuses the checkout"})


@blp.post("/cart/checkout")
@blp.arguments(LiveCheckoutSchema)
@blp.response(201, OrderSchema(many=True))
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
@checkout_limit
def live_checkout(data: dict):
    """Order held live lines through the shop's checkout (one order per organisation); idempotent by key.

    The held stock passes to the orders as it is. 409 `not_held` when a line is no longer held."""
    orders = afterlive.checkout_live_cart(
        current_user if current_user.is_authenticated else None, data["lines"],
        idempotency_key=data["idempotency_key"], name=data["name"], phone=data["phone"],
        province_code=data["province_code"], commune_code=data["commune_code"], street=data["street"],
        note=data.get("note"), payment_method=data["payment_method"],
        consent_version=privacy.optional_checkout_consent(current_user if current_user.is_authenticated else None,
                                                          data.get("privacy_consent")),
        **checkout_options(current_app.config))
    db.session.commit()
    start_card_payments(orders)
    return [order_body(o) for o in orders]
