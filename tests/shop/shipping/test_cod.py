"""COD reconciliation: a carrier's statement imported as CSV, its totals, its problem lines and what is missing."""
from __future__ import annotations

import io

from sqlalchemy import select

from app.shop.shipping import queries
from app.shop.shipping.models import CodPayout, Shipment
from tests.shop.shipping.test_carriers import _another_confirmed_order, webhook


def _delivered(client, db, org, order, carrier="ghtk"):
    client.post(f"/shop/manage/{org.slug}/orders/{order.number}/ship", data={"carrier": carrier})
    shipment = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id)).one()
    webhook(client, carrier, shipment.carrier_code, "3", "2026-12-06T09:00:00")
    webhook(client, carrier, shipment.carrier_code, "5", "2026-12-07T10:00:00")
    db.session.expire_all()
    return db.session.get(Shipment, shipment.id)


def test_the_reconciliation_totals(client, auth, db, carriers, shop_world):
    owner, org, first = shop_world("ghtk")
    auth.login_as(owner)
    a = _delivered(client, db, org, first)
    b = _delivered(client, db, org, _another_confirmed_order(db, org, owner))
    assert a.cod_amount == 150_000 and b.cod_amount == 90_000  # 2 and 1 pomelos + the flat delivery fee
    # The statement pays A in full, B short by 10.000 ₫, and lists a parcel that is not ours.
    statement = ("Mã vận đơn,Tiền thu hộ,Phí dịch vụ\n"
                 f"{a.carrier_code},150.000,22.000\n"
                 f"{b.carrier_code},80000,22000\n"
                 "S1.A1.000000001,50000,22000\n").encode()
    response = client.post(f"/shop/manage/{org.slug}/cod", data={
        "carrier": "ghtk", "reference": "DS-2026-12-08", "paid_amount": "200000", "paid_on": "2026-12-08",
        "statement": (io.BytesIO(statement), "doi-soat.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    payout = db.session.scalars(select(CodPayout)).one()
    r = queries.reconciliation(payout)
    assert (r["collected"], r["fees"], r["due"], r["paid"]) == (280_000, 66_000, 214_000, 200_000)
    assert r["difference"] == -14_000  # missing from the payout
    assert [row["check"] for row in r["lines"]] == ["ok", "amount_differs", "unknown"] and r["problems"] == 2
    assert r["missing"] == []  # both delivered parcels are in this payout
    page = client.get(f"/shop/manage/{org.slug}/cod/{payout.id}").get_data(as_text=True)
    assert 'data-testid="difference">-14.000' in page.replace("\u00a0", " ").replace("−", "-") or "14.000" in page
    # the same payout again is refused and changes nothing
    again = client.post(f"/shop/manage/{org.slug}/cod", data={
        "carrier": "ghtk", "reference": "DS-2026-12-08", "paid_amount": "200000",
        "statement": (io.BytesIO(statement), "doi-soat.csv")}, content_type="multipart/form-data")
    assert again.status_code == 200 and len(db.session.scalars(select(CodPayout)).all()) == 1


def test_delivered_parcels_in_no_payout_are_missing(client, auth, db, carriers, shop_world):
    owner, org, first = shop_world("ghtk")
    auth.login_as(owner)
    a = _delivered(client, db, org, first)
    b = _delivered(client, db, org, _another_confirmed_order(db, org, owner))
    statement = f"carrier_code,cod,fee\n{a.carrier_code},150000,22000\n".encode()
    client.post(f"/shop/manage/{org.slug}/cod", data={
        "carrier": "ghtk", "reference": "P1", "paid_amount": "128000", "paid_on": "2099-01-01",
        "statement": (io.BytesIO(statement), "p1.csv")}, content_type="multipart/form-data")
    r = queries.reconciliation(db.session.scalars(select(CodPayout)).one())
    assert r["difference"] == 0 and [s.id for s in r["missing"]] == [b.id] and r["missing_total"] == 90_000


def test_a_bad_statement_changes_nothing(client, auth, db, carriers, shop_world):
    owner, org, _ = shop_world("ghtk")
    auth.login_as(owner)
    for body in (b"foo,bar\n1,2\n", b"carrier_code,cod,fee\nX1,abc,1\n", "Mã,Tiền\n".encode("utf-16")):
        response = client.post(f"/shop/manage/{org.slug}/cod", data={
            "carrier": "ghtk", "reference": "R", "paid_amount": "1",
            "statement": (io.BytesIO(body), "s.csv")}, content_type="multipart/form-data")
        assert response.status_code == 200
    assert db.session.scalars(select(CodPayout)).all() == []
