"""Payment webhooks: Stripe (signed) and bank-transfer notifications (SePay format, Apikey)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from ...errors import InvalidInput
from ...extensions import csrf, db
from ..payments.bank_notifications import check_api_key, parse_sepay
from ..payments.stripe_gateway import gateway_from_config
from . import payment_events

webhooks_bp = Blueprint("shop_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(webhooks_bp)
T = TypeVar("T")


def _handled_once(handle: Callable[[T], str], event: T) -> str:
    """Handle a provider's event and commit. The same event delivered twice at once fails on its unique key here:
    the other delivery did the work, and this one answers "duplicate"."""
    try:
        outcome = handle(event)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        outcome = "duplicate"
    return outcome


@webhooks_bp.post("/stripe")
def stripe_webhook():
    gateway = gateway_from_config(current_app.config)
    if gateway is None:
        raise InvalidInput(code="bad_signature")
    # The signature covers the raw bytes: read them before anything parses the body.
    event = gateway.construct_event(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    return jsonify(ok=True, outcome=_handled_once(payment_events.handle_stripe_event, event))


@webhooks_bp.post("/bank")
def bank_webhook():
    if not check_api_key(request.headers.get("Authorization"), current_app.config.get("BANK_WEBHOOK_API_KEY")):
        return jsonify(code="not_signed_in", message="bad api key"), 401
    notification = parse_sepay(request.get_json(silent=True))
    # SePay retries unless it sees success; a review row is a success for the sender too.
    return jsonify(success=True, outcome=_handled_once(payment_events.handle_bank_notification, notification))
