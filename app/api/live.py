"""API: lives on air and coming up, one live's catalog, and the signed-in buyer's live cart."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..errors import NotSignedIn
from ..livestream import queries, services
from .schemas import ErrorSchema

blp = Blueprint("api_live", __name__, url_prefix="/api/v1/live", description="Live sales")


class LiveSessionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String(metadata={"description": "scheduled, live or ended"})
    scheduled_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    organisation = fields.String(attribute="organisation.name")
    external_stream_url = fields.String(allow_none=True)


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
    live = services.get_session(session_id)
    return {"id": live.id, "title": live.title, "state": live.state, "scheduled_at": live.scheduled_at,
            "started_at": live.started_at, "ended_at": live.ended_at, "organisation": live.organisation,
            "external_stream_url": live.external_stream_url, "description": live.description,
            "products": [line.to_dict() for line in queries.catalog(live)]}


@blp.get("/sessions/<int:session_id>/cart")
@blp.response(200, CartSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def cart(session_id: int):
    """The signed-in buyer's held reservations in this live."""
    if not current_user.is_authenticated:
        raise NotSignedIn()
    live = services.get_session(session_id)
    lines = [{"id": r.id, "code": r.live_product.live_code, "name": r.live_product.product.name,
              "variant": r.variant.label, "quantity": r.quantity, "unit_price": r.unit_price,
              "total": r.quantity * r.unit_price, "hold_until": r.hold_until, "created_at": r.created_at}
             for r in queries.buyer_reservations(live.id, current_user.id)]
    return {"session_id": live.id, "lines": lines, "total": sum(line["total"] for line in lines)}
