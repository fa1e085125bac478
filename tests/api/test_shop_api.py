"""The /api/v1 shop endpoints: catalog, cart, checkout, orders, seller endpoints and their authorisation."""
from __future__ import annotations

import uuid

import pytest

from app.core.addresses import commune_province, find_commune


@pytest.fixture
def make_product(db):
    from app.shop import services

    def make(actor, org, name="Bưởi Diễn", *, stock=0, category="fruit", unit="fruit", price=60000, **fields):
        fields.setdefault("status", "active")
        product = services.create_product(actor, org, services.ProductData(
            name=name, category=category, unit=unit, price=price, **fields), stock=stock)
        db.session.commit()
        return product

    return make


@pytest.fixture
def bearer(db):
    from app.accounts import services

    def make(user):
        raw, _ = services.issue_api_token(user, 30)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def world(factory, make_product, bearer):
    owner_a = factory.user("Chủ A")
    org_a = factory.org(owner_a, name="HTX A")
    owner_b = factory.user("Chủ B")
    org_b = factory.org(owner_b, name="HTX B")
    prod_a = make_product(owner_a, org_a, "Bưởi Diễn", stock=10, price=60000)
    prod_b = make_product(owner_b, org_b, "Cam Canh", stock=5, price=40000)
    draft_b = make_product(owner_b, org_b, "Nhãn Lồng", stock=3, status="draft")
    x, y = factory.user("Người X"), factory.user("Người Y")
    return dict(owner_a=owner_a, org_a=org_a, owner_b=owner_b, org_b=org_b, prod_a=prod_a, prod_b=prod_b,
                draft_b=draft_b, x=x, y=y, hx=bearer(x), hy=bearer(y), ha=bearer(owner_a), hb=bearer(owner_b))


def _checkout_body(method="cod", key=None):
    commune = find_commune("Xã Ô Diên")
    return {"name": "Người Mua", "phone": "0912 345 678", "province_code": commune_province(commune),
            "commune_code": commune, "street": "Số 5, thôn Đông", "note": None, "payment_method": method,
            "idempotency_key": key or uuid.uuid4().hex}


def _buy(client, headers, variant_id, qty=1, method="cod"):
    assert client.post("/api/v1/cart", json={"variant_id": variant_id, "quantity": qty}, headers=headers).status_code == 200
    res = client.post("/api/v1/checkout", json=_checkout_body(method), headers=headers)
    assert res.status_code == 201, res.json
    return res.json


