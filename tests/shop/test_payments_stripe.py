"""Stripe Checkout gateway against a local Stripe double, and webhook signature checks."""
from __future__ import annotations

import json
import time

import pytest
import stripe

from app.errors import InvalidInput, PaymentError
from app.shop.payments.stripe_gateway import StripeGateway, gateway_from_config, sign_payload
from tests.support.net import free_port

try:  # tests/shop may or may not become a package
    from .stripe_double import StripeDouble, nest_form
except ImportError:
    from stripe_double import StripeDouble, nest_form

WEBHOOK_SECRET = "whsec_test_secret_for_cho_live"
LINES = [("Bưởi Diễn loại 1", 85_000, 2), ("Chè Thái Nguyên 500g", 120_000, 1)]


@pytest.fixture
def stripe_api():
    with StripeDouble() as double:
        yield double


@pytest.fixture
def gateway(stripe_api):
    return StripeGateway("sk_test_cholive", api_base=stripe_api.url, webhook_secret=WEBHOOK_SECRET,
                         max_network_retries=0)


def create(gateway: StripeGateway, key: str = "order-42-checkout-1", **overrides):
    args = dict(order_number="CL-7K3F9Q", order_id=42, lines=LINES,
                success_url="http://shop.test/orders/CL-7K3F9Q?paid=1",
                cancel_url="http://shop.test/orders/CL-7K3F9Q", idempotency_key=key)
    args.update(overrides)
    return gateway.create_checkout_session(**args)


