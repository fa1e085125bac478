"""Cart, checkout, orders and payment confirmations (views on the shop blueprint, webhooks on their own)."""
from ...core.jobs import register_job
from .. import bp
from . import models  # noqa: F401
from .services import expire_unpaid
from .webhooks import webhooks_bp


def _on_register(state) -> None:
    state.app.register_blueprint(webhooks_bp)
    # Unpaid online orders also expire lazily when someone looks at them; the job frees their stock sooner.
    register_job("shop.expire-orders", expire_unpaid, int(state.app.config.get("ORDER_EXPIRY_EVERY_SECONDS") or 60))


bp.record_once(_on_register)