def test_openapi_lists_every_shop_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    expected = {
        "/api/v1/products": {"get"}, "/api/v1/products/{product_id}": {"get"},
        "/api/v1/cart": {"get", "post", "delete"}, "/api/v1/checkout": {"post"},
        "/api/v1/orders": {"get"}, "/api/v1/orders/{number}": {"get"},
        "/api/v1/orgs/{slug}/products": {"get"}, "/api/v1/orgs/{slug}/orders": {"get"},
        "/api/v1/orgs/{slug}/variants/{variant_id}/stock": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    from flask import current_app

    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_") \
                and not rule.endpoint.startswith(("api_docs", "api-docs")) and "openapi" not in rule.rule:
            openapi = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            assert openapi in paths, rule.rule


def test_catalog_and_detail(client, world):
    res = client.get("/api/v1/products")
    assert res.status_code == 200
    names = {p["name"] for p in res.json["items"]}
    assert names == {"Bưởi Diễn", "Cam Canh"}
    item = next(p for p in res.json["items"] if p["name"] == "Cam Canh")
    assert item["organisation"] == world["org_b"].slug and item["price"] == 40000 and item["available"] == 5
    assert set(item) >= {"id", "code", "unit", "thumbnail"}
    found = client.get("/api/v1/products", query_string={"q": "cam canh"}).json["items"]
    assert [p["name"] for p in found] == ["Cam Canh"]
    assert client.get("/api/v1/products", query_string={"page": 0}).status_code == 422
    detail = client.get(f"/api/v1/products/{world['prod_a'].id}").json
    assert detail["variants"][0]["available"] == 10 and detail["variants"][0]["price"] == 60000


def test_a_broad_search_says_its_count_is_capped_and_whether_a_next_page_exists(client, world, monkeypatch):
    from app.shop import queries

    full = client.get("/api/v1/products", query_string={"q": "cam canh"}).json
    assert full["total"] == 1 and full["capped"] is False and full["has_next"] is False
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    broad = client.get("/api/v1/products", query_string={"q": "htx"}).json  # both cooperatives' goods match
    assert broad["total"] == 1 and broad["capped"] is True and len(broad["items"]) == 2
    assert broad["has_next"] is False  # a page that is not full is the last one, whatever the capped count says
    listed = client.get("/api/v1/products").json
    assert listed["capped"] is False and listed["total"] == 2  # the list without a query counts everything


def test_draft_product_is_404_except_for_members(client, world):
    url = f"/api/v1/products/{world['draft_b'].id}"
    for headers in ({}, world["hx"], world["ha"]):
        res = client.get(url, headers=headers)
        assert res.status_code == 404 and res.json["code"] == "not_found"
    assert client.get(url, headers=world["hb"]).status_code == 200
    assert client.get("/api/v1/products/999999").json["code"] == "not_found"


def test_cart_checkout_and_orders_happy_path(client, world):
    hx, variant = world["hx"], world["prod_a"].variants[0]
    assert client.get("/api/v1/cart").status_code == 401
    added = client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 2}, headers=hx)
    assert added.status_code == 200 and added.json["groups"][0]["lines"][0]["quantity"] == 2
    assert client.get("/api/v1/cart", headers=hx).json["groups"][0]["subtotal"] == 120000
    removed = client.delete("/api/v1/cart", json={"variant_id": variant.id}, headers=hx)
    assert removed.json["groups"] == []
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 3}, headers=hx)
    body = _checkout_body("cod")
    res = client.post("/api/v1/checkout", json=body, headers=hx)
    assert res.status_code == 201
    [order] = res.json
    assert order["status"] == "placed" and order["total"] >= 180000 and order["payment"]["method"] == "cod"
    assert order["payment"]["note"]
    again = client.post("/api/v1/checkout", json=body, headers=hx)  # same idempotency key
    assert again.status_code == 201 and again.json[0]["number"] == order["number"]
    listed = client.get("/api/v1/orders", headers=hx).json
    assert [o["number"] for o in listed] == [order["number"]]
    one = client.get(f"/api/v1/orders/{order['number']}", headers=hx)
    assert one.status_code == 200 and one.json["lines"][0]["quantity"] == 3
    assert client.get(f"/api/v1/products/{world['prod_a'].id}").json["available"] == 7


def test_vietqr_checkout_gives_the_payload(client, world, db):
    from app.shop import vietqr

    org = world["org_a"]
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0011001234567", "HTX A"
    db.session.commit()
    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 1, method="vietqr")
    pay = order["payment"]
    assert order["status"] == "pending_payment" and pay["method"] == "vietqr"
    assert pay["amount"] == order["total"] and pay["bank_bin"] == "970436" and pay["account_number"] == "0011001234567"
    assert pay["payload"] == vietqr.build_payload("970436", "0011001234567", order["total"], pay["memo"])


def test_stripe_off_is_a_json_error(client, world):
    client.post("/api/v1/cart", json={"variant_id": world["prod_a"].variants[0].id}, headers=world["hx"])
    res = client.post("/api/v1/checkout", json=_checkout_body("stripe"), headers=world["hx"])
    assert res.status_code == 400 and res.json["code"] == "stripe_off"


@pytest.mark.parametrize("body, status, code", [
    ({"quantity": 0}, 400, "invalid_quantity"),
    ({"quantity": -1}, 400, "invalid_quantity"),
    ({"variant_id": 999999}, 404, "no_such_variant"),
    ({"quantity": 11}, 409, "out_of_stock"),
    ({"quantity": "many"}, 422, "invalid_input"),
    ({"variant_id": None}, 422, "invalid_input"),
])
def test_cart_bad_input(client, world, body, status, code):
    payload = {"variant_id": world["prod_a"].variants[0].id, "quantity": 1, **body}
    res = client.post("/api/v1/cart", json=payload, headers=world["hx"])
    assert res.status_code == status and res.json["code"] == code and res.json["message"]
    assert client.get("/api/v1/cart", headers=world["hx"]).json["groups"] == []