def test_nest_form_rebuilds_stripe_encoding():
    pairs = [("line_items[0][price_data][unit_amount]", "85000"), ("line_items[0][quantity]", "2"),
             ("line_items[1][quantity]", "1"), ("metadata[order_id]", "42"), ("mode", "payment")]
    assert nest_form(pairs) == {
        "line_items": [{"price_data": {"unit_amount": "85000"}, "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"order_id": "42"}, "mode": "payment"}


def test_real_library_reaches_the_double_in_whole_dong(gateway, stripe_api):
    session_id, url = create(gateway, customer_phone="0912345678")
    assert session_id.startswith("cs_test_")
    assert url.endswith(session_id)
    [request] = stripe_api.requests
    assert request.path == "/v1/checkout/sessions"
    assert request.header("Authorization") == "Bearer sk_test_cholive"
    assert request.header("Idempotency-Key") == "order-42-checkout-1"
    assert request.header("Content-Type").startswith("application/x-www-form-urlencoded")
    params = request.params
    assert params["mode"] == "payment"
    assert params["currency"] == "vnd"
    assert params["client_reference_id"] == "CL-7K3F9Q"
    assert params["metadata"] == {"order_id": "42", "order_number": "CL-7K3F9Q", "customer_phone": "0912345678"}
    assert params["payment_intent_data"]["metadata"]["order_id"] == "42"
    assert params["success_url"] == "http://shop.test/orders/CL-7K3F9Q?paid=1"
    first, second = params["line_items"]
    # Zero-decimal currency: the dong amount itself, not multiplied by 100.
    assert first == {"price_data": {"currency": "vnd", "unit_amount": "85000",
                                    "product_data": {"name": "Bưởi Diễn loại 1"}}, "quantity": "2"}
    assert second["price_data"]["unit_amount"] == "120000" and second["quantity"] == "1"
    assert "expires_at" not in params


def test_expires_at_is_passed_through(gateway, stripe_api):
    create(gateway, expires_at=1_900_000_000)
    assert stripe_api.requests[0].params["expires_at"] == "1900000000"


def test_same_idempotency_key_returns_the_same_session(gateway, stripe_api):
    first = create(gateway, key="order-42-checkout-1")
    again = create(gateway, key="order-42-checkout-1")
    other = create(gateway, key="order-43-checkout-1", order_number="CL-8M2P4R", order_id=43)
    assert again == first
    assert other[0] != first[0]
    assert [r.header("Idempotency-Key") for r in stripe_api.requests] == \
        ["order-42-checkout-1", "order-42-checkout-1", "order-43-checkout-1"]


@pytest.mark.parametrize(("status", "error_type", "code", "says"), [
    (402, "card_error", "card_declined", "declined"),
    (400, "invalid_request_error", "parameter_invalid_integer", "could not be started"),
    (401, "invalid_request_error", None, "not available"),
    (429, "rate_limit_error", None, "busy"),
    (500, "api_error", None, "could not be started"),
])
def test_stripe_errors_become_payment_errors(gateway, stripe_api, status, error_type, code, says):
    stripe_api.fail_next(status, error_type, code, message="Invalid API Key provided: sk_test_****list")
    with pytest.raises(PaymentError) as caught:
        create(gateway)
    error = caught.value
    assert error.code == "stripe_error" and error.status == 402
    assert error.details["http_status"] == status
    assert error.details["stripe_code"] == code
    message = str(error.message)
    assert says in message and "sk_test" not in message  # Stripe's own text stays in the log


def test_unreachable_stripe_is_a_payment_error():
    port = free_port()  # nobody listens there
    gateway = StripeGateway("sk_test_x", api_base=f"http://127.0.0.1:{port}", max_network_retries=0)
    with pytest.raises(PaymentError) as caught:
        create(gateway)
    assert "reach" in str(caught.value.message)


@pytest.mark.parametrize("lines", [
    [],
    [("", 1000, 1)],
    [("Rau", 1000, 0)],
    [("Rau", -1000, 1)],
    [("Rau", 1000.0, 1)],
    [("Rau", "1000", 1)],
    [("Rau", 0, 1)],
])
def test_bad_lines_are_refused_before_calling_stripe(gateway, stripe_api, lines):
    with pytest.raises(InvalidInput):
        create(gateway, lines=lines)
    assert stripe_api.requests == []


def test_gateway_from_config():
    assert gateway_from_config({}) is None
    assert gateway_from_config({"STRIPE_SECRET_KEY": None, "STRIPE_API_BASE": "http://127.0.0.1:1"}) is None
    gateway = gateway_from_config({"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1",
                                   "STRIPE_API_BASE": None})
    assert isinstance(gateway, StripeGateway) and gateway.webhook_secret == "whsec_1"


def test_gateway_from_app_config_points_at_the_double(app, stripe_api):
    app.config.update(STRIPE_SECRET_KEY="sk_test_app", STRIPE_API_BASE=stripe_api.url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    try:
        gateway = gateway_from_config(app.config)
        session_id, _ = create(gateway)
    finally:
        app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None, STRIPE_WEBHOOK_SECRET=None)
    assert session_id.startswith("cs_test_")
    assert stripe_api.requests[0].header("Authorization") == "Bearer sk_test_app"


# --- webhooks -------------------------------------------------------------------------------

def event_body(event_type: str = "checkout.session.completed") -> bytes:
    return json.dumps({
        "id": "evt_test_1", "object": "event", "type": event_type, "created": int(time.time()),
        "data": {"object": {"id": "cs_test_abc", "object": "checkout.session", "client_reference_id": "CL-7K3F9Q",
                            "metadata": {"order_id": "42"}, "amount_total": 290000, "currency": "vnd",
                            "payment_status": "paid"}},
    }).encode("utf-8")


def test_sign_payload_matches_stripe_library():
    body, now = event_body(), 1_750_000_000
    assert sign_payload(body, WEBHOOK_SECRET, now) == \
        stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), WEBHOOK_SECRET, now)


def test_valid_signature_is_accepted(gateway):
    body = event_body()
    event = gateway.construct_event(body, sign_payload(body, WEBHOOK_SECRET, int(time.time())))
    assert isinstance(event, dict)
    assert event["id"] == "evt_test_1" and event["type"] == "checkout.session.completed"
    assert event["data"]["object"]["client_reference_id"] == "CL-7K3F9Q"


def test_signature_among_several_is_accepted(gateway):
    """Stripe sends one v1 per active secret while a secret is being rolled."""
    body, now = event_body(), int(time.time())
    header = sign_payload(body, "whsec_old", now) + "," + sign_payload(body, WEBHOOK_SECRET, now).split(",")[1]
    assert gateway.construct_event(body, header)["id"] == "evt_test_1"


def _refused(gateway, body, header):
    with pytest.raises(InvalidInput) as caught:
        gateway.construct_event(body, header)
    assert caught.value.code == "bad_signature"


def test_tampered_body_is_refused(gateway):
    body = event_body()
    header = sign_payload(body, WEBHOOK_SECRET, int(time.time()))
    _refused(gateway, body.replace(b"290000", b"1"), header)


def test_wrong_secret_is_refused(gateway):
    body = event_body()
    _refused(gateway, body, sign_payload(body, "whsec_someone_else", int(time.time())))


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00", "v1=deadbeef"])
def test_missing_or_malformed_header_is_refused(gateway, header):
    _refused(gateway, event_body(), header)


def test_stale_timestamp_is_refused(gateway):
    body = event_body()
    stale = int(time.time()) - 301
    _refused(gateway, body, sign_payload(body, WEBHOOK_SECRET, stale))
    # A replay inside the tolerance is the caller's job (dedupe by event id), not the signature's.
    fresh = int(time.time()) - 200
    assert gateway.construct_event(body, sign_payload(body, WEBHOOK_SECRET, fresh))["id"] == "evt_test_1"


def test_signed_garbage_is_refused(gateway):
    body = b"\xff\xfenot json"
    _refused(gateway, body, sign_payload(body, WEBHOOK_SECRET, int(time.time())))
    body = b"[1, 2, 3]"
    _refused(gateway, body, sign_payload(body, WEBHOOK_SECRET, int(time.time())))


def test_webhook_without_configured_secret_is_refused(stripe_api):
    gateway = StripeGateway("sk_test_x", api_base=stripe_api.url, webhook_secret=None)
    body = event_body()
    _refused(gateway, body, sign_payload(body, WEBHOOK_SECRET, int(time.time())))
