"""Drill: an exception injected after the stock update and before the commit, in a checkout and in a live order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.core.addresses import find_commune
from app.core.dbtypes import utcnow
from app.extensions import socketio
from app.livestream import services as live_services
from app.livestream.models import ChatMessage, LiveProduct, LiveReservation
from app.shop import inventory
from app.shop import services as shop
from app.shop.models import StockMovement, Variant
from app.shop.ordering.models import Order

from .conftest import record

NS = "/live"


class Injected(RuntimeError):
    """The fault: raised by the stock ledger right after the conditional UPDATE of the variant."""


@pytest.fixture
def fault(monkeypatch):
    """Break the stock ledger's writes for reservations (one line, and many: the live batch's fast lane): the stock
    row is already updated when it raises."""
    real, real_many = inventory._record, inventory._record_many
    hits = []

    def broken(variant_id, kind, delta, reason, actor):
        if kind == "reserve":
            hits.append(variant_id)
            raise Injected("injected after the stock update, before the commit")
        return real(variant_id, kind, delta, reason, actor)

    def broken_many(kind, lines):
        if kind == "reserve":
            hits.extend(variant_id for variant_id, *_ in lines)
            raise Injected("injected after the stock update, before the commit")
        return real_many(kind, lines)

    monkeypatch.setattr(inventory, "_record", broken)
    monkeypatch.setattr(inventory, "_record_many", broken_many)
    return hits


@pytest.fixture
def shop_setup(db, factory):
    owner = factory.user("Chủ HTX Sự Cố")
    org = factory.org(owner, name="HTX Lỗi Giữa Chừng")
    product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn", category="fruit", unit="piece",
                                  price=60000, code="A12", status="active"), stock=10)
    buyer = factory.user("Người Mua Sự Cố")
    token, _ = accounts.issue_api_token(buyer, days=1, name="drill")
    db.session.commit()
    return owner, org, product, buyer, token


def counters(db, variant_id):
    db.session.expire_all()
    variant = db.session.get(Variant, variant_id)
    return variant.received, variant.available, variant.reserved, variant.sold


def test_a_checkout_failing_before_its_commit_moves_no_stock_and_tells_the_buyer_to_retry(
        app, db, client, shop_setup, fault, monkeypatch):
    _owner, _org, product, _buyer, token = shop_setup
    variant_id = product.variants[0].id
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the 500 page, not a traceback
    assert client.post("/api/v1/cart", json={"variant_id": variant_id, "quantity": 2}, headers=headers).status_code == 200
    before = counters(db, variant_id)
    body = {"name": "Trần Văn Mua", "phone": "0912 345 678", "street": "Số 5 thôn Đông", "payment_method": "cod",
            "idempotency_key": "drill-1", "province_code": 1, "commune_code": find_commune("Xã Ô Diên")}
    response = client.post("/api/v1/checkout", json=body, headers=headers)
    assert fault == [variant_id]  # the fault really fired after the UPDATE
    assert response.status_code == 500
    assert response.json["code"] == "server_error" and "Vui lòng thử lại" in response.json["message"]
    assert counters(db, variant_id) == before
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "reserve")) == 0
    # The buyer retries with the same key once the fault is gone: one order, two units reserved.
    monkeypatch.undo()
    retried = client.post("/api/v1/checkout", json=body, headers=headers)
    assert retried.status_code == 201
    assert db.session.scalar(select(func.count(Order.id))) == 1
    received, available, reserved, sold = counters(db, variant_id)
    assert (available, reserved, sold) == (before[1] - 2, 2, 0) and received == available + reserved + sold
    record("injected_exception_checkout", {"orders_after_fault": 0, "stock_moved_by_fault": 0,
                                           "answer": response.json["message"], "status": response.status_code,
                                           "orders_after_retry": 1})


def test_a_live_order_failing_before_its_commit_holds_nothing_and_the_same_client_id_works_after(
        app, db, shop_setup, fault, monkeypatch):
    owner, org, product, buyer, token = shop_setup
    live = live_services.schedule_live(owner, org, title="Phiên lỗi giữa chừng",
                                       scheduled_at=utcnow() + timedelta(hours=1))
    live_product = live_services.add_live_product(owner, live, product)
    live_services.start_live(owner, live)
    db.session.commit()
    variant_id = product.variants[0].id
    before = counters(db, variant_id)
    sio = socketio.test_client(app, namespace=NS, auth={"session_id": live.id, "token": token})
    try:
        ack = sio.emit("comment", {"text": "chốt A12 x2", "client_id": "drill-c1"}, namespace=NS, callback=True)
        # The batch's fast lane failed first (its run rolled back), then the comment alone on the per-comment path.
        assert set(fault) == {variant_id}
        assert ack["ok"] is False and ack["error"]["code"] == "server_error"
        assert "Vui lòng thử lại" in ack["error"]["message"]
        db.session.expire_all()
        assert counters(db, variant_id) == before
        assert db.session.scalar(select(func.count(LiveReservation.id))) == 0
        assert db.session.scalar(select(func.count(ChatMessage.id))) == 0  # not even the comment half-stored
        assert db.session.get(LiveProduct, live_product.id).allotment_used == 0
        monkeypatch.undo()
        again = sio.emit("comment", {"text": "chốt A12 x2", "client_id": "drill-c1"}, namespace=NS, callback=True)
    finally:
        sio.disconnect(namespace=NS)
    assert again["ok"] is True and again["reserved"][0]["quantity"] == 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count(LiveReservation.id))) == 1
    assert db.session.get(LiveProduct, live_product.id).allotment_used == 2
    received, available, reserved, sold = counters(db, variant_id)
    assert (available, reserved) == (before[1] - 2, 2) and received == available + reserved + sold
    record("injected_exception_live", {"reservations_after_fault": 0, "comments_after_fault": 0,
                                       "answer": ack["error"]["message"], "reservations_after_retry": 1})