def test_checkout_over_stock_is_409_and_reserves_nothing(client, world, db):
    from app.shop.models import Variant

    variant = world["prod_a"].variants[0]
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 5}, headers=world["hx"])
    client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 5}, headers=world["hy"])
    assert client.post("/api/v1/checkout", json=_checkout_body(), headers=world["hy"]).status_code == 201
    assert client.post("/api/v1/cart", json={"variant_id": variant.id, "quantity": 1}, headers=world["hx"]).status_code == 409
    from app.shop import inventory

    inventory.adjust_stock(variant.id, -3, world["owner_a"], "spoilt")
    db.session.commit()
    res = client.post("/api/v1/checkout", json=_checkout_body(), headers=world["hx"])
    assert res.status_code == 409 and res.json["code"] == "out_of_stock"
    db.session.expire_all()
    fresh = db.session.get(Variant, variant.id)
    assert (fresh.available, fresh.reserved) == (2, 5)
    assert client.get("/api/v1/orders", headers=world["hx"]).json == []


def test_seller_endpoints(client, world):
    ha, org = world["ha"], world["org_a"]
    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 2)
    prods = client.get(f"/api/v1/orgs/{org.slug}/products", headers=ha)
    assert prods.status_code == 200 and [p["name"] for p in prods.json] == ["Bưởi Diễn"]
    orders = client.get(f"/api/v1/orgs/{org.slug}/orders", headers=ha)
    assert [o["number"] for o in orders.json] == [order["number"]]
    vid = world["prod_a"].variants[0].id
    res = client.post(f"/api/v1/orgs/{org.slug}/variants/{vid}/stock", json={"delta": 5, "reason": "harvest"}, headers=ha)
    assert res.status_code == 200 and res.json["available"] == 13 and res.json["reserved"] == 2
    bad = client.post(f"/api/v1/orgs/{org.slug}/variants/{vid}/stock", json={"delta": -100, "reason": "x"}, headers=ha)
    assert bad.status_code == 400 and bad.json["code"] == "stock_below_zero"
    zero = client.post(f"/api/v1/orgs/{org.slug}/variants/{vid}/stock", json={"delta": 0, "reason": "x"}, headers=ha)
    assert zero.status_code == 400 and zero.json["code"] == "invalid_quantity"


def _snapshot(db):
    from sqlalchemy import select

    from app.shop.models import StockMovement, Variant
    from app.shop.ordering.models import Order

    db.session.expire_all()
    stock = sorted(db.session.execute(select(Variant.id, Variant.received, Variant.available, Variant.reserved,
                                             Variant.sold)).all())
    orders = sorted(db.session.execute(select(Order.number, Order.status, Order.buyer_id)).all())
    moves = db.session.scalar(select(StockMovement.id).order_by(StockMovement.id.desc()).limit(1))
    return stock, orders, moves


AUTHZ_CASES = [
    # (caller, method, url template, json body)
    ("ha", "get", "/api/v1/orgs/{org_b}/products", None),
    ("ha", "get", "/api/v1/orgs/{org_b}/orders", None),
    ("ha", "post", "/api/v1/orgs/{org_b}/variants/{variant_b}/stock", {"delta": -2, "reason": "steal"}),
    ("ha", "post", "/api/v1/orgs/{org_b}/variants/{variant_b}/stock", {"delta": 5, "reason": "add"}),
    ("ha", "post", "/api/v1/orgs/{org_a}/variants/{variant_b}/stock", {"delta": -2, "reason": "cross"}),
    ("ha", "get", "/api/v1/products/{draft_b}", None),
    ("hx", "get", "/api/v1/orgs/{org_b}/products", None),
    ("hx", "get", "/api/v1/orgs/{org_b}/orders", None),
    ("hx", "post", "/api/v1/orgs/{org_b}/variants/{variant_b}/stock", {"delta": 1, "reason": "x"}),
    ("hx", "get", "/api/v1/orders/{order_y}", None),
    ("ha", "get", "/api/v1/orders/{order_y}", None),
    ("none", "get", "/api/v1/orders/{order_y}", None),
    ("none", "post", "/api/v1/orgs/{org_b}/variants/{variant_b}/stock", {"delta": 1, "reason": "x"}),
]


