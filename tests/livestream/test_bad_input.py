"""The issue's "Bad input" list on the /live socket: clear ack errors, nothing broadcast or reserved that should
not be, nothing reserved twice, and the room unharmed afterwards."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.dbtypes import utcnow
from app.livestream import moderation, queries
from app.livestream.models import ChatMessage, FlashSale, LiveBan, LiveMute, LiveReservation, LiveSession
from tests.livestream.live_sockets import NS, comment, connect, events, names, seller_event  # noqa: F401


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def room(make_live, seller, buyer, connect):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 10, None)])
    console = connect(live.id, seller[0])
    buyer_socket = connect(live.id, buyer)
    watcher = connect(live.id)
    for c in (console, buyer_socket, watcher):
        c.get_received(NS)
    return live, console, buyer_socket, watcher


def assert_room_unharmed(live, connect, factory, watcher, db):
    """After the bad input: another buyer still orders and the watcher sees exactly that."""
    other = factory.user("Võ Thị Sau")
    ack = comment(connect(live.id, other), "chốt B3", "after-the-storm")
    assert ack["ok"] is True and ack["reserved"][0]["code"] == "B3"
    assert names(watcher) == ["message", "ticker"]


@pytest.mark.parametrize("text,code", [
    ("", "invalid_input"), ("   \n\t ", "invalid_input"), ("a" * 501, "invalid_input"), ("chốt " * 130, "invalid_input"),
    ("x" * 2001, "invalid_input"), ("chốt A12\x00", "invalid_characters"), ("\x07\x07 A12", "invalid_characters"),
    ("A12 \ud800", "invalid_characters"), ("A12 \ufffd\ufffd", "invalid_characters"), ("\x1b[31mA12", "invalid_characters"),
    ("A12 \x85", "invalid_characters"), ("😀" * 31, "flood"), ("chốt A12 " + "🔥" * 40, "flood"),
    ("A12 " + "!" * 21, "flood"), ("ngonnnnnnnnnnnnnnnnnnnnnnnn", "flood"), ("♥" * 31, "flood"),
])
def test_junk_text_is_refused_with_a_clear_error(room, connect, factory, db, text, code):
    live, console, buyer_socket, watcher = room
    ack = comment(buyer_socket, text, "junk")
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert ack["error"]["message"] and ack["error"]["message"] != code  # a sentence, in Vietnamese
    assert count(db, ChatMessage) == 0 and count(db, LiveReservation) == 0
    assert names(watcher) == [] and names(console) == []
    assert_room_unharmed(live, connect, factory, watcher, db)


@pytest.mark.parametrize("payload", [None, 42, "chốt A12", ["A12"], {"text": b"\x00\xff", "client_id": "b"},
                                     {"text": None, "client_id": "n"}, {"text": "A12", "client_id": "x" * 65},
                                     {"text": "A12", "client_id": "\x00"}, {"text": "A12", "client_id": 7}])
def test_malformed_payloads(room, db, payload):
    live, console, buyer_socket, watcher = room
    ack = buyer_socket.emit("comment", payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_input"
    assert count(db, ChatMessage) == 0 and names(watcher) == []


def test_thirty_emoji_and_a_normal_laugh_are_fine(room, no_rate_limit, db):
    live, console, buyer_socket, watcher = room
    assert comment(buyer_socket, "😀😂" * 15, "e1")["ok"] is True  # 30 symbols, none 21 times in a row
    assert comment(buyer_socket, "hahaha 😂😂😂 shop ơi đẹp quáaaa", "e2")["ok"] is True
    assert comment(buyer_socket, "0912 345 678 chốt A12", "e3")["reserved"][0]["code"] == "A12"
    # The watcher sees the phone masked (#12): "0912 *** 678".
    assert [m["text"][:6] for m in events(watcher, "message")] == ["😀😂" * 3, "hahaha", "0912 *"]


def test_a_comment_naming_ten_codes_reserves_each_once(make_live, buyer, connect, db):
    products = [(f"A{n}", f"Sản phẩm {n}", 3, None) for n in range(1, 11)]
    live = make_live(products)
    s = connect(live.id, buyer)
    text = "chốt " + ", ".join(f"A{n}" for n in range(1, 11))
    ack = comment(s, text, "ten")
    assert sorted(r["code"] for r in ack["reserved"]) == sorted(f"A{n}" for n in range(1, 11))
    assert all(r["quantity"] == 1 for r in ack["reserved"])
    assert comment(s, text, "ten") == ack  # resent: the same ack, nothing more
    assert count(db, LiveReservation) == 10
    assert queries.remaining_by_code(live.id) == {f"A{n}": 2 for n in range(1, 11)}


@pytest.mark.parametrize("text", ["chốt A12 x0", "A12 x1000", "chốt A12 x100"])
def test_absurd_quantities_reserve_nothing(room, db, text):
    live, console, buyer_socket, watcher = room
    ack = comment(buyer_socket, text, "q")
    assert ack["reserved"] == []
    assert count(db, LiveReservation) == 0
    assert "ticker" not in names(watcher)


def test_muted_and_banned_buyers(room, seller, buyer, db):
    live, console, buyer_socket, watcher = room
    moderation.mute_user(seller[0], live, buyer.id, 30)
    db.session.commit()
    assert comment(buyer_socket, "chốt A12", "m")["error"]["code"] == "muted"
    db.session.execute(LiveMute.__table__.delete())
    moderation.ban_user(seller[0], live, buyer.id)
    db.session.commit()
    assert comment(buyer_socket, "chốt A12", "b")["error"]["code"] == "banned"
    assert count(db, ChatMessage) == 0 and count(db, LiveReservation) == 0
    assert names(watcher) == []


SELLER_EVENTS = [
    ("start_live", {}), ("end_live", {}), ("pin_product", {"code": "A12"}), ("hide_message", {"message_id": 1}),
    ("set_slow_mode", {"seconds": 60}), ("cancel_reservation", {"reservation_id": 1}),
    ("mute_user", {"user_id": 1, "minutes": 5}), ("unmute_user", {"user_id": 1}), ("ban_user", {"user_id": 1}),
    ("unban_user", {"user_id": 1}), ("start_flash_sale", {"code": "A12", "price": 1, "seconds": 60, "per_buyer_cap": 9}),
    ("stop_flash_sale", {"code": "A12"}), ("console_tick", {}),
]


@pytest.mark.parametrize("event,payload", SELLER_EVENTS)
def test_a_buyer_emitting_seller_events_is_refused_and_nothing_changes(room, buyer, db, event, payload):
    live, console, buyer_socket, watcher = room
    before = (live.state, live.slow_mode_seconds)
    ack = seller_event(buyer_socket, event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == "not_a_member" and ack["error"]["message"]
    assert seller_event(watcher, event, payload)["error"]["code"] == "not_signed_in"
    db.session.expire_all()
    fresh = db.session.get(LiveSession, live.id)
    assert (fresh.state, fresh.slow_mode_seconds) == before
    assert count(db, LiveMute) == count(db, LiveBan) == count(db, FlashSale) == 0
    assert names(watcher) == [] and names(console) == []


@pytest.mark.parametrize("event", [name for name, _ in SELLER_EVENTS
                                   if name not in ("console_tick", "start_live", "end_live")])  # these take no payload
@pytest.mark.parametrize("payload", [None, "x", [1], 5])
def test_seller_events_with_junk_payloads(room, event, payload):
    live, console, buyer_socket, watcher = room
    ack = console.emit(event, payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] in ("invalid_input", "invalid_state")
    assert names(watcher) == []


def test_expired_token_is_refused_and_no_token_only_watches(room, buyer, connect, db):
    from app.accounts.models import ApiToken
    from app.accounts.services import issue_api_token

    live, console, buyer_socket, watcher = room
    raw, token = issue_api_token(buyer, days=1, name="old")
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert not connect(live.id, token=raw).is_connected(NS)
    assert not connect(live.id, token="").is_connected(NS)
    assert not connect(live.id, token=12345).is_connected(NS)
    anonymous = connect(live.id)
    assert anonymous.is_connected(NS)
    assert comment(anonymous, "chốt A12", "anon")["error"]["code"] == "not_signed_in"
    assert count(db, ChatMessage) == 0 and names(watcher) == []
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1


def test_replayed_client_id_reserves_once_and_broadcasts_once(room, no_rate_limit, db):
    live, console, buyer_socket, watcher = room
    first = comment(buyer_socket, "chốt A12 x3", "same")
    for _ in range(5):
        assert comment(buyer_socket, "chốt A12 x3", "same") == first
    assert comment(buyer_socket, "chốt B3 x9", "same") == first  # the id, not the text, decides
    assert count(db, LiveReservation) == 1 and count(db, ChatMessage) == 1
    assert names(watcher) == ["message", "ticker"]


def test_a_burst_from_one_user_is_rate_limited(room, connect, factory, db):
    live, console, buyer_socket, watcher = room
    acks = [comment(buyer_socket, "chốt A12", f"burst-{n}") for n in range(20)]
    assert acks[0]["ok"] is True
    refused = acks[1:]
    assert all(a["ok"] is False and a["error"]["code"] == "rate_limited" for a in refused)
    assert all(a["error"]["details"]["retry_after"] >= 1 for a in refused)
    assert count(db, ChatMessage) == 1 and count(db, LiveReservation) == 1
    assert names(watcher) == ["message", "ticker"]
    assert_room_unharmed(live, connect, factory, watcher, db)


def test_a_database_outage_asks_the_buyer_to_resend_and_keeps_nothing(room, db, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.livestream import batch_fast, services

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    live, console, buyer_socket, watcher = room
    monkeypatch.setattr(services, "take_comment", unreachable)
    monkeypatch.setattr(batch_fast, "_State", unreachable)  # the batch's fast lane reads the run's state first
    ack = buyer_socket.emit("comment", {"text": "chốt A12", "client_id": "pg-down-1"}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
    assert ack["error"]["details"]["retry"] is True and "thử lại" in ack["error"]["message"]
    assert count(db, ChatMessage) == 0 and count(db, LiveReservation) == 0 and names(watcher) == []
