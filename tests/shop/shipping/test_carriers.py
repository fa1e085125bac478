"""Each carrier double through the real adapters and pages: a quote, a one-tap booking, a label, status webhooks
that move the order (and tell the buyer through the outbox); a replay changes nothing."""
from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.notify.models import OutboxMessage
from app.shop.ordering.models import Order
from app.shop.shipping import services
from app.shop.shipping.models import Shipment, ShipmentEvent
from tests.shop.shipping.conftest import WEBHOOK_SECRETS

CARRIERS = ["ghn", "ghtk", "viettelpost"]


def webhook(client, carrier, code, status, at="2026-12-06T09:00:00", cod=0, secret=None):
    """Post a status update the way each carrier does (its body shape and its secret)."""
    if carrier == "ghn":
        token = secret or WEBHOOK_SECRETS["GHN_WEBHOOK_TOKEN"]
        return client.post(f"/webhooks/carriers/ghn?token={token}", json={
            "OrderCode": code, "Status": status, "Time": at, "ShopID": 885, "CODAmount": cod, "TotalFee": 22000,
            "Type": "switch_status", "ClientOrderCode": "x"})
    if carrier == "ghtk":
        hash_ = secret or WEBHOOK_SECRETS["GHTK_WEBHOOK_HASH"]
        return client.post(f"/webhooks/carriers/ghtk?hash={hash_}", data={
            "label_id": code, "partner_id": "x", "status_id": status, "action_time": at, "reason": "",
            "pick_money": cod, "fee": 22000})
    return client.post("/webhooks/carriers/viettelpost", json={
        "DATA": {"ORDER_NUMBER": code, "ORDER_REFERENCE": "x", "ORDER_STATUS": status, "ORDER_STATUSDATE": at,
                 "STATUS_NAME": "", "MONEY_COLLECTION": cod, "MONEY_TOTAL": 23000},
        "TOKEN": secret or WEBHOOK_SECRETS["VTP_WEBHOOK_TOKEN"]})


# Each carrier's codes for: picked up, delivered, returned.
CODES = {"ghn": ("picked", "delivered", "returned"), "ghtk": ("3", "5", "21"),
         "viettelpost": (200, 501, 504)}
VTP_TIMES = {"2026-12-06T09:00:00": "06/12/2026 09:00:00", "2026-12-07T10:00:00": "07/12/2026 10:00:00"}


def at(carrier, iso):
    return VTP_TIMES.get(iso, iso) if carrier == "viettelpost" else iso


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_quote_by_the_buyers_two_level_address(app, db, carriers, shop_world, carrier):
    owner, org, order = shop_world(carrier)
    fee, code = services.quote_fee(app.config, org, 120_000, 2, order.province_code, order.commune_code)
    # the doubles charge 22.000 ₫ for the first 500 g and 2.500 ₫ for each 500 g more (Viettel Post: +1.000 ₫ VAT)
    assert code == carrier and fee == (24_500 if carrier != "viettelpost" else 25_500)
    double = carriers[carrier]
    if carrier == "ghn":
        [call] = double.calls("/shiip/public-api/v2/shipping-order/fee")
        body = call.json()
        assert call.header("Token") == "ghn-token" and call.header("ShopId") == "885"
        # Ô Diên → Huyện Đan Phượng / Xã Tân Hội and Hoàn Kiếm → Quận Hoàn Kiếm / Phường Hàng Trống, GHN's ids
        assert (body["from_district_id"], body["from_ward_code"]) == (1581, "1B2114")
        assert (body["to_district_id"], body["to_ward_code"], body["weight"]) == (1484, "1A0105", 1000)
    elif carrier == "ghtk":
        [call] = double.calls("/services/shipment/fee")
        assert call.header("Token") == "ghtk-token"
        assert (call.query["district"], call.query["ward"]) == ("Quận Hoàn Kiếm", "Phường Hàng Trống")
        assert call.query["pick_district"] == "Huyện Đan Phượng"
    else:
        [call] = double.calls("/v2/order/getPrice")
        body = call.json()
        assert call.header("Token") == "vtp-token"
        assert (body["SENDER_DISTRICT"], body["RECEIVER_DISTRICT"], body["RECEIVER_WARD"]) == (25, 9, 208)
    # asked once: the same address and weight is answered from the quote cache for ten minutes
    services.quote_fee(app.config, org, 120_000, 2, order.province_code, order.commune_code)
    assert sum(1 for r in double.requests if "fee" in r.path.lower() or "price" in r.path.lower()) == 1