@pytest.mark.parametrize("caller, method, template, body", AUTHZ_CASES)
def test_cross_tenant_access_is_refused_and_changes_nothing(client, world, db, caller, method, template, body):
    [order_y] = _buy(client, world["hy"], world["prod_b"].variants[0].id, 1)
    url = template.format(org_a=world["org_a"].slug, org_b=world["org_b"].slug,
                          variant_b=world["prod_b"].variants[0].id, draft_b=world["draft_b"].id,
                          order_y=order_y["number"])
    before = _snapshot(db)
    headers = {} if caller == "none" else world[caller]
    res = getattr(client, method)(url, json=body, headers=headers)
    assert res.status_code in (401, 403, 404), (url, res.status_code)
    assert res.json["code"] in ("not_signed_in", "not_a_member", "forbidden", "not_found", "no_such_order",
                                "no_such_variant")
    assert res.json["message"]
    assert order_y["number"] not in res.get_data(as_text=True) or res.status_code >= 400
    assert _snapshot(db) == before


@pytest.fixture
def stripe_api(app):
    from ..shop.stripe_double import StripeDouble

    with StripeDouble() as double:
        app.config.update(STRIPE_SECRET_KEY="sk_test_api", STRIPE_API_BASE=double.url, STRIPE_WEBHOOK_SECRET="whsec_api")
        try:
            yield double
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None, STRIPE_WEBHOOK_SECRET=None)


def test_stripe_checkout_gives_the_real_stripe_checkout_url(client, world, db, stripe_api):
    from app.shop.ordering.models import Order

    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 2, method="stripe")
    pay = order["payment"]
    assert order["status"] == "pending_payment" and pay["method"] == "stripe"
    assert pay["checkout_url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert pay["amount"] == order["total"] == 2 * 60000 + 30000
    [request] = stripe_api.requests
    assert request.path == "/v1/checkout/sessions" and request.header("Idempotency-Key") == f"order-{order['number']}"
    params = request.params
    assert params["client_reference_id"] == order["number"] and params["currency"] == "vnd"
    saved = db.session.query(Order).filter_by(number=order["number"]).one()
    assert params["metadata"]["order_id"] == str(saved.id)
    assert sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in params["line_items"]) == saved.total
    assert saved.stripe_checkout_url == pay["checkout_url"] and saved.stripe_session_id.startswith("cs_test_")
    # asking again (API or web) reuses the one session instead of opening a second one
    again = client.get(f"/api/v1/orders/{order['number']}", headers=world["hx"]).json
    assert again["payment"]["checkout_url"] == pay["checkout_url"]
    assert stripe_api.sessions_created == 1


def test_web_pay_page_and_api_share_the_session(client, world, db, stripe_api):
    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 1, method="stripe")
    assert client.post("/login", data={"login": world["x"].phone, "password": "matkhau123"}).status_code == 302
    response = client.get(f"/shop/orders/{order['number']}/pay")
    assert response.status_code == 303 and response.location == order["payment"]["checkout_url"]
    assert stripe_api.sessions_created == 1


def test_stripe_down_at_checkout_keeps_the_order_and_says_so(client, world, db, stripe_api):
    from app.shop.ordering.models import Order

    stripe_api.fail_next(400, "invalid_request_error", message="No such thing")
    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 1, method="stripe")
    assert order["status"] == "pending_payment"
    assert order["payment"]["checkout_url"] is None and order["payment"]["note"]
    saved = db.session.query(Order).filter_by(number=order["number"]).one()
    assert saved.stripe_checkout_url is None and saved.status == "pending_payment"


def test_order_number_typed_with_spaces_and_lower_case(client, world):
    [order] = _buy(client, world["hx"], world["prod_a"].variants[0].id, 1)
    typed = order["number"].lower().replace("-", " ")
    found = client.get(f"/api/v1/orders/{typed}", headers=world["hx"])
    assert found.status_code == 200 and found.json["number"] == order["number"]
    assert client.get(f"/api/v1/orders/{typed}", headers=world["hy"]).status_code == 404
