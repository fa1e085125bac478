"""The /live namespace through Flask-SocketIO's test client: joining, acks, broadcasts, replay, seller events."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import socketio
from app.livestream.models import ChatMessage, LiveReservation

NS = "/live"


@pytest.fixture
def connect(app):
    clients = []

    def make(live_id=None, flask_client=None, **auth):
        if live_id is not None:
            auth["session_id"] = live_id
        client = socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=flask_client)
        clients.append(client)
        return client

    yield make
    for c in clients:
        if c.is_connected(NS):
            c.disconnect(namespace=NS)


@pytest.fixture
def signed_in(app, auth, buyer):
    """A browser (flask test client) signed in as the buyer."""
    auth.login_as(buyer)
    return auth.client


def arg(event):
    """The test client unwraps the argument of an event named "message" and keeps a list for the others."""
    return event["args"] if event["name"] == "message" else event["args"][0]


def events(client, name):
    return [arg(e) for e in client.get_received(NS) if e["name"] == name]


def comment(client, text, client_id="c1"):
    return client.emit("comment", {"text": text, "client_id": client_id}, namespace=NS, callback=True)


def test_unknown_or_missing_live_is_refused(connect, make_live):
    make_live()
    assert not connect(999999).is_connected(NS)
    assert not connect().is_connected(NS)
    assert not connect("abc").is_connected(NS)


def test_anonymous_watcher_can_join_but_not_comment(connect, make_live, db):
    live = make_live()
    watcher = connect(live.id)
    assert watcher.is_connected(NS)
    ack = comment(watcher, "chốt A12")
    assert ack["ok"] is False and ack["error"]["code"] == "not_signed_in"
    assert db.session.scalar(select(func.count(ChatMessage.id))) == 0


def test_order_ack_message_and_ticker(connect, make_live, signed_in, db):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    buyer_socket = connect(live.id, signed_in)
    watcher = connect(live.id)
    ack = comment(buyer_socket, "chốt A12 x2")
    assert ack["ok"] is True and ack["reserved"][0]["code"] == "A12" and ack["reserved"][0]["quantity"] == 2
    assert ack["reserved"][0]["price"] == 60000 and ack["reserved"][0]["hold_until"]
    received = watcher.get_received(NS)
    names = [e["name"] for e in received]
    assert names == ["message", "ticker"]  # the ticker carries the fresh stock: one frame, not two
    message, ticker = (arg(e) for e in received)
    assert message["user"] == "Lan ***" and message["text"] == "chốt A12 x2" and message["id"] == ack["message_id"]
    assert ticker["text"] == "Lan ***: 2 × Bưởi Diễn" and ticker["remaining"] == 8
    assert ticker["stock"] == {"A12": 8} and ticker["lines"] == [{"code": "A12", "quantity": 2, "remaining": 8}]
    assert "Trần" not in str(received)  # the full name never leaves the server


def test_question_and_chat_broadcast_without_ticker(connect, make_live, signed_in, no_rate_limit):
    live = make_live()
    buyer_socket = connect(live.id, signed_in)
    watcher = connect(live.id)
    assert comment(buyer_socket, "A12 còn không shop?", "q1")["reserved"] == []
    assert comment(buyer_socket, "<script>alert(1)</script>", "q2")["reserved"] == []
    received = watcher.get_received(NS)
    assert [e["name"] for e in received] == ["message", "message"]
    assert arg(received[1])["text"] == "<script>alert(1)</script>"  # plain text; clients use textContent


def test_token_auth_and_expired_token(connect, make_live, buyer, db):
    from app.accounts.services import issue_api_token

    live = make_live()
    raw, _ = issue_api_token(buyer, days=30, name="app")
    db.session.commit()
    client = connect(live.id, token=raw)
    assert client.is_connected(NS)
    assert comment(client, "chốt A12")["ok"] is True
    assert not connect(live.id, token="not-a-token").is_connected(NS)


@pytest.mark.parametrize("payload", [None, "chốt A12", ["A12"], {"text": 12, "client_id": "x"},
                                     {"text": b"\x00\xff", "client_id": "x"}, {"text": "a" * 5000, "client_id": "x"},
                                     {"text": "", "client_id": "x"}, {"text": "A12"}, {"text": "A12", "client_id": ""}])
def test_invalid_payloads_get_invalid_input_and_nothing_is_broadcast(connect, make_live, signed_in, payload, db):
    live = make_live()
    buyer_socket = connect(live.id, signed_in)
    watcher = connect(live.id)
    ack = buyer_socket.emit("comment", payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_input"
    assert watcher.get_received(NS) == []
    assert db.session.scalar(select(func.count(ChatMessage.id))) == 0


def test_unknown_code_out_of_stock_limit_and_absurd_quantities(connect, make_live, signed_in, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 3, None), ("B3", "Cam Canh", 10, None)], per_buyer_limit=4)
    s = connect(live.id, signed_in)
    ack = comment(s, "chốt Z9", "1")
    assert ack["error"]["code"] == "unknown_code" and "A12, B3" in ack["error"]["message"]
    ack = comment(s, "chốt A12 x4", "2")
    assert ack["error"]["code"] == "out_of_stock" and ack["error"]["details"]["available"] == 3
    assert comment(s, "B3 x4", "3")["ok"] is True
    assert comment(s, "B3", "4")["error"]["code"] == "limit_exceeded"
    assert comment(s, "A12 x0", "5")["reserved"] == []
    assert comment(s, "A12 x1000", "6")["reserved"] == []


def test_live_not_on_air(connect, make_live, signed_in):
    live = make_live(state="scheduled")
    s = connect(live.id, signed_in)
    assert comment(s, "chốt A12")["error"]["code"] == "live_not_on_air"


def test_resent_client_id_same_ack_one_reservation_one_broadcast(connect, make_live, signed_in, db):
    live = make_live()
    s = connect(live.id, signed_in)
    watcher = connect(live.id)
    first = comment(s, "chốt A12 x2", "retry-1")
    again = comment(s, "chốt A12 x2", "retry-1")
    assert again == first
    assert db.session.scalar(select(func.count(LiveReservation.id))) == 1
    assert [e["name"] for e in watcher.get_received(NS)] == ["message", "ticker"]


def test_rate_limit(connect, make_live, signed_in, db):
    live = make_live()
    s = connect(live.id, signed_in)
    assert comment(s, "xin chào", "1")["ok"] is True
    ack = comment(s, "xin chào lần nữa", "2")
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
    assert db.session.scalar(select(func.count(ChatMessage.id))) == 1


def test_cancel_comment_releases_stock(connect, make_live, signed_in, no_rate_limit, db):
    live = make_live()
    s = connect(live.id, signed_in)
    comment(s, "chốt A12 x2", "1")
    watcher = connect(live.id)
    ack = comment(s, "hủy A12", "2")
    assert ack["ok"] is True and ack["cancelled"][0]["quantity"] == 2
    assert events(watcher, "stock") == [{"A12": 10}]
    assert events(watcher, "ticker") == []  # a cancel has no ticker line, only the stock


def test_one_comment_with_two_lines_sends_one_ticker(connect, make_live, signed_in):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 5, None)])
    s = connect(live.id, signed_in)
    watcher = connect(live.id)
    assert len(comment(s, "chốt A12 x2, B3")["reserved"]) == 2
    received = watcher.get_received(NS)
    assert [e["name"] for e in received] == ["message", "ticker"]
    ticker = arg(received[1])
    assert ticker["text"] == "Lan ***: 2 × Bưởi Diễn, 1 × Cam Canh"
    assert ticker["lines"] == [{"code": "A12", "quantity": 2, "remaining": 8},
                               {"code": "B3", "quantity": 1, "remaining": 4}]
    assert ticker["stock"] == {"A12": 8, "B3": 4}


def test_reconnect_with_last_id_replays_newer_messages_once_in_order(connect, make_live, signed_in, factory,
                                                                     no_rate_limit, db):
    live = make_live()
    s = connect(live.id, signed_in)
    ids = [comment(s, f"tin {n}", f"m{n}")["message_id"] for n in range(5)]
    later = connect(live.id, flask_client=None, last_id=ids[1])
    replay = events(later, "message")
    assert [m["id"] for m in replay] == ids[2:] and [m["text"] for m in replay] == ["tin 2", "tin 3", "tin 4"]
    last = comment(s, "tin 5", "m5")["message_id"]
    assert [m["text"] for m in events(later, "message")] == ["tin 5"]
    assert events(connect(live.id, last_id=last), "message") == []


def test_hidden_messages_are_not_replayed_and_buyers_cannot_hide(connect, make_live, signed_in, seller, app,
                                                                  no_rate_limit, db):
    live = make_live()
    s = connect(live.id, signed_in)
    first = comment(s, "tin rác", "1")["message_id"]
    comment(s, "tin thường", "2")
    ack = s.emit("hide_message", {"message_id": first}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_a_member"
    seller_client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(seller_client, None).login_as(seller[0])
    console = connect(live.id, seller_client)
    assert console.emit("hide_message", {"message_id": first}, namespace=NS, callback=True) == {"ok": True}
    assert events(s, "message_hidden") == [{"id": first}]
    assert [m["text"] for m in events(connect(live.id, last_id=0), "message")] == ["tin thường"]
    assert s.emit("end_live", {}, namespace=NS, callback=True)["error"]["code"] == "not_a_member"
    assert console.emit("pin_product", {"code": "a12"}, namespace=NS, callback=True) == {"ok": True}
    assert console.emit("end_live", {}, namespace=NS, callback=True) == {"ok": True}
    assert events(s, "live_ended") == [{"session_id": live.id}]
    assert comment(s, "chốt A12", "3")["error"]["code"] == "live_not_on_air"
