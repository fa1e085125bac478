"""Payment webhooks: Stripe (signed) and bank-transfer notifications (SePay format, Apikey)."""
from __future__ import annotations

from flask import Blueprint

from ...extensions import csrf

webhooks_bp = Blueprint("shop_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(webhooks_bp)
