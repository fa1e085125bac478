"""API: register, get and revoke tokens, the signed-in user."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..accounts import privacy, queries, services
from ..accounts.auth import bearer_token
from ..errors import NotSignedIn
from ..extensions import db, limiter
from .access import signed_in
from .schemas import ErrorSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")


class RegisterSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(load_default=None)
    email = fields.String(load_default=None)
    password = fields.String(required=True, load_only=True)
    privacy_consent = fields.Boolean(load_default=False, metadata={
        "description": "Express consent to the privacy notice (name, phone or email, addresses kept to run the "
                       "account and deliver orders); must be true, never assumed"})
    marketing_consent = fields.Boolean(load_default=False, metadata={"description": "Optional news and offers"})


class TokenRequestSchema(Schema):
    login = fields.String(required=True, metadata={"description": "Phone number or email"})
    password = fields.String(required=True, load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class OrganisationRefSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    role = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    is_admin = fields.Boolean()
    is_trainer = fields.Boolean()
    organisations = fields.List(fields.Nested(OrganisationRefSchema))


def _user_payload(user) -> dict:
    orgs = [
        {"id": o.id, "slug": o.slug, "name": o.name, "kind": o.kind, "role": role}
        for o, role in queries.organisations_of(user)
    ]
    return {"id": user.id, "name": user.name, "phone": user.phone, "email": user.email, "locale": user.locale,
            "is_admin": user.is_admin, "is_trainer": user.is_trainer, "organisations": orgs}


@blp.post("/auth/register")
@blp.arguments(RegisterSchema)
@blp.response(201, UserSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"])
def register(data):
    """Create an account with a Vietnamese mobile number or an email."""
    user = services.register_with_consent(data["name"], data.get("phone") or data.get("email"), data["password"],
                                          consent=data["privacy_consent"], marketing=data["marketing_consent"],
                                          source="api")
    db.session.commit()
    return _user_payload(user)


@blp.post("/auth/token")
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=lambda: "login:" + _login_key())
# Innermost, so checked first: until a limit is hit, the X-RateLimit-* headers describe this per-address one.
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"])
def token(data):
    """Exchange a login and password for a bearer token (only its hash is stored)."""
    user = services.authenticate(data["login"], data["password"])
    raw, tok = services.issue_api_token(user, current_app.config["API_TOKEN_DAYS"])
    db.session.commit()
    return {"token": raw, "expires_at": tok.expires_at}


@blp.delete("/auth/token")
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def revoke_token():
    """Revoke the bearer token used for this request."""
    raw = bearer_token()
    if not raw or services.user_for_api_token(raw) is None:
        raise NotSignedIn()
    services.revoke_api_token(raw)
    db.session.commit()


@blp.get("/me")
@blp.response(200, UserSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def me():
    """The signed-in user and the organisations they belong to."""
    signed_in()
    return _user_payload(current_user)


class DeleteAccountSchema(Schema):
    password = fields.String(required=True, load_only=True, metadata={"description": "The account's password"})


class MyDataSchema(Schema):
    """Each kind of record held about the caller, as rows of plain values."""

    profile = fields.List(fields.Dict())
    consents = fields.List(fields.Dict())
    addresses = fields.List(fields.Dict())
    orders = fields.List(fields.Dict())
    cart = fields.List(fields.Dict())
    comments = fields.List(fields.Dict())
    live_order_lines = fields.List(fields.Dict())
    follows = fields.List(fields.Dict())
    waitlist = fields.List(fields.Dict())
    notifications = fields.List(fields.Dict())
    messages = fields.List(fields.Dict())
    channel_choices = fields.List(fields.Dict())


@blp.get("/me/data")
@blp.response(200, MyDataSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def my_data():
    """Everything held about the caller, by kind of record (profile, consents, addresses, orders, comments,
    notifications, ...), as the "My data" page downloads it."""
    return privacy.export_user_data(signed_in())


@blp.delete("/me")
@blp.arguments(DeleteAccountSchema)
@blp.response(204)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.doc(security=[{"bearerAuth": []}])
def delete_me(data):
    """Delete the caller's account: personal fields erased everywhere, orders kept only with what accounting
    requires, every token and browser signed out. 409 `deletion_blocked` while an order is under way."""
    privacy.delete_account(signed_in(), data["password"])
    db.session.commit()


def _login_key() -> str:
    from flask import request

    body = request.get_json(silent=True) or {}
    raw = str(body.get("login") or "")
    try:
        return services.parse_login(raw)[1]
    except Exception:
        return raw.strip().lower()[:64]
