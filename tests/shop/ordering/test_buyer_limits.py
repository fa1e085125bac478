"""One buyer cannot hold a seller's whole stock: a per-buyer cap, a checkout rate limit, COD orders that expire."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import notifications
from app.accounts.models import Notification
from app.core import jobs
from app.core.dbtypes import utcnow
from app.errors import InvalidInput
from app.shop.models import Product
from app.shop.ordering import services
from app.shop.ordering.models import Order

from .test_views import checkout_form, counters

OPTIONS = {"payment_minutes": 60, "stripe_enabled": False, "cod_confirm_hours": 48, "max_units_per_buyer": 5}


@pytest.fixture
def order_now(db, address):
    """order_now(buyer, variant, qty, method="cod", now=None, **options) → the one order, committed."""

    def run(buyer, variant, qty, method="cod", now=None, **options):
        cart = services.get_cart(buyer, None, create=True)
        services.add_to_cart(cart, variant.id, qty)
        [order] = services.checkout(cart, buyer, name="Người Mua", phone="0912 345 678", street="Số 5, thôn Đông",
                                    note=None, payment_method=method, idempotency_key=uuid.uuid4().hex, now=now,
                                    **{**OPTIONS, **options}, **address)
        db.session.commit()
        return order

    return run


def refused(db, run) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        run()
    db.session.rollback()
    return caught.value


# The per-buyer cap ------------------------------------------------------------------------------------------

def test_a_buyer_may_hold_at_most_the_cap_across_open_orders(db, factory, buyer, stocked, order_now):
    order_now(buyer, stocked, 3)
    error = refused(db, lambda: order_now(buyer, stocked, 3))
    assert error.code == "buyer_limit" and error.details == {"product_id": stocked.product_id, "limit": 5, "held": 3}
    assert "5" in str(error.message) and "3" in str(error.message)
    assert counters(db, stocked) == (7, 3, 0)  # the refused checkout reserved nothing
    order_now(buyer, stocked, 2)  # up to the cap is fine
    # another buyer has a cap of their own
    order_now(factory.user("Người mua khác"), stocked, 5)


def test_closed_orders_no_longer_count(db, buyer, stocked, order_now, seller):
    first = order_now(buyer, stocked, 5)
    services.transition(first, "cancelled", seller[0])
    db.session.commit()
    second = order_now(buyer, stocked, 5)
    for step in ("confirmed", "packed", "shipped"):
        services.transition(second, step, seller[0])
    db.session.commit()
    refused(db, lambda: order_now(buyer, stocked, 1))  # shipped is not delivered yet: still counted
    services.transition(second, "delivered", seller[0])
    db.session.commit()
    order_now(buyer, stocked, 1)


def test_a_products_own_limit_wins_over_the_setting(db, buyer, stocked, order_now):
    stocked.product.max_per_buyer = 2
    db.session.commit()
    assert refused(db, lambda: order_now(buyer, stocked, 3, max_units_per_buyer=50)).details["limit"] == 2
    stocked.product.max_per_buyer = 8
    db.session.commit()
    order_now(buyer, stocked, 8)  # above the setting of 5: the seller chose more for this product


def test_options_of_one_product_count_together(db, buyer, seller, make_product, order_now):
    from app.shop import inventory
    from app.shop import services as shop

    owner, org = seller
    product = make_product(owner, org, "Gạo nếp", stock=0, category="rice", unit="kg")
    shop.set_variants(owner, product, [shop.VariantRow(id=None, label="1kg"), shop.VariantRow(id=None, label="5kg")])
    db.session.flush()
    small, large = [v for v in product.variants if v.label]
    for variant in (small, large):
        inventory.receive_stock(variant, 10, owner, "harvest")
    db.session.commit()
    order_now(buyer, small, 4)
    assert refused(db, lambda: order_now(buyer, large, 2)).details == {"product_id": product.id, "limit": 5,
                                                                          "held": 4}


def test_no_cap_when_the_setting_is_off(db, buyer, stocked, order_now):
    order_now(buyer, stocked, 8, max_units_per_buyer=None)


def test_an_overdue_order_is_expired_before_the_count(db, buyer, stocked, order_now):
    order_now(buyer, stocked, 5, now=utcnow() - timedelta(hours=49))  # the seller never confirmed it
    order_now(buyer, stocked, 5)
    assert db.session.scalars(select(Order.status).order_by(Order.id)).all() == ["cancelled", "placed"]


def test_the_web_checkout_says_why_in_vietnamese(db, client, auth, buyer, stocked, address, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UNITS_PER_BUYER", 2)
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 3})
    response = client.post("/shop/checkout", data=checkout_form(address))
    assert response.status_code == 422
    assert "Mỗi người mua chỉ được đặt tối đa 2" in response.get_data(as_text=True)
    assert db.session.query(Order).count() == 0 and counters(db, stocked) == (10, 0, 0)


def api_form(address, **kwargs):
    """The checkout form's fields an API body carries (the API has no consent box)."""
    return {k: v for k, v in checkout_form(address, **kwargs).items() if k != "consent"}


