"""Cart, checkout, orders and payment confirmations (views on the shop blueprint, webhooks on their own)."""
from .. import bp
from . import models  # noqa: F401
from .webhooks import webhooks_bp

bp.record_once(lambda state: state.app.register_blueprint(webhooks_bp))
