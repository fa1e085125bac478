"""The buyer hears what happens to their order: privately on their live pages, or as an unread notification."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts import notifications
from app.accounts.models import Notification
from app.core.addresses import commune_province, find_commune
from app.core.dbtypes import utcnow
from app.livestream import afterlive, buyer_news, services
from app.livestream.models import LiveReservation
from app.shop.ordering import services as ordering
from tests.livestream.live_sockets import NS, comment, connect, events, seller_event  # noqa: F401


@pytest.fixture
def room(make_live, seller, buyer, connect, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 20, None), ("B3", "Cam Canh", 20, None)])
    console = connect(live.id, seller[0])
    shopper = connect(live.id, buyer)
    watcher = connect(live.id)
    return live, console, shopper, watcher


def notes(db, user):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def held_ids(db, user):
    return list(db.session.scalars(select(LiveReservation.id).where(LiveReservation.user_id == user.id,
                                                                    LiveReservation.status == "held")))


def test_seller_cancel_reaches_the_buyer_with_the_reason(room, buyer, db):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12 x2", "c1")
    [rid] = held_ids(db, buyer)
    for c in (console, shopper, watcher):
        c.get_received(NS)
    assert seller_event(console, "cancel_reservation", {"reservation_id": rid, "reason": "sold_out"}) == {"ok": True}
    [notice] = events(shopper, "buyer_notice")
    assert notice["kind"] == "hold_cancelled" and notice["reservation_ids"] == [rid]
    assert notice["session_id"] == live.id and notice["link"] == "/live/cart"
    assert "2 × Bưởi Diễn" in notice["text"] and "hết hàng" in notice["text"].lower()
    assert events(watcher, "buyer_notice") == [] and events(console, "buyer_notice") == []
    [note] = notes(db, buyer)
    assert note.kind == "hold_cancelled" and note.read_at is not None  # shown live: not counted as unread
    assert json.loads(note.data)["reason"] == "sold_out"
    assert db.session.get(LiveReservation, rid).cancel_reason == "sold_out"


def test_a_buyer_with_no_live_page_open_gets_an_unread_notification(make_live, seller, buyer, db, app):
    live = make_live()
    services.post_comment(live.id, buyer, "chốt A12", "c1", min_interval=0)
    db.session.commit()
    res = db.session.scalars(select(LiveReservation)).one()
    services.cancel_reservation(seller[0], res, "no_answer")
    db.session.commit()
    [note] = notes(db, buyer)
    assert note.read_at is None and notifications.unread_count(buyer) == 1
    with app.test_request_context("/"), force_locale("en"):
        text = notifications.text_of(note)
    assert text == f"The shop cancelled 1 × Bưởi Diễn held for you in “{live.title}”: we could not reach you."


def test_a_bad_reason_changes_nothing(room, buyer, db):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12", "c1")
    [rid] = held_ids(db, buyer)
    shopper.get_received(NS)
    for reason in ("because", 3, ["sold_out"], ""):
        ack = seller_event(console, "cancel_reservation", {"reservation_id": rid, "reason": reason})
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_reason", reason
    assert held_ids(db, buyer) == [rid] and notes(db, buyer) == []
    assert events(shopper, "buyer_notice") == []


def test_a_refused_cancel_tells_nobody(room, buyer, db):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12", "c1")
    [rid] = held_ids(db, buyer)
    seller_event(console, "cancel_reservation", {"reservation_id": rid})
    shopper.get_received(NS)
    again = seller_event(console, "cancel_reservation", {"reservation_id": rid})
    assert again["error"]["code"] == "not_held"
    refused = seller_event(shopper, "cancel_reservation", {"reservation_id": rid})
    assert refused["error"]["code"] == "not_a_member"
    assert events(shopper, "buyer_notice") == [] and len(notes(db, buyer)) == 1


def test_confirm_all_of_one_buyers_lines_in_one_tap(room, buyer, factory, db):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12 x2", "c1")
    comment(shopper, "chốt B3", "c2")
    other = factory.user("Người khác")
    services.post_comment(live.id, other, "chốt A12", "o1", min_interval=0)
    db.session.commit()
    for c in (console, shopper):
        c.get_received(NS)
    assert seller_event(console, "confirm_buyer", {"user_id": buyer.id}) == {"ok": True}
    [done] = events(console, "buyer_confirmed")
    assert done["user_id"] == buyer.id and sorted(done["ids"]) == sorted(held_ids(db, buyer))
    [notice] = events(shopper, "buyer_notice")
    assert notice["kind"] == "lines_confirmed" and "2 × A12, 1 × B3" in notice["text"]
    db.session.expire_all()
    confirmed = dict(db.session.execute(select(LiveReservation.user_id, LiveReservation.confirmed_at)).all())
    assert confirmed[buyer.id] is not None and confirmed[other.id] is None
    # Tapped again: nothing new to tell.
    assert seller_event(console, "confirm_buyer", {"user_id": buyer.id}) == {"ok": True}
    assert events(shopper, "buyer_notice") == []


@pytest.mark.parametrize("payload", [{}, {"user_id": "1"}, {"user_id": True}, {"user_id": -1}, {"user_id": 2**40}])
def test_confirm_refuses_bad_input(room, buyer, db, payload):
    live, console, shopper, watcher = room
    ack = seller_event(console, "confirm_buyer", payload)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_input"


def test_confirm_is_for_members_and_needs_held_lines(room, buyer, db):
    live, console, shopper, watcher = room
    assert seller_event(console, "confirm_buyer", {"user_id": buyer.id})["error"]["code"] == "not_held"
    comment(shopper, "chốt A12", "c1")
    assert seller_event(shopper, "confirm_buyer", {"user_id": buyer.id})["error"]["code"] == "not_a_member"
    assert seller_event(watcher, "confirm_buyer", {"user_id": buyer.id})["error"]["code"] == "not_signed_in"
    db.session.expire_all()
    assert db.session.scalars(select(LiveReservation.confirmed_at)).one() is None


def test_buyer_news_follows_the_buyer_across_lives(make_live, seller, buyer, connect, db, no_rate_limit):
    first, second = make_live(), make_live([("B3", "Cam Canh", 5, None)])
    on_first, on_second = connect(first.id, buyer), connect(second.id, buyer)
    console = connect(first.id, seller[0])
    comment(on_first, "chốt A12", "c1")
    [rid] = held_ids(db, buyer)
    seller_event(console, "cancel_reservation", {"reservation_id": rid, "reason": "duplicate"})
    assert [n["kind"] for n in events(on_second, "buyer_notice")] == ["hold_cancelled"]
    on_first.disconnect(namespace=NS)
    on_second.disconnect(namespace=NS)
    assert not buyer_news._online(buyer.id)


def test_ambiguous_name_asks_and_a_hint_shows_the_code_form(make_live, buyer, connect, db, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 20, None), ("A13", "Bưởi Diễn hộp quà", 10, ["Hộp 4 quả", "Hộp 6 quả"]),
                      ("A14", "Bưởi da xanh", 5, None)])
    shopper = connect(live.id, buyer)
    ack = comment(shopper, "lấy 2 quả bưởi", "c1")
    assert ack["ok"] is True and ack["reserved"] == [] and ack["kind"] == "chat"
    choose = ack["choose"]
    assert [o["text"] for o in choose["options"]] == ["chốt A12 x2", "chốt A13 x2", "chốt A14 x2"]
    assert choose["message"] == "Bạn muốn chốt A12 Bưởi Diễn, A13 Bưởi Diễn hộp quà hay A14 Bưởi da xanh?"
    # Tapping an option sends its text: an order like any other.
    picked = comment(shopper, choose["options"][0]["text"], "c2")
    assert picked["reserved"][0]["code"] == "A12" and picked["reserved"][0]["quantity"] == 2
    by_name = comment(shopper, "lấy 2 quả bưởi diễn", "c3")
    assert by_name["reserved"][0]["code"] == "A12" and by_name["reserved"][0]["quantity"] == 2
    hint = comment(shopper, "chốt sầu riêng", "c4")["hint"]
    assert hint["example"] == "chốt A12 x2" and "A12, A13, A14" in hint["message"]
    assert "choose" not in comment(shopper, "bưởi ngon quá", "c5")


def test_hold_time_is_given_in_vietnam_time(room, buyer, db):
    live, console, shopper, watcher = room
    ack = comment(shopper, "chốt A12", "c1")
    line = ack["reserved"][0]
    until = datetime.fromisoformat(line["hold_until"])
    local = until + timedelta(hours=7)  # Asia/Ho_Chi_Minh has no summer time
    assert line["hold_until_text"] == local.strftime("%H:%M %d/%m")


def test_flash_sale_end_tells_the_buyers_who_hold_at_its_price(room, buyer, db):
    live, console, shopper, watcher = room
    seller_event(console, "start_flash_sale", {"code": "A12", "price": 30000, "seconds": 60, "per_buyer_cap": 3})
    comment(shopper, "chốt A12 x2", "c1")
    comment(shopper, "chốt B3", "c2")
    shopper.get_received(NS)
    assert seller_event(console, "stop_flash_sale", {"code": "A12"}) == {"ok": True}
    [notice] = events(shopper, "buyer_notice")
    assert notice["kind"] == "flash_sale_ended" and "30.000" in notice["text"] and "2" in notice["text"]
    assert events(watcher, "buyer_notice") == []


def test_hold_reminder_once_live_or_as_notification(room, buyer, factory, db, app):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12", "c1")
    away = factory.user("Người vắng")
    services.post_comment(live.id, away, "chốt B3", "a1", min_interval=0)
    db.session.commit()
    shopper.get_received(NS)
    soon = utcnow() + timedelta(hours=23, minutes=45)
    assert afterlive.run_hold_expiry(soon)["reminded"] == 2
    assert events(shopper, "buyer_notice") == []  # nothing before the commit
    db.session.commit()
    [notice] = events(shopper, "buyer_notice")
    assert notice["kind"] == "hold_expiring" and live.title in notice["text"]
    assert notes(db, buyer)[0].read_at is not None and notes(db, away)[0].read_at is None
    assert afterlive.run_hold_expiry(soon + timedelta(minutes=5))["reminded"] == 0
    db.session.commit()
    assert events(shopper, "buyer_notice") == []


def _live_cart_order(buyer, key="k1"):
    commune = find_commune("Xã Ô Diên")
    [order] = afterlive.checkout_live_cart(
        buyer, [r.id for r in afterlive.held_lines(buyer)], idempotency_key=key, name="Trần Thị Lan",
        phone="0912345678", province_code=commune_province(commune), commune_code=commune, street="Thôn Đông",
        note=None, payment_method="cod")
    return order


def test_confirmed_live_cart_order_is_told_with_the_confirmation(make_live, seller, buyer, db, app):
    """The confirmation is told once (the outbox's bell note, written in the seller's unit of work), never on a
    rollback; the live adds no second note."""
    live = make_live()
    services.post_comment(live.id, buyer, "chốt A12 x2", "c1", min_interval=0)
    db.session.commit()
    order = _live_cart_order(buyer)
    db.session.commit()
    assert [n for n in notes(db, buyer) if n.kind == "order_confirmed"] == []  # placed, not confirmed yet
    ordering.transition(order, "confirmed", seller[0])
    db.session.rollback()  # a confirmation that is rolled back tells nobody
    assert [n for n in notes(db, buyer) if n.kind == "order_confirmed"] == []
    ordering.transition(db.session.get(type(order), order.id), "confirmed", seller[0])
    db.session.commit()
    [note] = [n for n in notes(db, buyer) if n.kind == "order_confirmed"]
    assert note.link == f"/shop/orders/{order.number}" and note.read_at is None
    with app.test_request_context("/"), force_locale("vi"):
        assert order.number in notifications.text_of(note)


def test_a_confirmed_live_cart_order_reaches_the_buyers_open_live_page(room, seller, buyer, db):
    live, console, shopper, watcher = room
    comment(shopper, "chốt A12 x2", "c1")
    order = _live_cart_order(buyer)
    db.session.commit()
    shopper.get_received(NS)
    ordering.transition(order, "confirmed", seller[0])
    assert events(shopper, "buyer_notice") == []  # nothing before the commit
    db.session.commit()
    [notice] = events(shopper, "buyer_notice")
    assert notice["kind"] == "order_confirmed" and order.number in notice["text"]
    assert events(watcher, "buyer_notice") == []


def test_a_shop_order_confirmed_outside_a_live_tells_nothing_here(make_live, seller, buyer, db, factory):
    from app.shop.models import Product

    make_live()
    product = db.session.scalar(select(Product))
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, product.variants[0].id, 1)
    commune = find_commune("Xã Ô Diên")
    [order] = ordering.checkout(cart, buyer, name="Trần Thị Lan", phone="0912345678",
                                province_code=commune_province(commune), commune_code=commune, street="Thôn Đông",
                                note=None, payment_method="cod", idempotency_key="shop-1")
    db.session.commit()
    ordering.transition(order, "confirmed", seller[0])
    db.session.commit()
    # The outbox tells the buyer of every confirmed order (one note); the live says nothing of an order not its own.
    assert len([n for n in notes(db, buyer) if n.kind == "order_confirmed"]) == 1


def test_the_order_confirmed_polling_job_is_gone():
    from app.core.jobs import get_job

    assert get_job("livestream.orders-confirmed") is None


def test_news_the_outbox_delivers_later_still_reaches_the_open_live_page(app, db, buyer, monkeypatch):
    """With a provider configured the outbox writes no bell row at once (notify() gives None): the buyer's open live
    page still gets the news, drawn from the same data, after the commit."""
    pushed = []
    monkeypatch.setattr(notifications, "notify", lambda *args, **kwargs: None)
    monkeypatch.setattr(buyer_news, "_online", lambda user_id: True)
    monkeypatch.setattr(buyer_news, "_emit", lambda user_id, payload: pushed.append((user_id, payload)))
    with app.test_request_context("/"):
        note = buyer_news.tell_buyer(buyer.id, "waitlist_served", {"session_id": 7, "code": "A12", "name": "Bưởi",
                                                                    "quantity": 2, "hold_until": utcnow().isoformat()},
                                     "/live/cart")
        assert note is None and pushed == []  # nothing before the commit
        db.session.commit()
    [(user_id, payload)] = pushed
    assert user_id == buyer.id and payload["kind"] == "waitlist_served" and "2 × Bưởi" in payload["text"]
    assert payload["link"] == "/live/cart" and db.session.scalar(select(Notification.id)) is None
