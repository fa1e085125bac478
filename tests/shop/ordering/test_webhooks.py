"""Stripe checkout against the local double; Stripe and bank webhooks through the client."""
from __future__ import annotations

import json
import time

import pytest

from app.shop.ordering.models import BankReview, Order, PaymentEvent
from app.shop.payments.stripe_gateway import sign_payload

from ..stripe_double import StripeDouble
from .test_views import checkout_form, counters, give_bank

SECRET = "whsec_ordering_test"
BANK_KEY = "bank-key-123"


@pytest.fixture
def stripe_on(app):
    with StripeDouble() as double:
        app.config.update(STRIPE_SECRET_KEY="sk_test_ordering", STRIPE_API_BASE=double.url,
                          STRIPE_WEBHOOK_SECRET=SECRET)
        try:
            yield double
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None, STRIPE_WEBHOOK_SECRET=None)


@pytest.fixture
def bank_on(app):
    app.config["BANK_WEBHOOK_API_KEY"] = BANK_KEY
    yield
    app.config["BANK_WEBHOOK_API_KEY"] = None


def stripe_order(db, client, auth, buyer, stocked, address):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2})
    assert 'value="stripe"' in client.get("/shop/checkout").get_data(as_text=True)
    response = client.post("/shop/checkout", data=checkout_form(address, "stripe"))
    assert response.status_code == 302
    assert client.get(response.location).status_code == 303  # the pay page creates the order's Checkout session
    db.session.expire_all()
    return db.session.query(Order).one(), response


def session_object(order, amount=None, **changes):
    """The checkout.session Stripe sends for this order's own session (card.py stored its id)."""
    return {"id": order.stripe_session_id, "object": "checkout.session", "client_reference_id": order.number,
            "metadata": {"order_id": str(order.id), "order_number": order.number},
            "amount_total": order.total if amount is None else amount, "currency": "vnd",
            "payment_status": "paid", "payment_intent": f"pi_{order.number}", **changes}


def charge_object(order, **changes):
    """The charge of charge.refunded: the order's payment intent, refunded in full."""
    return {"id": f"ch_{order.number}", "object": "charge", "payment_intent": f"pi_{order.number}",
            "metadata": {"order_id": str(order.id), "order_number": order.number}, "amount": order.total,
            "amount_refunded": order.total, "refunded": True, "currency": "vnd", **changes}


def signed(client, event_type, obj, event_id="evt_1", secret=SECRET, header=True):
    body = json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
                       "data": {"object": obj}}).encode()
    headers = {"Stripe-Signature": sign_payload(body, secret, int(time.time()))} if header else {}
    return client.post("/webhooks/stripe", data=body, headers={**headers, "Content-Type": "application/json"})


def send(client, event_type, order, event_id="evt_1", secret=SECRET, amount=None, header=True):
    obj = charge_object(order) if event_type == "charge.refunded" else session_object(order, amount)
    return signed(client, event_type, obj, event_id, secret, header)


def test_stripe_checkout_redirects_to_the_double(db, client, auth, buyer, stocked, address, stripe_on):
    order, response = stripe_order(db, client, auth, buyer, stocked, address)
    assert order.status == "pending_payment" and response.location.endswith(f"/shop/orders/{order.number}/pay")
    pay = client.get(f"/shop/orders/{order.number}/pay")
    assert pay.status_code == 303 and pay.location.startswith("https://checkout.stripe.com/")
    request = stripe_on.requests[-1]
    assert request.header("Idempotency-Key") == f"order-{order.number}"
    assert request.params["client_reference_id"] == order.number
    assert request.params["metadata"]["order_id"] == str(order.id)
    amounts = [int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in request.params["line_items"]]
    assert sum(amounts) == order.total and request.params["currency"] == "vnd"
    assert abs(int(request.params["expires_at"]) - int(order.expires_at.timestamp())) <= 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).stripe_session_id.startswith("cs_test_")


def test_stripe_webhook_marks_paid_once(db, client, auth, buyer, stocked, address, stripe_on):
    order, _ = stripe_order(db, client, auth, buyer, stocked, address)
    for _ in range(3):
        assert send(client, "checkout.session.completed", order).status_code == 200
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status == "placed" and paid.paid_at is not None
    assert counters(db, stocked) == (8, 0, 2)
    assert db.session.query(PaymentEvent).count() == 1
    # an expiry arriving late does not move the order back
    assert send(client, "checkout.session.expired", order, event_id="evt_2").status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "placed"
    # a refund after payment returns the stock
    send(client, "charge.refunded", order, event_id="evt_3")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "refunded" and counters(db, stocked) == (10, 0, 0)