def test_the_api_checkout_refuses_over_the_cap(db, client, buyer, stocked, address, app, monkeypatch):
    from app.accounts.services import issue_api_token

    monkeypatch.setitem(app.config, "MAX_UNITS_PER_BUYER", 2)
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    client.post("/api/v1/cart", json={"variant_id": stocked.id, "quantity": 3}, headers=headers)
    body = {**api_form(address), "province_code": address["province_code"],
            "commune_code": address["commune_code"]}
    response = client.post("/api/v1/checkout", json=body, headers=headers)
    assert response.status_code == 400 and response.json["code"] == "buyer_limit"
    assert response.json["details"] == {"product_id": stocked.product_id, "limit": 2, "held": 0}


# The seller sets a product's own limit (form and API) -------------------------------------------------------

def test_the_seller_sets_the_limit_in_the_product_form(db, client, auth, seller, stocked):
    owner, org = seller
    product = stocked.product
    auth.login_as(owner)
    url = f"/shop/manage/{org.slug}/products/{product.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="max_per_buyer"' in page
    form = {"name": product.name, "category": product.category, "unit": product.unit, "price": "60.000",
            "code": product.code, "status": "active", "max_per_buyer": "3"}
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).max_per_buyer == 3
    bad = client.post(url, data={**form, "max_per_buyer": "0"})
    assert bad.status_code in (200, 422)
    db.session.expire_all()
    assert db.session.get(Product, product.id).max_per_buyer == 3  # bad input changes nothing
    client.post(url, data={**form, "max_per_buyer": ""})
    db.session.expire_all()
    assert db.session.get(Product, product.id).max_per_buyer is None  # empty: back to the platform's limit


def test_the_seller_sets_the_limit_through_the_api(db, client, factory, seller, stocked):
    from app.accounts.services import issue_api_token

    owner, org = seller
    product = stocked.product
    raw, _ = issue_api_token(owner, 30)
    other, _ = issue_api_token(factory.user("Người lạ"), 30)
    db.session.commit()
    url = f"/api/v1/orgs/{org.slug}/products/{product.id}"
    done = client.patch(url, json={"max_per_buyer": 4}, headers={"Authorization": f"Bearer {raw}"})
    assert done.status_code == 200 and done.json["max_per_buyer"] == 4
    for bad in (0, -1, 2_000_000, True):
        response = client.patch(url, json={"max_per_buyer": bad}, headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code in (400, 422), bad
    stranger = client.patch(url, json={"max_per_buyer": 1}, headers={"Authorization": f"Bearer {other}"})
    assert stranger.status_code == 403
    assert client.patch(url, json={"max_per_buyer": 1}).status_code == 401
    db.session.expire_all()
    assert db.session.get(Product, product.id).max_per_buyer == 4
    cleared = client.patch(url, json={"max_per_buyer": None}, headers={"Authorization": f"Bearer {raw}"})
    assert cleared.status_code == 200 and cleared.json["max_per_buyer"] is None
    assert client.get(f"/api/v1/products/{product.id}").json["max_per_buyer"] is None


# The checkout rate limit --------------------------------------------------------------------------------------

def test_checkouts_are_rate_limited_per_buyer_across_web_and_api(db, client, auth, factory, buyer, stocked, address,
                                                                  app, monkeypatch):
    from app.accounts.services import issue_api_token

    monkeypatch.setitem(app.config, "CHECKOUT_LIMIT", "2 per minute")
    auth.login_as(buyer)
    for n in range(2):
        client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
        assert client.post("/shop/checkout", data=checkout_form(address, key=f"k{n}")).status_code == 302
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    limited = client.post("/shop/checkout", data=checkout_form(address, key="k3"))
    assert limited.status_code == 429 and "X-RateLimit-Limit" in limited.headers
    assert client.get("/shop/checkout").status_code == 200  # reading the page is not limited
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    body = {**api_form(address, key="k4"), "province_code": address["province_code"],
            "commune_code": address["commune_code"]}
    assert client.post("/api/v1/checkout", json=body, headers={"Authorization": f"Bearer {raw}"}).status_code == 429
    assert db.session.query(Order).count() == 2
    auth.logout()
    auth.login_as(factory.user("Người mua khác"))  # from the same address, a bucket of their own
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    assert client.post("/shop/checkout", data=checkout_form(address, key="k5")).status_code == 302


# Unconfirmed COD orders expire ----------------------------------------------------------------------------------

def test_an_unconfirmed_cod_order_expires_releases_stock_and_tells_the_buyer(app, db, buyer, stocked, order_now):
    order = order_now(buyer, stocked, 3, now=utcnow() - timedelta(hours=49))
    assert order.expires_at is not None and counters(db, stocked) == (7, 3, 0)
    outcome = jobs.run_job(app, "shop.expire-orders")
    assert outcome.ran and outcome.result == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled" and counters(db, stocked) == (10, 0, 0)
    # The bell also told of the order placed (the notification pipeline, app/notify); the expiry is one more.
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == buyer.id,
                                                            Notification.kind != "message")).all()
    assert note.kind == "order_expired" and note.link == f"/shop/orders/{order.number}"
    assert order.number in notifications.text_of(note) and "người bán không xác nhận" in notifications.text_of(note)
    assert jobs.run_job(app, "shop.expire-orders").result == 0  # once only: no second release, no second note