def test_checkout_charges_the_carriers_fee_and_falls_back_to_the_flat_rule(app, client, auth, db, carriers,
                                                                           shop_world, factory):
    owner, org, _ = shop_world("ghtk")
    from app.core.addresses import commune_province, find_commune

    buyer = factory.user("Người mua mới")
    auth.login_as(buyer)
    variant_id = _variant_of(db, org)
    client.post("/shop/cart/add", data={"variant_id": variant_id, "quantity": 1})
    commune = find_commune("Phường Hoàn Kiếm")
    page = client.get(f"/shop/checkout/shipping-fees?province_code={commune_province(commune)}&commune_code={commune}")
    assert "22.000" in page.get_data(as_text=True)
    response = client.post("/shop/checkout", data={
        "name": "Người mua mới", "phone": "0987000111", "province_code": commune_province(commune),
        "commune_code": commune, "street": "3 Hàng Trống", "payment_method": "cod", "idempotency_key": "q1",
        "consent": "y"})
    assert response.status_code == 302
    order = db.session.scalars(select(Order).where(Order.buyer_id == buyer.id)).one()
    assert order.shipping_fee == 22_000 and order.total == order.subtotal + 22_000
    carriers["ghtk"].fail_next(503)  # the carrier is down: the flat rule, the buyer still checks out
    services._quote_cache.clear()
    assert services.quote_fee(app.config, org, 60_000, 1, order.province_code, order.commune_code) is None


def _variant_of(db, org):
    from app.shop.models import Product

    return db.session.scalars(select(Product).where(Product.organisation_id == org.id)).first().variants[0].id


@pytest.mark.parametrize("carrier", CARRIERS)
def test_book_label_and_status_webhooks(app, client, auth, db, carriers, shop_world, carrier):
    owner, org, order = shop_world(carrier)
    auth.login_as(owner)
    page = client.get(f"/shop/manage/{org.slug}/orders/{order.number}").get_data(as_text=True)
    assert f'data-testid="book-{carrier}"' in page
    response = client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    assert response.status_code == 302
    shipment = db.session.scalars(select(Shipment)).one()
    db.session.refresh(order)
    assert order.status == "packed" and shipment.state == "booked" and shipment.cod_amount == order.total
    double = carriers[carrier]
    if carrier == "ghn":
        [call] = double.calls("/shiip/public-api/v2/shipping-order/create")
        body = call.json()
        assert call.header("ShopId") == "885" and body["client_order_code"] == f"{order.number}-1"
        assert body["cod_amount"] == order.total and body["to_phone"] == "0987654321"
        assert body["to_district_id"] == 1484 and body["items"][0]["quantity"] == 2
    elif carrier == "ghtk":
        [call] = double.calls("/services/shipment/order/")
        sent = call.json()
        assert call.query == {"ver": "1.5"} and sent["order"]["id"] == f"{order.number}-1"
        assert sent["order"]["pick_money"] == order.total and sent["order"]["ward"] == "Phường Hàng Trống"
    else:
        [call] = double.calls("/v2/order/createOrder")
        sent = call.json()
        assert sent["ORDER_NUMBER"] == f"{order.number}-1" and sent["MONEY_COLLECTION"] == order.total
        assert sent["GROUPADDRESS_ID"] == 5818802 and sent["ORDER_PAYMENT"] == 3
    # one tap is one booking: a second tap is refused and the carrier hears nothing more
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    assert db.session.scalar(select(Shipment.id).where(Shipment.id != shipment.id)) is None

    label = client.get(f"/shop/manage/{org.slug}/shipments/{shipment.id}/label")
    if carrier == "ghn":
        assert label.status_code == 302 and "/a5/public-api/printA5?token=" in label.location
        import requests

        assert shipment.carrier_code in requests.get(label.location, timeout=5).text
    else:
        assert label.status_code == 200 and label.mimetype == "application/pdf"
        pdf = PdfReader(io.BytesIO(label.data))
        assert len(pdf.pages) == 1 and pdf.metadata.title == shipment.carrier_code

    picked, delivered, _ = CODES[carrier]
    assert webhook(client, carrier, shipment.carrier_code, picked, at(carrier, "2026-12-06T09:00:00")).json[
               "outcomes"] == ["picked"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "shipped"
    [shipped_message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "order_shipped"))
    params = json.loads(shipped_message.params)
    assert params["tracking"] == shipment.carrier_code and shipped_message.user_id == order.buyer_id

    response = webhook(client, carrier, shipment.carrier_code, delivered, at(carrier, "2026-12-07T10:00:00"))
    assert response.json["outcomes"] == ["delivered"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "delivered"
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.template == "order_delivered"))

    # a replay (carriers retry) changes nothing
    before = _snapshot(db)
    replay = webhook(client, carrier, shipment.carrier_code, delivered, at(carrier, "2026-12-07T10:00:00"))
    assert replay.status_code == 200 and replay.json["outcomes"] == ["duplicate"]
    late = webhook(client, carrier, shipment.carrier_code, picked, at(carrier, "2026-12-06T09:00:00"))
    assert late.json["outcomes"] == ["duplicate"]
    assert _snapshot(db) == before


