"""Carriers (GHN, GHTK, Viettel Post) behind one interface, the address-code mapping, pickups, labels, carrier
webhooks and COD reconciliation. Seller pages live on the shop blueprint; webhooks on their own (no CSRF)."""
from .. import bp
from . import models  # noqa: F401
from .webhooks import carrier_webhooks_bp


def _on_register(state) -> None:
    from .views import order_panel

    state.app.register_blueprint(carrier_webhooks_bp)
    state.app.jinja_env.globals["shipping_panel"] = order_panel


bp.record_once(_on_register)