@pytest.mark.parametrize("kind", ["missing", "wrong_secret", "tampered"])
def test_stripe_bad_signature_is_400_and_writes_nothing(db, client, auth, buyer, stocked, address, stripe_on, kind):
    order, _ = stripe_order(db, client, auth, buyer, stocked, address)
    if kind == "missing":
        response = send(client, "checkout.session.completed", order, header=False)
    elif kind == "wrong_secret":
        response = send(client, "checkout.session.completed", order, secret="whsec_other")
    else:
        body = b'{"id": "evt_9", "type": "checkout.session.completed"}'
        response = client.post("/webhooks/stripe", data=body + b" ",
                               headers={"Stripe-Signature": sign_payload(body, SECRET, int(time.time()))})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.query(PaymentEvent).count() == 0
    assert db.session.get(Order, order.id).status == "pending_payment"


def test_stripe_expired_releases_stock(db, client, auth, buyer, stocked, address, stripe_on):
    order, _ = stripe_order(db, client, auth, buyer, stocked, address)
    assert counters(db, stocked) == (8, 2, 0)
    send(client, "checkout.session.expired", order, event_id="evt_exp")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled" and counters(db, stocked) == (10, 0, 0)
    # a completion arriving after the expiry is recorded but does not reopen the order
    send(client, "checkout.session.completed", order, event_id="evt_late")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.query(PaymentEvent).filter_by(external_id="evt_late").one().outcome == "paid_after_close"


def bank(client, content, amount, tid, key=BANK_KEY):
    body = {"id": tid, "gateway": "Vietcombank", "transactionDate": "2026-11-28 10:00:00",
            "accountNumber": "0123456789", "content": content, "transferType": "in",
            "transferAmount": amount, "referenceCode": "FT26332", "description": content}
    return client.post("/webhooks/bank", json=body, headers={"Authorization": f"Apikey {key}"})


def vietqr_order(db, client, auth, buyer, stocked, address, seller):
    give_bank(db, seller[1])
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 2})
    client.post("/shop/checkout", data=checkout_form(address, "vietqr"))
    return db.session.query(Order).one()


def test_bank_webhook(db, client, auth, buyer, stocked, address, seller, bank_on):
    order = vietqr_order(db, client, auth, buyer, stocked, address, seller)
    code = order.number.replace("-", "").lower()
    assert bank(client, f"MBVCB.123 {code} chuyen tien", order.total, 1, key="wrong").status_code == 401
    assert db.session.query(PaymentEvent).count() == 0
    assert bank(client, f"MBVCB.123 {code} chuyen tien", order.total - 1000, 1).json["outcome"] == "amount_mismatch"
    assert bank(client, "CL-ZZZZZZ", 5000, 2).json["outcome"] == "unknown_order"
    for _ in range(2):
        assert bank(client, f"MBVCB.123 {code} chuyen tien", order.total, 3).status_code == 200
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status == "placed" and paid.paid_at is not None
    assert counters(db, stocked) == (8, 0, 2)
    assert db.session.query(PaymentEvent).count() == 3
    assert sorted(r.reason for r in db.session.query(BankReview)) == ["amount_mismatch", "unknown_order"]
    # the seller sees both in the review list
    auth.logout()
    auth.login_as(seller[0])
    page = client.get(f"/shop/manage/{seller[1].slug}/bank-reviews").get_data(as_text=True)
    assert "CL-ZZZZZZ" in page and page.count("<article") == 2


def test_bank_webhook_refuses_garbage(client, bank_on):
    response = client.post("/webhooks/bank", json={"id": 5}, headers={"Authorization": f"Apikey {BANK_KEY}"})
    assert response.status_code == 400


def test_a_replayed_stripe_event_with_an_old_signature_is_refused(db, client, auth, buyer, stocked, address,
                                                                  stripe_on):
    """Someone captured a genuine signed delivery and sends it again an hour later."""
    order, _ = stripe_order(db, client, auth, buyer, stocked, address)
    body = json.dumps({"id": "evt_old", "object": "event", "type": "checkout.session.completed",
                       "data": {"object": {"id": order.stripe_session_id, "client_reference_id": order.number,
                                           "amount_total": order.total, "currency": "vnd",
                                           "payment_status": "paid"}}}).encode()
    an_hour_ago = int(time.time()) - 3600
    response = client.post("/webhooks/stripe", data=body, headers={
        "Stripe-Signature": sign_payload(body, SECRET, an_hour_ago), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["code"] == "bad_signature"
    db.session.expire_all()
    assert db.session.query(PaymentEvent).count() == 0
    assert db.session.get(Order, order.id).status == "pending_payment" and counters(db, stocked) == (8, 2, 0)


def test_a_transfer_of_the_wrong_amount_pays_nothing_and_waits_for_the_seller(db, client, auth, buyer, stocked,
                                                                              address, seller, bank_on):
    order = vietqr_order(db, client, auth, buyer, stocked, address, seller)
    response = bank(client, f"{order.number} chuyen khoan", order.total + 50000, 77)
    assert response.status_code == 200 and response.json["outcome"] == "amount_mismatch"
    db.session.expire_all()
    same = db.session.get(Order, order.id)
    assert same.status == "pending_payment" and same.paid_at is None and counters(db, stocked) == (8, 2, 0)
    [review] = db.session.query(BankReview).all()
    assert review.amount == order.total + 50000 and review.order_id == order.id and not review.resolved
