"""Objects named in request bodies of the shop and live checkouts and of payment webhooks belong to the caller.

A URL check is not enough: checkout keys, held-line ids, order numbers sent in bulk, bank account numbers
and Stripe session ids arrive in bodies, and each is checked against who sends (or receives) it.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.errors import InvalidInput
from app.livestream import afterlive
from app.livestream import services as live_services
from app.livestream.models import LiveReservation
from app.shop.ordering import services as ordering
from app.shop.ordering.models import Order

COMMUNE = find_commune("Xã Ô Diên")
DETAILS = {"name": "Trần Thị Lan", "phone": "0912 345 678", "province_code": commune_province(COMMUNE),
           "commune_code": COMMUNE, "street": "Số 5, thôn Đông", "payment_method": "cod"}


def web_form(key: str, method: str = "cod") -> dict:
    return {**DETAILS, "payment_method": method, "idempotency_key": key,
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
