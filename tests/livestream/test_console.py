"""Seller console and claim log: members only, cancel per line, the sellers' room, masked names for buyers."""
from __future__ import annotations

import pytest

from app.errors import Conflict, Forbidden
from app.extensions import socketio
from app.livestream import queries, services
from app.livestream.models import LiveProduct, LiveReservation
from app.shop.models import Variant

NS = "/live"


def _order(db, live, buyer, text="chốt A12 x2", cid="c1"):
    ack = services.post_comment(live.id, buyer, text, cid, min_interval=0)
    db.session.commit()
    return ack


def test_console_members_only(app, auth, make_live, seller, buyer, factory):
    live = make_live()
    client = auth.client
    assert client.get(f"/live/{live.id}/console").status_code in (302, 401)
    auth.login_as(buyer)
    assert client.get(f"/live/{live.id}/console").status_code == 403
    auth.logout()
    auth.login_as(seller[0])
    page = client.get(f"/live/{live.id}/console").get_data(as_text=True)
    assert "js/live-console.js" in page and "A12" in page


def test_console_shows_order_parse_queue_and_stats(app, auth, make_live, seller, buyer, db):
    live = make_live()
    _order(db, live, buyer)
    auth.login_as(seller[0])
    page = auth.client.get(f"/live/{live.id}/console").get_data(as_text=True)
    assert "kind-order" in page and "→ 2 × A12 ✓" in page and "Trần Thị Lan: 2 × A12" in page
    stats = queries.live_stats(live.id)
    assert {k: stats[k] for k in ("comments", "orders", "lines", "revenue")} == {
        "comments": 1, "orders": 1, "lines": 1, "revenue": 120000}


def test_cancel_reservation_releases_stock_and_allotment(app, make_live, seller, buyer, db):
    live = make_live()
    _order(db, live, buyer)
    res = db.session.scalars(db.select(LiveReservation)).one()
    with pytest.raises(Forbidden):
        services.cancel_reservation(buyer, res)
    db.session.rollback()
    services.cancel_reservation(seller[0], res)
    db.session.commit()
    db.session.expire_all()
    assert res.status == "cancelled"
    assert db.session.scalars(db.select(LiveProduct)).one().allotment_used == 0
    assert db.session.scalars(db.select(Variant)).one().available == 10
    with pytest.raises(Conflict):
        services.cancel_reservation(seller[0], res)


def test_socket_sellers_room_and_cancel(app, auth, make_live, seller, buyer, db, no_rate_limit):
    live = make_live()
    seller_http = app.test_client()
    from tests.conftest import AuthActions
    AuthActions(seller_http, None).login_as(seller[0])
    auth.login_as(buyer)
    console = socketio.test_client(app, namespace=NS, auth={"session_id": live.id}, flask_test_client=seller_http)
    shopper = socketio.test_client(app, namespace=NS, auth={"session_id": live.id}, flask_test_client=auth.client)
    ack = shopper.emit("comment", {"text": "chốt A12 x2", "client_id": "x"}, namespace=NS, callback=True)
    assert ack["ok"]
    assert "order" not in [e["name"] for e in shopper.get_received(NS)]
    order = [e["args"][0] for e in console.get_received(NS) if e["name"] == "order"][0]
    assert order["message"]["parse"]["reserved"] == [{"code": "A12", "quantity": 2, "variant": None}]
    assert order["queue"][0]["buyer"] == "Trần Thị Lan" and order["stats"]["revenue"] == 120000
    rid = order["queue"][0]["id"]
    refused = shopper.emit("cancel_reservation", {"reservation_id": rid}, namespace=NS, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "not_a_member"
    assert console.emit("cancel_reservation", {"reservation_id": rid}, namespace=NS, callback=True) == {"ok": True}
    names = [e["name"] for e in console.get_received(NS)]
    assert "reservation_cancelled" in names and "stock" in names
    assert console.emit("pin_product", {"code": "A12"}, namespace=NS, callback=True) == {"ok": True}
    assert shopper.emit("pin_product", {"code": "A12"}, namespace=NS, callback=True)["ok"] is False
    console.disconnect(namespace=NS)
    shopper.disconnect(namespace=NS)


def test_claim_log_masks_names_for_buyers(app, auth, make_live, seller, buyer, db):
    live = make_live()
    _order(db, live, buyer)
    assert auth.client.get(f"/live/{live.id}/claims").status_code in (302, 401)
    other = auth.factory.user("Phạm Văn Hùng")
    auth.login_as(other)
    page = auth.client.get(f"/live/{live.id}/claims").get_data(as_text=True)
    assert "Lan ***" in page and "Trần Thị Lan" not in page and "2 × A12" in page
    auth.logout()
    auth.login_as(seller[0])
    page = auth.client.get(f"/live/{live.id}/claims").get_data(as_text=True)
    assert "Trần Thị Lan" in page


def test_slow_mode_seller_only(app, auth, make_live, seller, buyer, db):
    live = make_live()
    seller_http = app.test_client()
    from tests.conftest import AuthActions
    AuthActions(seller_http, None).login_as(seller[0])
    auth.login_as(buyer)
    console = socketio.test_client(app, namespace=NS, auth={"session_id": live.id}, flask_test_client=seller_http)
    shopper = socketio.test_client(app, namespace=NS, auth={"session_id": live.id}, flask_test_client=auth.client)
    assert shopper.emit("set_slow_mode", {"seconds": 30}, namespace=NS, callback=True)["error"]["code"] == "not_a_member"
    assert console.emit("set_slow_mode", {"seconds": 99999}, namespace=NS, callback=True)["error"]["code"] == \
        "invalid_slow_mode"
    assert console.emit("set_slow_mode", {"seconds": 30}, namespace=NS, callback=True) == {"ok": True}
    assert {"seconds": 30} in [e["args"][0] for e in shopper.get_received(NS) if e["name"] == "slow_mode"]
    first = shopper.emit("comment", {"text": "xin chào", "client_id": "a"}, namespace=NS, callback=True)
    second = shopper.emit("comment", {"text": "còn không", "client_id": "b"}, namespace=NS, callback=True)
    assert first["ok"] and second["error"]["code"] == "rate_limited"
    console.disconnect(namespace=NS)
    shopper.disconnect(namespace=NS)
