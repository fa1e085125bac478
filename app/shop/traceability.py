"""Wiring of the shop's trust features into the app: buyers' data (exporter, eraser), the papers' and lots'
template helpers, the public lot routes at the site's root (called once from the blueprint's registration)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import documents, lots
    from .ordering import privacy as ordering_privacy
    from .views.trace import register_public_routes

    ordering_privacy.register(app)
    app.add_template_global(lots.latest_lot, "latest_lot")  # the live page's pinned product
    app.add_template_global(lots.lots_of, "lots_of")
    app.add_template_global(documents.product_documents, "product_documents")
    app.jinja_env.globals["document_kinds"] = documents.KIND_LABELS
    register_public_routes(app)
