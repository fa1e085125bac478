"""Objects named in request bodies of the shop and live checkouts and of payment webhooks belong to the caller.

A URL check is not enough: checkout keys, held-line ids, order numbers sent in bulk, bank account numbers
and Stripe session ids arrive in bodies, and each is checked against who sends (or receives) it.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.errors import Conflict, InvalidInput
from app.livestream import afterlive
from app.livestream import services as live_services
from app.livestream.models import LiveReservation
from app.shop.ordering import services as ordering
from app.shop.ordering.models import Order

COMMUNE = find_commune("Xã Ô Diên")
DETAILS = {"name": "Trần Thị Lan", "phone": "0912 345 678", "province_code": commune_province(COMMUNE),
           "commune_code": COMMUNE, "street": "Số 5, thôn Đông", "payment_method": "cod"}


def web_form(key: str, method: str = "cod") -> dict:
    return {**DETAILS, "payment_method": method, "idempotency_key": key, "consent": "y",
            "province_code": str(DETAILS["province_code"]), "commune_code": str(DETAILS["commune_code"])}


@pytest.fixture
def variant(seller, make_product):
    owner, org = seller
    return make_product(owner, org, "Bưởi Diễn", stock=20, code="A12").variants[0]


@pytest.fixture
def bearer(db):
    from app.accounts.services import issue_api_token

    def make(user):
        raw, _ = issue_api_token(user, 30)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


def orders_of(db, user) -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order).where(Order.buyer_id == user.id).order_by(Order.id)))


# Checkout keys -------------------------------------------------------------------------------------------

def test_web_checkout_key_of_another_buyer_starts_a_checkout_of_your_own(db, client, auth, factory, buyer, variant):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 2})
    assert client.post("/shop/checkout", data=web_form("key-of-lan")).status_code == 302
    [hers] = orders_of(db, buyer)
    auth.logout()
    mallory = auth.login_as(factory.user("Kẻ gian"))
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    replay = client.post("/shop/checkout", data=web_form("key-of-lan"))
    assert replay.status_code == 302 and hers.number not in replay.location
    [mine] = orders_of(db, mallory)
    assert mine.id != hers.id and mine.lines[0].quantity == 1 and replay.location.endswith(mine.number)
    assert hers.number not in client.get("/shop/orders").get_data(as_text=True)
    assert [o.id for o in orders_of(db, buyer)] == [hers.id]


def test_web_checkout_key_with_a_colon_is_never_a_prefix_of_another(db, client, auth, buyer, variant):
    """'a:b' used to be stored as 'a:b:<org>', so the key 'a' found it ('a:' + anything)."""
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 2})
    client.post("/shop/checkout", data=web_form("a:b"))
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    client.post("/shop/checkout", data=web_form("a"))
    first, second = orders_of(db, buyer)
    assert (first.lines[0].quantity, second.lines[0].quantity) == (2, 1)
    # and the exact same key still finds its own checkout (a double tap creates nothing)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    again = client.post("/shop/checkout", data=web_form("a:b"))
    assert again.location.endswith(first.number) and len(orders_of(db, buyer)) == 2


def test_api_checkout_key_of_another_buyer_never_returns_their_order(db, client, factory, buyer, variant, bearer):
    lan, mallory = bearer(buyer), bearer(factory.user("Kẻ gian"))
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 2}, headers=lan)
    body = {**DETAILS, "note": None, "idempotency_key": "api-key-of-lan"}
    [hers] = client.post("/api/v1/checkout", json=body, headers=lan).json
    refused = client.post("/api/v1/checkout", json=body, headers=mallory)  # an empty cart: refused, nothing read
    assert refused.status_code == 400 and refused.json["code"] == "empty_cart"
    assert hers["number"] not in refused.get_data(as_text=True)
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1}, headers=mallory)
    fresh = client.post("/api/v1/checkout", json=body, headers=mallory)
    assert fresh.status_code == 201 and [o["number"] for o in fresh.json] != [hers["number"]]
    assert fresh.json[0]["lines"][0]["quantity"] == 1
    prefix = client.post("/api/v1/checkout", json={**body, "idempotency_key": "api-key"}, headers=lan)
    assert prefix.status_code == 400 and prefix.json["code"] == "empty_cart"  # not a prefix match of 'api-key-…'


def _hold(live, user, client_id: str, text: str = "chốt A12 x2") -> list[int]:
    live_services.post_comment(live.id, user, text, client_id, now=utcnow(), min_interval=0)
    from app.extensions import db

    db.session.commit()
    return [r.id for r in afterlive.held_lines(user)]


def test_live_checkout_key_of_another_buyer_never_returns_their_orders(db, client, auth, factory, buyer, make_live,
                                                                       bearer):
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    mallory = factory.user("Kẻ gian")
    lan_lines, mallory_lines = _hold(live, buyer, "c1"), _hold(live, mallory, "c2", "chốt A12")
    [hers] = afterlive.checkout_live_cart(buyer, lan_lines, idempotency_key="live-key", **DETAILS, note=None)
    db.session.commit()
    # API: the same key with no lines is a clear refusal, with her lines a 409, never her order
    body = {**DETAILS, "note": None, "idempotency_key": "live-key"}
    headers = bearer(mallory)
    empty = client.post("/api/v1/live/cart/checkout", json={**body, "lines": []}, headers=headers)
    assert empty.status_code == 400 and hers.number not in empty.get_data(as_text=True)
    stolen = client.post("/api/v1/live/cart/checkout", json={**body, "lines": lan_lines}, headers=headers)
    assert stolen.status_code == 409 and stolen.json["code"] == "not_held"
    # the page: the same key checks out Mallory's own line
    auth.login_as(mallory)
    done = client.post("/live/cart", data={**web_form("live-key"), "line": mallory_lines})
    assert done.status_code == 302 and hers.number not in done.location
    [mine] = orders_of(db, mallory)
    assert mine.lines[0].quantity == 1 and done.location.endswith(mine.number)
    assert [o.id for o in orders_of(db, buyer)] == [hers.id]


def test_guest_checkout_keys_are_scoped_to_the_guest_cart(db, buyer, variant):
    """No page lets a guest check out today; the service still never lets one guest's key read another's orders."""
    one = ordering.get_cart(None, "guest-one", create=True)
    two = ordering.get_cart(None, "guest-two", create=True)
    for cart in (one, two):
        ordering.add_to_cart(cart, variant.id, 1)
    first = ordering.checkout(one, None, idempotency_key="same", note=None, **DETAILS)
    assert ordering.checkout(one, None, idempotency_key="same", note=None, **DETAILS) == first
    second = ordering.checkout(two, None, idempotency_key="same", note=None, **DETAILS)
    assert {o.id for o in second}.isdisjoint({o.id for o in first})
    assert ordering.orders_for_key(buyer, "same") == []
    with pytest.raises(InvalidInput):
        ordering.orders_for_key(None, "same")  # neither a buyer nor a cart: nothing to scope the key to
    for bad in ("", "x" * 101, None, 5):
        with pytest.raises(InvalidInput):
            ordering.orders_for_key(buyer, bad)


# Held lines (live reservation ids) -------------------------------------------------------------------------------

def test_held_line_ids_of_another_buyer_are_refused_everywhere(db, client, auth, factory, buyer, make_live, bearer):
    live = make_live([("A12", "Bưởi Diễn", 10, None)], live_price=50000)
    mallory = factory.user("Kẻ gian")
    lan_lines, mallory_lines = _hold(live, buyer, "c1"), _hold(live, mallory, "c2", "chốt A12")
    body = {**DETAILS, "note": None, "idempotency_key": uuid.uuid4().hex}
    headers = bearer(mallory)
    for lines in (lan_lines, lan_lines + mallory_lines):  # hers alone, or slipped in among my own
        response = client.post("/api/v1/live/cart/checkout", json={**body, "lines": lines}, headers=headers)
        assert response.status_code == 409 and response.json["code"] == "not_held"
    auth.login_as(mallory)
    page = client.post("/live/cart", data={**web_form(uuid.uuid4().hex), "line": lan_lines + mallory_lines})
    assert page.status_code == 422
    db.session.expire_all()
    assert set(db.session.scalars(select(LiveReservation.status))) == {"held"}
    assert db.session.query(Order).count() == 0
    with pytest.raises(Conflict):
        afterlive.checkout_live_cart(mallory, lan_lines, idempotency_key="svc", note=None, **DETAILS)
    db.session.rollback()


# Order numbers and product options in bodies ----------------------------------------------------------------------

def test_a_seller_cannot_confirm_another_organisations_orders_by_number(db, client, auth, factory, buyer, variant,
                                                                        seller):
    owner, org = seller
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    client.post("/shop/checkout", data=web_form("k"))
    [theirs] = orders_of(db, buyer)
    auth.logout()
    stranger = factory.user("Chủ HTX khác")
    other_org = factory.org(stranger, name="HTX Khác")
    auth.login_as(stranger)
    response = client.post(f"/shop/manage/{other_org.slug}/orders/confirm", data={"number": [theirs.number]})
    assert response.status_code == 404
    assert orders_of(db, buyer)[0].status == "placed"
    # and through the orders page of the right organisation it works for its own members only
    auth.logout()
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/confirm", data={"number": [theirs.number]})
    assert orders_of(db, buyer)[0].status == "confirmed"


def test_a_cart_body_cannot_reach_a_draft_of_another_organisation_or_another_cart(db, client, factory, buyer,
                                                                                   variant, seller, make_product,
                                                                                   bearer):
    owner, org = seller
    draft_product = make_product(owner, org, "Nhãn nháp", stock=5, code="N1")
    draft_product.status = "draft"
    db.session.commit()
    draft = draft_product.variants[0]
    lan, mallory = bearer(buyer), bearer(factory.user("Kẻ gian"))
    refused = client.post("/api/v1/cart", json={"variant_id": draft.id, "quantity": 1}, headers=mallory)
    assert refused.status_code == 400 and refused.json["code"] == "not_on_sale"
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 2}, headers=lan)
    client.delete("/api/v1/cart", json={"variant_id": variant.id}, headers=mallory)  # names Lan's line
    assert client.get("/api/v1/cart", headers=lan).json["groups"][0]["lines"][0]["quantity"] == 2
    assert client.get("/api/v1/cart", headers=mallory).json["groups"] == []


# Webhook bodies: the receiving account and the Stripe session -------------------------------------------------------

BANK_KEY = "bodies-bank-key"


@pytest.fixture
def vietqr_order(app, db, client, auth, buyer, variant, seller):
    app.config["BANK_WEBHOOK_API_KEY"] = BANK_KEY
    org = seller[1]
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970405", "1500205123456", "HTX BUOI DIEN"
    db.session.commit()
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    client.post("/shop/checkout", data=web_form("qr", "vietqr"))
    auth.logout()
    yield orders_of(db, buyer)[0]
    app.config["BANK_WEBHOOK_API_KEY"] = None


@pytest.mark.parametrize("account, gateway, sub_account, outcome", [
    ("1500205123456", "Agribank", None, "paid"),
    ("1500 2051 23456", "AGRIBANK", None, "paid"),
    ("1500205123456", "Vietcombank", None, "bank_mismatch"),      # the same digits at another bank
    ("1500205123456", "", None, "refused"),                        # no bank named: not a SePay body, refused
    ("0123456789", "Agribank", None, "account_mismatch"),         # another account at the same bank
    ("150020512345", "Agribank", None, "account_mismatch"),       # one digit short is another account
    ("9999999999", "Agribank", "1500205123456", "paid"),          # the VA the QR named, on the bank's main account
    ("9999999999", "Agribank", "0123456789", "account_mismatch"),
])
def test_a_transfer_pays_only_into_the_account_the_qr_named(db, client, vietqr_order, account, gateway, sub_account,
                                                            outcome):
    body = {"id": f"tx-{uuid.uuid4().hex[:8]}", "gateway": gateway, "transactionDate": "2026-11-28 10:00:00",
            "accountNumber": account, "subAccount": sub_account, "content": f"CK {vietqr_order.number}",
            "transferType": "in", "transferAmount": vietqr_order.total, "referenceCode": "FT1"}
    if not gateway:
        body.pop("gateway")
    response = client.post("/webhooks/bank", json=body, headers={"Authorization": f"Apikey {BANK_KEY}"})
    if outcome == "refused":
        assert response.status_code == 400 and response.json["code"] == "bad_notification"
    else:
        assert response.status_code == 200 and response.json["outcome"] == outcome
    db.session.expire_all()
    assert (db.session.get(Order, vietqr_order.id).paid_at is not None) == (outcome == "paid")


def test_a_signed_stripe_event_pays_only_the_order_whose_session_it_is(db, client, auth, factory, buyer, variant,
                                                                       app):
    import json
    import time

    from app.shop.payments.stripe_gateway import sign_payload
    from tests.shop.stripe_double import StripeDouble

    secret = "whsec_bodies"
    with StripeDouble() as double:
        app.config.update(STRIPE_SECRET_KEY="sk_test_bodies", STRIPE_API_BASE=double.url, STRIPE_WEBHOOK_SECRET=secret)
        try:
            numbers = []
            for user, key in ((buyer, "s1"), (factory.user("Người khác"), "s2")):
                auth.login_as(user)
                client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
                location = client.post("/shop/checkout", data=web_form(key, "stripe")).location
                client.get(location)
                auth.logout()
                numbers.append(orders_of(db, user)[0])
            mine, other = numbers

            def deliver(event_id, order, session_id):
                body = json.dumps({"id": event_id, "type": "checkout.session.completed", "data": {"object": {
                    "id": session_id, "client_reference_id": order.number, "amount_total": order.total,
                    "currency": "vnd", "payment_status": "paid"}}}).encode()
                return client.post("/webhooks/stripe", data=body, headers={
                    "Stripe-Signature": sign_payload(body, secret, int(time.time())),
                    "Content-Type": "application/json"}).json["outcome"]

            assert deliver("evt_a", mine, other.stripe_session_id) == "session_mismatch"
            assert deliver("evt_b", mine, "cs_test_made_up") == "session_mismatch"
            assert orders_of(db, buyer)[0].paid_at is None
            assert deliver("evt_c", mine, mine.stripe_session_id) == "paid"
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None, STRIPE_WEBHOOK_SECRET=None)
