"""What shipping routes name (orders, shipments, payouts, carriers) is checked against the caller: another
organisation's objects are a 404 and nothing changes; webhooks answer only to their carrier's secret."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.shop.shipping.models import CodPayout, Shipment, ShipmentEvent
from tests.shop.shipping.test_carriers import _snapshot


@pytest.fixture
def two_shops(client, auth, db, carriers, shop_world):
    owner_b, org_b, order_b = shop_world("ghtk")
    auth.login_as(owner_b)
    client.post(f"/shop/manage/{org_b.slug}/orders/{order_b.number}/ship", data={"carrier": "ghtk"})
    shipment = db.session.scalars(select(Shipment)).one()
    client.post(f"/shop/manage/{org_b.slug}/cod", data={
        "carrier": "ghtk", "reference": "B1", "paid_amount": "0",
        "statement": (io.BytesIO(f"carrier_code,cod,fee\n{shipment.carrier_code},0,0\n".encode()), "b.csv")},
        content_type="multipart/form-data")
    payout = db.session.scalars(select(CodPayout)).one()
    auth.logout()
    owner_a, org_a, order_a = shop_world("ghtk")
    auth.login_as(owner_a)
    return {"org_a": org_a, "order_b": order_b, "shipment_b": shipment, "payout_b": payout, "org_b": org_b}


def test_another_organisations_shipments_and_payouts_are_not_found(client, db, two_shops):
    a, shipment, payout = two_shops["org_a"].slug, two_shops["shipment_b"], two_shops["payout_b"]
    before = _snapshot(db), db.session.scalars(select(CodPayout.id)).all()
    assert client.get(f"/shop/manage/{a}/shipments/{shipment.id}/label").status_code == 404
    assert client.post(f"/shop/manage/{a}/shipments/{shipment.id}/cancel").status_code == 404
    assert client.get(f"/shop/manage/{a}/cod/{payout.id}").status_code == 404
    assert client.post(f"/shop/manage/{a}/orders/{two_shops['order_b'].number}/ship",
                       data={"carrier": "ghtk"}).status_code == 404
    assert client.get(f"/shop/manage/{a}/shipments/labels?id={shipment.id}").status_code in (200, 404)
    assert (_snapshot(db), db.session.scalars(select(CodPayout.id)).all()) == before


def test_someone_elses_organisation_pages_are_refused(client, db, two_shops):
    b = two_shops["org_b"].slug
    for url in (f"/shop/manage/{b}/carriers", f"/shop/manage/{b}/shipments", f"/shop/manage/{b}/cod",
                f"/shop/manage/{b}/shipments/{two_shops['shipment_b'].id}/label",
                f"/shop/manage/{b}/cod/{two_shops['payout_b'].id}"):
        assert client.get(url).status_code in (403, 404), url


def test_staff_may_book_but_only_the_owner_imports_payouts_and_chooses_carriers(client, auth, db, factory,
                                                                                 two_shops):
    from app.accounts.models import Membership

    org_a = two_shops["org_a"]
    staff = factory.user("Nhân viên")
    db.session.add(Membership(user_id=staff.id, organisation_id=org_a.id, role="staff"))
    db.session.commit()
    auth.logout()
    auth.login_as(staff)
    response = client.post(f"/shop/manage/{org_a.slug}/carriers", data={"carrier": "ghn",
                                                                         "item_weight_grams": "500"})
    assert response.status_code == 403
    response = client.post(f"/shop/manage/{org_a.slug}/cod", data={
        "carrier": "ghtk", "reference": "S1", "paid_amount": "0",
        "statement": (io.BytesIO(b"carrier_code,cod,fee\nX,0,0\n"), "s.csv")}, content_type="multipart/form-data")
    assert response.status_code == 403 and db.session.scalars(select(CodPayout)).all() == [
        two_shops["payout_b"]]


def test_webhooks_of_unknown_carriers_or_parcels(client, db, two_shops):
    assert client.post("/webhooks/carriers/dhl", json={}).status_code == 404
    response = client.post("/webhooks/carriers/ghtk?hash=ghtk-callback-hash",
                           data={"label_id": "S1.A1.999", "status_id": "5", "action_time": "x"})
    assert response.status_code == 200 and response.json["outcomes"] == ["unknown_shipment"]
    assert db.session.scalars(select(ShipmentEvent)).all() == []


def test_carriers_off_by_default_say_so(client, auth, db, factory, app, monkeypatch):
    monkeypatch.setitem(app.config, "SHIPPING_CARRIERS", "")
    owner = factory.user("Chủ")
    org = factory.org(owner, name="HTX Không kết nối")
    auth.login_as(owner)
    page = client.get(f"/shop/manage/{org.slug}/carriers").get_data(as_text=True)
    assert 'data-testid="carriers-off"' in page
    response = client.post(f"/shop/manage/{org.slug}/carriers", data={"carrier": "ghn", "item_weight_grams": "500"})
    assert response.status_code == 200 and "chưa kết nối" in response.get_data(as_text=True)
