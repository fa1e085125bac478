"""Seller console and claim log: members only, cancel per line, the sellers' room, masked names for buyers."""
from __future__ import annotations

import pytest

from app.errors import Conflict, Forbidden
from app.extensions import socketio
from app.livestream import broadcast, queries, services
from app.livestream.models import LiveProduct, LiveReservation
from app.shop.models import Variant
from tests.livestream.live_sockets import comment, connect, events, seller_event  # noqa: F401

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
    assert "kind-order" in page and "→ 2 × A12 ✓" in page
    # The held queue is grouped by buyer, with one "confirm all" per buyer.
    assert "<strong>Trần Thị Lan</strong>" in page and "2 × A12 · 120.000" in page
    assert f'class="confirm-buyer outline" data-user-id="{buyer.id}"' in page
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
    assert order["lines"][0]["buyer"] == "Trần Thị Lan" and order["lines"][0]["total"] == 120000
    rid = order["lines"][0]["id"]
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


def _queue_line(db, rid):
    return queries.queue_line(db.session.get(LiveReservation, rid))


def test_order_carries_only_the_new_lines_and_the_tick_the_whole_queue(app, make_live, seller, buyer, factory, connect,
                                                                       no_rate_limit, db):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 10, None)])
    early = factory.user("Lê Văn Tám")
    assert comment(connect(live.id, early), "chốt B3", "e1")["ok"] is True  # held before the console opened
    console = connect(live.id, seller[0])
    shopper = connect(live.id, buyer)
    console.get_received(NS)
    assert comment(shopper, "chốt A12 x2, B3", "o1")["ok"] is True
    (order,) = events(console, "order")
    assert "queue" not in order and order["removed"] == []
    new = db.session.scalars(db.select(LiveReservation).where(LiveReservation.user_id == buyer.id)
                             .order_by(LiveReservation.id)).all()
    # Exactly the two lines this comment made, shaped like the queue's lines; the earlier buyer's line is not resent.
    assert order["lines"] == [_queue_line(db, r.id) for r in new]
    assert [(q["code"], q["quantity"], q["buyer"], q["total"]) for q in order["lines"]] == [
        ("A12", 2, "Trần Thị Lan", 120000), ("B3", 1, "Trần Thị Lan", 60000)]

    tick = seller_event(console, "console_tick")
    held = queries.held_queue(live.id)
    assert len(held) == 3 and tick["queue"] == [queries.queue_line(r) for r in held]
    assert tick["queue_upto"] == max(r.id for r in held)
    assert seller_event(shopper, "console_tick")["error"]["code"] == "not_a_member"


def test_a_cancelled_line_leaves_the_console(app, make_live, seller, buyer, connect, no_rate_limit, db):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 10, None)])
    console = connect(live.id, seller[0])
    shopper = connect(live.id, buyer)
    comment(shopper, "chốt A12", "o1")
    comment(shopper, "chốt B3", "o2")
    first, second = events(console, "order")
    a12, b3 = first["lines"][0]["id"], second["lines"][0]["id"]
    # The stats strip reads the whole live: the first order since the console opened brings it, the next one
    # within LIVE_STATS_INTERVAL (2 s) does not.
    assert first["stats"]["lines"] == 1 and first["stats"]["revenue"] == 60000 and "stats" not in second
    # The buyer cancels by comment: the order event names the released line, and carries no new one.
    assert comment(shopper, "hủy A12", "c1")["cancelled"][0]["code"] == "A12"
    (order,) = events(console, "order")
    assert order["lines"] == [] and order["removed"] == [a12]
    # The seller cancels a line: reservation_cancelled names it for every console.
    assert seller_event(console, "cancel_reservation", {"reservation_id": b3}) == {"ok": True}
    assert events(console, "reservation_cancelled") == [{"id": b3, "code": "B3"}]
    assert seller_event(console, "console_tick")["queue"] == []


def test_no_console_detail_without_a_seller_on_a_single_process(app, make_live, seller, buyer, connect,
                                                               no_rate_limit, monkeypatch, db):
    live = make_live()
    built = []
    for name in ("console_message_payload", "queue_line", "live_stats"):
        real = getattr(queries, name)
        monkeypatch.setattr(queries, name,
                            lambda *a, _real=real, _name=name, **k: built.append(_name) or _real(*a, **k))
    shopper = connect(live.id, buyer)
    watcher = connect(live.id)
    assert comment(shopper, "chốt A12", "o1")["ok"] is True
    assert built == [] and [e["name"] for e in watcher.get_received(NS)] == ["message", "ticker"]
    console = connect(live.id, seller[0])
    console.get_received(NS)
    assert comment(shopper, "chốt A12", "o2")["ok"] is True
    assert {"console_message_payload", "queue_line"} <= set(built)
    assert len(events(console, "order")) == 1
    console.disconnect(namespace=NS)
    built.clear()
    assert comment(shopper, "chốt A12", "o3")["ok"] is True
    assert "queue_line" not in built and "console_message_payload" not in built


def test_with_a_message_queue_the_console_detail_is_always_sent(app, make_live, monkeypatch):
    live = make_live()
    with app.test_request_context():
        assert broadcast.sellers_listening(live.id) is False  # one process, nobody on the console
        monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
        assert broadcast.sellers_listening(live.id) is True  # sellers may be on another process
