"""The live announces its state changes and every held line's fate (app/livestream/signals.py), after the commit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.livestream import afterlive, services
from app.livestream.models import LiveReservation
from app.shop.ordering import services as ordering

T0 = utcnow()
HOLD_KEYS = {"reservation_id", "live_id", "user_id", "live_product_id", "variant_id", "quantity"}


def post(live, user, text, client_id, at=0):
    return services.post_comment(live.id, user, text, client_id, now=T0 + timedelta(seconds=at), min_interval=0)


@pytest.fixture
def details():
    commune = find_commune("Xã Ô Diên")
    return {"name": "Trần Thị Lan", "phone": "0912 345 678", "province_code": commune_province(commune),
            "commune_code": commune, "street": "Số 5, thôn Đông", "note": None, "payment_method": "cod"}


def test_a_live_announces_scheduled_started_and_ended(db, make_live, heard_signals, seller):
    live = make_live(state="ended")
    assert heard_signals.names() == ["live_scheduled", "live_started", "live_ended"]
    for (_name, payload), state in zip(heard_signals, ("scheduled", "live", "ended"), strict=False):
        assert payload["live_id"] == live.id and payload["state"] == state and payload["is_practice"] is False
        assert payload["organisation_id"] == seller[1].id and payload["at"] is not None


def test_an_order_comment_announces_its_held_lines_and_a_refused_line_nothing(db, make_live, buyer, heard_signals):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 1, None)])
    del heard_signals[:]
    ack = post(live, buyer, "chốt A12 x2, B3 x5", "c1")
    assert [line["code"] for line in ack["reserved"]] == ["A12"] and ack["errors"]  # B3 refused in its savepoint
    assert heard_signals == []  # nothing before the commit
    db.session.commit()
    (placed,) = heard_signals.of("hold_placed")
    assert heard_signals.names() == ["hold_placed"]
    assert set(placed) >= HOLD_KEYS and placed["quantity"] == 2 and placed["source"] == "comment"
    assert placed["user_id"] == buyer.id and placed["live_id"] == live.id and placed["unit_price"] == 60000


def test_a_comment_that_is_rolled_back_announces_nothing(db, make_live, buyer, heard_signals):
    live = make_live()
    del heard_signals[:]
    post(live, buyer, "chốt A12", "c1")
    db.session.rollback()
    db.session.commit()
    assert heard_signals == []


def test_cancels_by_the_buyer_and_the_seller_are_announced(db, make_live, buyer, heard_signals, seller):
    owner, _ = seller
    live = make_live()
    post(live, buyer, "chốt A12", "c1")
    post(live, buyer, "chốt A12", "c2", at=1)
    db.session.commit()
    del heard_signals[:]
    first, second = db.session.scalars(select(LiveReservation).order_by(LiveReservation.id)).all()
    services.cancel_reservation(owner, first)
    db.session.commit()
    post(live, buyer, "hủy A12", "c3", at=2)
    db.session.commit()
    cancelled = heard_signals.of("hold_cancelled")
    assert heard_signals.names() == ["hold_cancelled", "hold_cancelled"]
    assert [c["reservation_id"] for c in cancelled] == [first.id, second.id]
    assert all(c["from_status"] == "held" and c["status"] == "cancelled" for c in cancelled)


def test_expiry_reminders_and_the_waitlist_are_announced(db, make_live, buyer, factory, heard_signals):
    live = make_live([("A12", "Bưởi Diễn", 1, None)])
    post(live, buyer, "chốt A12", "c1")
    late = factory.user("Phạm Văn Hùng")
    entry = afterlive.join_waitlist(late, live, "A12", 1, now=T0)
    db.session.commit()
    del heard_signals[:]
    assert afterlive.remind_expiring(T0 + timedelta(hours=23, minutes=40)) == 1
    db.session.commit()
    assert heard_signals.names() == ["hold_expiring"]
    assert heard_signals[0][1]["user_id"] == buyer.id and heard_signals[0][1]["live_id"] == live.id
    del heard_signals[:]
    afterlive.run_hold_expiry(T0 + timedelta(hours=24, seconds=1), hold_hours=24)
    db.session.commit()
    assert heard_signals.names() == ["hold_expired", "hold_placed", "waitlist_served"]
    expired, placed, served = (payload for _, payload in heard_signals)
    assert expired["user_id"] == buyer.id and expired["from_status"] == "held" and expired["status"] == "expired"
    assert placed["user_id"] == late.id and placed["source"] == "waitlist"
    assert served == {"waitlist_id": entry.id, "live_id": live.id, "live_product_id": placed["live_product_id"],
                      "user_id": late.id, "reservation_id": placed["reservation_id"], "quantity": 1}


def test_checkout_and_a_cancelled_order_announce_the_lines(db, make_live, buyer, details, heard_signals, seller):
    owner, _ = seller
    live = make_live()
    post(live, buyer, "chốt A12 x2", "c1")
    db.session.commit()
    line = db.session.scalars(select(LiveReservation)).one()
    del heard_signals[:]
    (order,) = afterlive.checkout_live_cart(buyer, [line.id], idempotency_key="k1", now=T0, **details)
    db.session.commit()
    assert heard_signals.names() == ["order_created", "order_placed", "hold_checked_out"]
    checked = heard_signals.of("hold_checked_out")[0]
    assert checked["reservation_id"] == line.id and checked["order_id"] == order.id
    del heard_signals[:]
    ordering.transition(order, "cancelled", owner)
    afterlive.return_cancelled_orders()
    db.session.commit()
    assert heard_signals.names() == ["order_cancelled", "hold_cancelled"]
    returned = heard_signals.of("hold_cancelled")[0]
    assert returned["from_status"] == "checked_out" and returned["reservation_id"] == line.id


def test_a_socket_comment_announces_its_line_after_the_handler_commits(app, auth, buyer, make_live, heard_signals):
    from app.extensions import socketio

    live = make_live()
    del heard_signals[:]
    auth.login_as(buyer)
    socket = socketio.test_client(app, namespace="/live", auth={"session_id": live.id}, flask_test_client=auth.client)
    try:
        ack = socket.emit("comment", {"text": "chốt A12 x3", "client_id": "s1"}, namespace="/live", callback=True)
        refused = socket.emit("comment", {"text": "chốt A12 x99", "client_id": "s2"}, namespace="/live",
                              callback=True)
    finally:
        socket.disconnect(namespace="/live")
    assert ack["ok"] is True and refused["ok"] is False
    assert heard_signals.names() == ["hold_placed"] and heard_signals[0][1]["quantity"] == 3