def test_confirmed_or_paid_cod_orders_do_not_expire(db, buyer, stocked, order_now, seller):
    owner, org = seller
    past = utcnow() - timedelta(hours=49)
    confirmed = order_now(buyer, stocked, 1, now=past)
    services.transition(confirmed, "confirmed", owner, now=past)
    paid = order_now(buyer, stocked, 1, now=past)
    services.mark_paid(paid, "manual", None, paid.total, owner, now=past + timedelta(hours=1))  # cash by hand
    waiting = order_now(buyer, stocked, 1)  # within its 48 hours
    db.session.commit()
    assert services.expire_unpaid() == 0
    db.session.expire_all()
    assert [db.session.get(Order, o.id).status for o in (confirmed, paid, waiting)] == ["confirmed", "placed", "placed"]


def test_no_cod_deadline_when_the_setting_is_off(db, buyer, stocked, order_now):
    assert order_now(buyer, stocked, 1, cod_confirm_hours=None).expires_at is None


def test_an_overdue_cod_order_expires_when_anyone_looks_at_it(db, client, auth, buyer, stocked, order_now, seller):
    order = order_now(buyer, stocked, 2, now=utcnow() - timedelta(hours=49))
    auth.login_as(seller[0])
    # the seller cannot confirm it any more: it expired before the click (lazy expiry, no job needed)
    client.post(f"/shop/manage/{seller[1].slug}/orders/{order.number}/status", data={"to_status": "confirmed"})
    db.session.expire_all()
    assert db.session.get(Order, order.id).status != "confirmed"
    page = client.get(f"/shop/manage/{seller[1].slug}/orders/{order.number}").get_data(as_text=True)
    assert 'data-testid="cod-deadline"' not in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled" and counters(db, stocked) == (10, 0, 0)
    assert db.session.query(Notification).filter_by(user_id=buyer.id, kind="order_expired").count() == 1


def test_both_sides_see_the_cod_deadline(db, client, auth, buyer, stocked, address, seller, app):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    client.post("/shop/checkout", data=checkout_form(address))
    order = db.session.query(Order).one()
    expected = order.expires_at - order.created_at
    assert timedelta(hours=47, minutes=59) < expected <= timedelta(hours=48)
    page = client.get(f"/shop/orders/{order.number}").get_data(as_text=True)
    assert 'data-testid="cod-deadline"' in page and "Người bán sẽ xác nhận đơn trước" in page
    auth.logout()
    auth.login_as(seller[0])
    page = client.get(f"/shop/manage/{seller[1].slug}/orders/{order.number}").get_data(as_text=True)
    assert 'data-testid="cod-deadline"' in page and "Hãy xác nhận trước" in page