def _snapshot(db):
    db.session.expire_all()
    return ([(s.state, s.carrier_status) for s in db.session.scalars(select(Shipment))],
            db.session.scalar(select(Order.status)), len(db.session.scalars(select(ShipmentEvent)).all()),
            len(db.session.scalars(select(OutboxMessage)).all()))


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_webhook_with_a_wrong_secret_changes_nothing(client, db, carriers, shop_world, auth, carrier):
    owner, org, order = shop_world(carrier)
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    shipment = db.session.scalars(select(Shipment)).one()
    before = _snapshot(db)
    response = webhook(client, carrier, shipment.carrier_code, CODES[carrier][1], secret="guessed")
    assert response.status_code == 401 and _snapshot(db) == before


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_returned_parcel_returns_the_order_and_its_stock(client, db, carriers, shop_world, auth, carrier):
    from app.shop.models import Variant

    owner, org, order = shop_world(carrier)
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    shipment = db.session.scalars(select(Shipment)).one()
    picked, _, returned = CODES[carrier]
    webhook(client, carrier, shipment.carrier_code, picked, at(carrier, "2026-12-06T09:00:00"))
    webhook(client, carrier, shipment.carrier_code, returned, at(carrier, "2026-12-07T10:00:00"))
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    variant = db.session.get(Variant, order.lines[0].variant_id)
    assert order.status == "returned" and (variant.available, variant.sold, variant.reserved) == (20, 0, 0)
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.template == "order_returned"))


@pytest.mark.parametrize("carrier", ["ghn", "ghtk"])
def test_cancel_a_booked_pickup(client, db, carriers, shop_world, auth, carrier):
    owner, org, order = shop_world(carrier)
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    shipment = db.session.scalars(select(Shipment)).one()
    client.post(f"/shop/manage/{org.slug}/shipments/{shipment.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Shipment, shipment.id).state == "cancelled"
    # and it can be booked again, with a new code of ours
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    assert sorted(s.client_code for s in db.session.scalars(select(Shipment))) == [f"{order.number}-1",
                                                                                   f"{order.number}-2"]


def test_ghn_tracking_reads_the_order_detail(app, db, carriers, shop_world, client, auth):
    owner, org, order = shop_world("ghn")
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": "ghn"})
    shipment = db.session.scalars(select(Shipment)).one()
    from app.shop.shipping.carriers import carrier_from_config

    event = carrier_from_config("ghn", app.config).track(shipment.carrier_code)
    assert (event.state, event.carrier_status) == ("booked", "ready_to_pick")


def test_the_days_labels_merge_into_one_pdf(app, db, carriers, shop_world, client, auth):
    owner, org, first = shop_world("ghtk")

    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/orders/{first.number}/ship", data={"carrier": "ghtk"})
    second = _another_confirmed_order(db, org, owner)
    client.post(f"/shop/manage/{org.slug}/orders/{second.number}/ship", data={"carrier": "ghtk"})
    page = client.get(f"/shop/manage/{org.slug}/shipments").get_data(as_text=True)
    assert first.number in page and second.number in page
    response = client.get(f"/shop/manage/{org.slug}/shipments/labels")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) == 2


def _another_confirmed_order(db, org, owner):
    import uuid

    from app.core.addresses import commune_province, find_commune
    from app.shop.models import Product
    from app.shop.ordering import services as ordering
    from tests.conftest import Factory

    buyer = Factory().user("Người mua thứ hai", login="0977000222")
    product = db.session.scalars(select(Product).where(Product.organisation_id == org.id)).first()
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, product.variants[0].id, 1)
    commune = find_commune("Phường Hoàn Kiếm")
    [order] = ordering.checkout(cart, buyer, name="Người mua thứ hai", phone="0977000222",
                                province_code=commune_province(commune), commune_code=commune, street="5 Hàng Trống",
                                note=None, payment_method="cod", idempotency_key=uuid.uuid4().hex)
    ordering.transition(order, "confirmed", owner)
    db.session.commit()
    return order
