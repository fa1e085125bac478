"""Stripe Checkout for card payments: create a session for an order, verify signed webhooks."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import stripe
from flask_babel import lazy_gettext as _l

from app.errors import InvalidInput, PaymentError

log = logging.getLogger(__name__)

CURRENCY = "vnd"  # zero-decimal in Stripe: unit_amount is whole dong, never multiplied by 100
WEBHOOK_TOLERANCE_SECONDS = 300
# A buyer waits on this call at checkout; Stripe's 80 s default is far too long for a phone.
REQUEST_TIMEOUT_SECONDS = 20


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _line_items(lines: Sequence[tuple[str, int, int]]) -> list[dict[str, Any]]:
    if not lines:
        raise InvalidInput(_l("The order has no items to pay for."), code="empty_order")
    items = []
    for name, unit_amount, quantity in lines:
        name = str(name or "").strip()
        if not name:
            raise InvalidInput(_l("Every item needs a name."), code="bad_line_item")
        if not _is_int(unit_amount) or unit_amount < 0 or not _is_int(quantity) or quantity < 1:
            raise InvalidInput(_l("Every item needs a whole-dong price and a quantity of at least 1."),
                               code="bad_line_item")
        items.append({
            "price_data": {"currency": CURRENCY, "unit_amount": unit_amount, "product_data": {"name": name[:250]}},
            "quantity": quantity,
        })
    if sum(item["price_data"]["unit_amount"] * item["quantity"] for item in items) < 1:
        raise InvalidInput(_l("There is nothing to pay for this order."), code="zero_total")
    return items


def _payment_error(exc: stripe.StripeError) -> PaymentError:
    """A PaymentError whose message a buyer can act on; Stripe's own text goes to the log only
    (it can name the API key or account and is not translated)."""
    if isinstance(exc, stripe.APIConnectionError):
        message = _l("We could not reach the card payment service. Please try again in a moment.")
    elif isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        message = _l("Card payments are not available right now. Please choose another payment method.")
    elif isinstance(exc, stripe.RateLimitError):
        message = _l("The card payment service is busy. Please try again in a moment.")
    elif isinstance(exc, stripe.CardError):
        message = _l("The card payment was declined. Please try another card or payment method.")
    else:
        message = _l("The card payment could not be started. Please try again or choose another payment method.")
    return PaymentError(message, code="stripe_error", stripe_code=exc.code,
                        http_status=exc.http_status, request_id=exc.request_id)


class StripeGateway:
    """The real stripe library's StripeClient, pointed at api_base when set (a local test double)."""

    def __init__(self, secret_key: str, api_base: str | None = None, webhook_secret: str | None = None,
                 *, max_network_retries: int = 2, timeout: float = REQUEST_TIMEOUT_SECONDS):
        if not secret_key:
            raise ValueError("StripeGateway needs a secret key")
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            # Retries are safe because every create carries an idempotency key.
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def create_checkout_session(
        self,
        order_number: str,
        order_id: int | str,
        lines: Sequence[tuple[str, int, int]],
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        customer_phone: str | None = None,
        expires_at: int | None = None,
    ) -> tuple[str, str]:
        """Create a Checkout Session in VND for the order; returns (session id, URL to send the buyer to).

        `lines` are (name, unit amount in whole dong, quantity). The same idempotency key returns the
        same session, so a double tap or a retry never charges twice. `expires_at` (unix seconds,
        30 min to 24 h ahead) lets the session die with the order's own expiry. Stripe failures
        raise PaymentError; bad arguments raise InvalidInput.
        """
        if not order_number or not idempotency_key:
            raise ValueError("order_number and idempotency_key are required")
        metadata = {"order_id": str(order_id), "order_number": order_number}
        if customer_phone:
            # Lets the seller find the buyer from the Stripe dashboard when a payment needs a call.
            metadata["customer_phone"] = customer_phone
        params: dict[str, Any] = {
            "mode": "payment",
            "currency": CURRENCY,
            "line_items": _line_items(lines),
            "client_reference_id": order_number,
            "metadata": metadata,
            # charge.refunded carries the payment intent, not the session: copy the order there too.
            "payment_intent_data": {"metadata": dict(metadata)},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if expires_at is not None:
            params["expires_at"] = int(expires_at)
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            log.warning("stripe checkout session for %s failed: %s (status %s, code %s, request %s)",
                        order_number, exc.user_message or str(exc), exc.http_status, exc.code, exc.request_id)
            raise _payment_error(exc) from exc
        if not session.id or not session.url:
            raise PaymentError(_l("The card payment could not be started. Please try again or choose another payment method."),
                               code="stripe_error")
        return session.id, session.url

    def construct_event(self, payload: bytes, sig_header: str | None,
                        tolerance: int = WEBHOOK_TOLERANCE_SECONDS) -> dict[str, Any]:
        """Verify a webhook's Stripe-Signature over the raw body and return the event as a plain dict.

        Missing, malformed, wrong or stale signatures (and undecodable bodies) raise
        InvalidInput(code="bad_signature"), so the webhook answers 400 and writes nothing.
        """
        if not self.webhook_secret:
            raise InvalidInput(_l("Card payment notifications are not configured."), code="bad_signature")
        if not sig_header:
            raise InvalidInput(_l("The payment notification signature is missing or invalid."), code="bad_signature")
        refused = InvalidInput(_l("The payment notification signature is missing or invalid."), code="bad_signature")
        try:
            event = json.loads(payload)
            # The library assumes an object body; anything else cannot be a Stripe event.
            if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
                raise ValueError("not a Stripe event object")
            stripe.Webhook.construct_event(payload, sig_header, self.webhook_secret, tolerance=tolerance)
        except (stripe.SignatureVerificationError, ValueError) as exc:  # JSON and UTF-8 errors are ValueErrors
            log.info("refused stripe webhook: %s", exc)
            raise refused from exc
        return event


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """A Stripe-Signature header value, built the way Stripe does: t=<ts>,v1=HMAC_SHA256(secret, "<ts>.<body>").

    For tests, docs and local tools that replay webhooks into a development server.
    """
    signed = str(int(timestamp)).encode("ascii") + b"." + bytes(payload)
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},v1={digest}"


def gateway_from_config(config: Mapping[str, Any]) -> StripeGateway | None:
    """A gateway from STRIPE_SECRET_KEY / STRIPE_API_BASE / STRIPE_WEBHOOK_SECRET, or None when Stripe is off."""
    secret_key = config.get("STRIPE_SECRET_KEY")
    if not secret_key:
        return None
    return StripeGateway(secret_key, api_base=config.get("STRIPE_API_BASE") or None,
                         webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or None)
