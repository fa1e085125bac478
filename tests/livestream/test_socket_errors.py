"""Every /live handler is one unit of work (core.sockets): the same answer to a database outage or an unexpected
error, whichever event it was, and nothing broadcast or kept when the work fails."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.livestream import events, services
from app.livestream.models import LiveProduct
from tests.livestream.live_sockets import NS, comment, connect, names, seller_event  # noqa: F401
from tests.test_authz_walk import SELLER_EVENTS


def _down(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


@pytest.fixture
def room(make_live, seller, connect, buyer):
    live = make_live()
    console, shopper, watcher = connect(live.id, seller[0]), connect(live.id, buyer), connect(live.id)
    for sock in (console, shopper, watcher):
        sock.get_received(NS)
    return live, console, shopper, watcher


@pytest.mark.parametrize("event", sorted(SELLER_EVENTS))
def test_every_seller_event_asks_to_retry_while_the_database_is_out(room, monkeypatch, event):
    live, console, shopper, watcher = room
    monkeypatch.setattr(events, "_joined", _down)
    ack = seller_event(console, event, {"text": "Dạ còn ạ", "client_id": "r1"} if event == "seller_reply" else {})
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable", ack
    assert ack["error"]["details"] == {"retry": True}
    assert names(watcher) == []


@pytest.mark.parametrize("group_commit", [True, False])
def test_a_comment_asks_to_retry_while_the_database_is_out(room, app, monkeypatch, group_commit):
    live, console, shopper, watcher = room
    monkeypatch.setitem(app.config, "LIVE_GROUP_COMMIT", group_commit)
    monkeypatch.setattr(events, "_joined", _down)  # the handler's own look-up (one comment at a time)
    monkeypatch.setattr(services.comments, "get_session", _down)  # the batch writer's (group commit)
    ack = comment(shopper, "chốt A12", "down-1")
    assert ack["error"]["code"] == "unavailable" and ack["error"]["details"]["retry"] is True
    assert names(watcher) == []


def test_joining_while_the_database_is_out_is_refused_not_dropped(make_live, connect, monkeypatch):
    live = make_live()
    monkeypatch.setattr(services, "get_session", _down)
    assert not connect(live.id).is_connected(NS)


def test_an_unexpected_error_after_the_work_keeps_nothing_and_announces_nothing(room, db, monkeypatch):
    """pin_product did its work and queued `pinned`; then something broke: rolled back, nothing emitted."""
    live, console, shopper, watcher = room
    pin = services.pin_product

    def pin_then_break(*args, **kwargs):
        pin(*args, **kwargs)
        raise RuntimeError("a bug after the work")

    monkeypatch.setattr(services, "pin_product", pin_then_break)
    ack = seller_event(console, "pin_product", {"code": "A12", "pinned": True})
    assert ack["ok"] is False and ack["error"]["code"] == "server_error"
    assert names(watcher) == [] and names(console) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(LiveProduct.pinned.is_(True))) == 0
    monkeypatch.setattr(services, "pin_product", pin)
    assert seller_event(console, "pin_product", {"code": "A12", "pinned": True}) == {"ok": True}
    assert names(watcher) == ["pinned"]


def test_a_comment_skips_the_request_context_and_answers_in_the_language_its_connection_joined_with(
        make_live, connect, factory, db, app, monkeypatch):
    """Under group commit `comment` runs without Flask-SocketIO's per-event request context (events.comment_to_batch):
    no request object, no cookie session, no user loaded again per comment; its errors still come in the language
    chosen when the connection joined."""
    live = make_live()
    english, vietnamese = factory.user("Mary"), factory.user("Lan")
    english.locale = "en"
    db.session.commit()
    en, vi = connect(live.id, english), connect(live.id, vietnamese)
    contexts = []
    real = app.request_context
    monkeypatch.setattr(app, "request_context", lambda environ: contexts.append(environ) or real(environ))
    assert comment(en, "chốt A12", "en-1")["ok"] is True
    bad_en = en.emit("comment", {"text": 5}, namespace=NS, callback=True)
    bad_vi = vi.emit("comment", "chốt A12", namespace=NS, callback=True)
    assert contexts == []
    assert bad_en["error"]["code"] == bad_vi["error"]["code"] == "invalid_input"
    assert bad_en["error"]["message"].startswith("Send a comment as")
    assert bad_vi["error"]["message"] != bad_en["error"]["message"]
    # Every other event keeps its request context (a unit of work of its own).
    seller_event(vi, "seller_reply", {"text": "hi", "client_id": "x"})
    assert len(contexts) == 1


def test_a_connection_joined_before_the_language_was_kept_goes_the_old_way(make_live, connect, buyer, db, app,
                                                                          monkeypatch):
    """A connection whose state has no "locale" (joined before this version): `comment` through the request context."""
    from app.extensions import socketio

    live = make_live()
    shopper = connect(live.id, buyer)
    state = socketio.server.environ[shopper.eio_sid]["saved_session"]["live"]
    assert state["locale"] == "vi"
    del state["locale"]
    contexts = []
    real = app.request_context
    monkeypatch.setattr(app, "request_context", lambda environ: contexts.append(environ) or real(environ))
    assert comment(shopper, "chốt A12", "old-1")["ok"] is True
    assert len(contexts) == 1
