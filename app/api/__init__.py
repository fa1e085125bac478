"""The /api/v1 JSON API (flask-smorest), its OpenAPI document and its docs page."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request, session
from flask_smorest import Api as SmorestApi

from ..extensions import csrf
from .schemas import ErrorSchema

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class Api(SmorestApi):
    """flask-smorest without its app-wide error handler: app/errors.py maps errors once for everyone."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


api = Api()
docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/v1/docs")
def api_docs():
    return render_template("api/docs.html")


def init_api(app: Flask) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Chợ Live JSON API. Errors are JSON objects with a stable `code` and a `message`."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })
    api.init_app(app)
    from . import accounts, live, shop, training, training_reviews

    blueprints = (accounts.blp, live.blp, shop.blp, training.blp, training_reviews.blp)
    for blp in blueprints:
        csrf.exempt(blp)  # the form token is not what API clients send; require_csrf_for_cookie_sessions decides
        api.register_blueprint(blp)
    # Every blueprint exempted above, and only those, gets the cookie rule below: one list, so none is forgotten.
    app.extensions["cholive_api_blueprints"] = frozenset(blp.name for blp in blueprints)
    app.before_request(require_csrf_for_cookie_sessions)
    app.register_blueprint(docs_bp)


def require_csrf_for_cookie_sessions() -> None:
    """A state-changing call signed in by the browser's session cookie must carry the page's CSRF token
    (`X-CSRFToken`), or another site could make a signed-in visitor's browser send it. Bearer tokens are never
    sent by a browser on its own, so calls with one (and anonymous calls) need none."""
    from ..accounts.auth import bearer_token

    api_blueprints = current_app.extensions.get("cholive_api_blueprints", frozenset())
    if request.blueprint not in api_blueprints or request.method in READ_ONLY_METHODS or bearer_token() is not None:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" in session or remember in request.cookies:
        csrf.protect()
