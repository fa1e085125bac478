"""The /api/v1 JSON API (flask-smorest), its OpenAPI document and its docs page."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_smorest import Api as SmorestApi

from ..extensions import csrf
from .schemas import ErrorSchema


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

    for blp in (accounts.blp, live.blp, shop.blp, training.blp, training_reviews.blp):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    app.register_blueprint(docs_bp)
