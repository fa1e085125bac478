"""Mute, ban and hidden abusive words on the /live namespace (Flask-SocketIO test client) and in the services."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.dbtypes import utcnow
from app.livestream import moderation, services
from app.livestream.models import ChatMessage, LiveBan, LiveMute, LiveReservation
from tests.livestream.live_sockets import NS, comment, connect, events, names, seller_event  # noqa: F401


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def room(make_live, seller, buyer, connect, no_rate_limit):
    """A live on air with the seller's console, the buyer and an anonymous watcher connected."""
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    console = connect(live.id, seller[0])
    buyer_socket = connect(live.id, buyer)
    watcher = connect(live.id)
    for c in (console, buyer_socket, watcher):
        c.get_received(NS)
    return live, console, buyer_socket, watcher


def test_muted_buyer_is_refused_with_the_end_time_nothing_stored_or_broadcast(room, buyer, db):
    live, console, buyer_socket, watcher = room
    ack = seller_event(console, "mute_user", {"user_id": buyer.id, "minutes": 10})
    assert ack == {"ok": True}
    muted = events(console, "user_muted")
    assert muted and muted[0]["user_id"] == buyer.id
    assert events(watcher, "user_muted") == []  # moderation is for the console only

    ack = comment(buyer_socket, "chốt A12 x2", "m1")
    assert ack["ok"] is False and ack["error"]["code"] == "muted"
    until = db.session.scalar(select(LiveMute.until))
    assert until > utcnow() + timedelta(minutes=9)
    assert "đến" in ack["error"]["message"] and ack["error"]["details"]["until"] == until.isoformat()
    assert names(watcher) == [] and names(console) == []
    assert count(db, ChatMessage) == 0 and count(db, LiveReservation) == 0

    assert seller_event(console, "unmute_user", {"user_id": buyer.id}) == {"ok": True}
    assert comment(buyer_socket, "chốt A12 x2", "m2")["reserved"][0]["quantity"] == 2


def test_mute_ends_by_itself(db, make_live, seller, buyer):
    live = make_live()
    moderation.mute_user(seller[0], live, buyer.id, 5, now=utcnow() - timedelta(minutes=6))
    db.session.commit()
    ack = services.post_comment(live.id, buyer, "chốt A12", "after-mute", min_interval=0)
    assert ack["ok"] is True and ack["reserved"]


def test_ban_covers_every_live_of_the_organisation_and_the_banned_buyer_can_still_watch(
        room, make_live, buyer, connect, db):
    live, console, buyer_socket, watcher = room
    assert seller_event(console, "ban_user", {"user_id": buyer.id}) == {"ok": True}
    assert events(console, "user_banned") == [{"user_id": buyer.id, "name": "Trần Thị Lan"}]
    ack = comment(buyer_socket, "chốt A12", "b1")
    assert ack["ok"] is False and ack["error"]["code"] == "banned"
    assert "xem" in ack["error"]["message"]  # told they can still watch
    assert buyer_socket.is_connected(NS)

    other = make_live([("B3", "Cam Canh", 5, None)])  # another live of the same cooperative
    again = connect(other.id, buyer)
    assert again.is_connected(NS)
    assert comment(again, "chốt B3", "b2")["error"]["code"] == "banned"
    assert count(db, ChatMessage) == 0 and count(db, LiveReservation) == 0
    assert names(watcher) == []

    assert seller_event(console, "unban_user", {"user_id": buyer.id}) == {"ok": True}
    assert count(db, LiveBan) == 0
    assert comment(buyer_socket, "chốt A12", "b3")["ok"] is True


def test_ban_in_one_organisation_does_not_reach_another(db, make_live, seller, buyer, factory, make_product):
    live = make_live()
    moderation.ban_user(seller[0], live, buyer.id)
    other_owner = factory.user("Lê Văn Khác")
    other_org = factory.org(other_owner, name="HTX Khác")
    other = services.schedule_live(other_owner, other_org, title="Phiên khác", scheduled_at=utcnow())
    services.add_live_product(other_owner, other, make_product(other_owner, other_org, "Nhãn", code="N1"))
    services.start_live(other_owner, other)
    db.session.commit()
    assert services.post_comment(other.id, buyer, "chốt N1", "x", min_interval=0)["ok"] is True
    with pytest.raises(moderation.Banned):
        services.post_comment(live.id, buyer, "chốt A12", "y", min_interval=0)


@pytest.mark.parametrize("event,payload", [
    ("mute_user", {"minutes": 10}), ("unmute_user", {}), ("ban_user", {}), ("unban_user", {}),
    ("hide_message", {"message_id": 1}),
])
def test_a_buyer_cannot_moderate(room, buyer, factory, connect, db, event, payload):
    live, console, buyer_socket, watcher = room
    victim = factory.user("Phạm Thị Nạn")
    payload = dict(payload, user_id=victim.id)
    ack = seller_event(buyer_socket, event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == "not_a_member"
    anonymous = seller_event(watcher, event, payload)
    assert anonymous["ok"] is False and anonymous["error"]["code"] == "not_signed_in"
    assert count(db, LiveMute) == 0 and count(db, LiveBan) == 0
    assert names(console) == [] and names(watcher) == []


@pytest.mark.parametrize("payload,code", [
    ({"minutes": 0}, "invalid_minutes"), ({"minutes": 1441}, "invalid_minutes"), ({"minutes": "10"}, "invalid_minutes"),
    ({"minutes": True}, "invalid_minutes"), ({"user_id": 999999, "minutes": 5}, "unknown_user"),
    ({"user_id": "1", "minutes": 5}, "unknown_user"),
])
def test_mute_validates_its_input(room, buyer, db, payload, code):
    live, console, *_ = room
    ack = seller_event(console, "mute_user", {"user_id": buyer.id, **payload})
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    assert count(db, LiveMute) == 0


def test_members_cannot_be_muted_or_banned(room, seller, db):
    live, console, *_ = room
    for event in ("mute_user", "ban_user"):
        ack = seller_event(console, event, {"user_id": seller[0].id, "minutes": 5})
        assert ack["error"]["code"] == "cannot_moderate_member"
    assert count(db, LiveMute) == 0 and count(db, LiveBan) == 0


def test_mute_again_replaces_the_end_time(db, make_live, seller, buyer):
    live = make_live()
    first = moderation.mute_user(seller[0], live, buyer.id, 60)
    second = moderation.mute_user(seller[0], live, buyer.id, 5)
    assert first.id == second.id and count(db, LiveMute) == 1
    assert second.until < utcnow() + timedelta(minutes=6)


# Hidden words ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,hit", [
    ("Shop lừa đảo", "lua dao"), ("LUA DAO", "lua dao"), ("đồ ngu", "do ngu"), ("DM shop", "dm"),
    ("vào zalo.me/123 mua rẻ hơn", "link"), ("xem https://spam.example/x", "link"), ("www.rehon.vn", "link"),
    ("Do   Ngu", "do ngu"), ("Đồ  ngu!!", "do ngu"),
])
def test_hidden_words_match_folded_whole_words(text, hit):
    assert moderation.hidden_word(text, moderation.DEFAULT_HIDDEN_WORDS) == hit


@pytest.mark.parametrize("text", [
    "chốt A12 x2", "bưởi ngon quá", "cho em 1 lon bia", "các chị ơi", "quả óc chó còn không", "admin ơi",
    "dmx", "giá 60.000đ", "sdt 0912.345.678", "đo cho em size M", "ngon", "",
])
def test_everyday_words_and_goods_are_not_hidden(text):
    assert moderation.hidden_word(text, moderation.DEFAULT_HIDDEN_WORDS) is None


def test_hidden_word_list_from_config():
    words = moderation.hidden_word_list("Khỉ Gió, ĐỒ  TỒI ,, ")
    assert words == ("khi gio", "do toi")
    assert moderation.hidden_word("mày là đồ tồi", words) == "do toi"
    assert moderation.hidden_word("lừa đảo", words) is None  # the config replaces the default list
    assert moderation.hidden_word_list(None) == moderation.DEFAULT_HIDDEN_WORDS


def test_abusive_comment_is_stored_hidden_sender_sees_it_room_does_not(room, connect, db):
    live, console, buyer_socket, watcher = room
    ack = comment(buyer_socket, "shop lừa đảo, chốt A12", "h1")
    assert ack["ok"] is True and ack["reserved"][0]["code"] == "A12"  # the order itself still stands
    message = db.session.get(ChatMessage, ack["message_id"])
    assert message.hidden is True and message.hidden_reason == "words"
    assert [m["text"] for m in events(buyer_socket, "message")] == ["shop lừa đảo, chốt A12"]
    watched = watcher.get_received(NS)
    assert "message" not in [e["name"] for e in watched]
    assert "lừa đảo" not in str(watched)
    order = events(console, "order")
    assert order[0]["message"]["hidden"] is True and order[0]["message"]["hidden_reason"] == "words"
    assert order[0]["message"]["hidden_label"]
    # Nobody gets it in a replay either.
    assert events(connect(live.id, last_id=0), "message") == []


def test_configured_hidden_words_apply_on_the_socket(room, app, monkeypatch, db):
    live, console, buyer_socket, watcher = room
    monkeypatch.setitem(app.config, "LIVE_HIDDEN_WORDS", "khỉ gió")
    comment(buyer_socket, "KHỈ GIÓ", "w1")
    assert comment(buyer_socket, "lừa đảo", "w2")["ok"] is True
    hidden = dict(db.session.execute(select(ChatMessage.text, ChatMessage.hidden)).all())
    assert hidden == {"KHỈ GIÓ": True, "lừa đảo": False}
    assert [m["text"] for m in events(watcher, "message")] == ["lừa đảo"]


def test_console_page_shows_hidden_comments_greyed_with_the_reason(app, auth, make_live, seller, buyer, db):
    live = make_live()
    ack = services.post_comment(live.id, buyer, "đồ ngu", "x", min_interval=0)
    db.session.commit()
    auth.login_as(seller[0])
    page = auth.client.get(f"/live/{live.id}/console").get_data(as_text=True)
    assert f'data-id="{ack["message_id"]}"' in page and "is-hidden" in page
    assert "tự động ẩn" in page  # the reason, in Vietnamese
    assert 'class="mute' in page and 'class="ban' in page


def test_seller_hide_records_the_reason(room, buyer, db):
    live, console, buyer_socket, watcher = room
    ack = comment(buyer_socket, "tin rác", "s1")
    assert seller_event(console, "hide_message", {"message_id": ack["message_id"]}) == {"ok": True}
    message = db.session.get(ChatMessage, ack["message_id"])
    assert message.hidden and message.hidden_reason == "seller"


def test_realtime_doc_lists_the_chat_safety_events_and_codes():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "realtime-api.md").read_text(encoding="utf-8")
    for name in ("mute_user", "unmute_user", "ban_user", "unban_user", "user_muted", "user_banned", "start_flash_sale",
                 "stop_flash_sale", "flash_sale", "flash_sale_ended", "console_tick", "stats", "muted", "banned",
                 "invalid_characters", "flood", "cannot_moderate_member", "invalid_duration", "flash_active",
                 "LIVE_HIDDEN_WORDS"):
        assert f"`{name}`" in text, name


def test_console_tick_lists_who_is_muted_and_blocked(room, buyer, factory, db):
    live, console, buyer_socket, watcher = room
    other = factory.user("Bùi Văn Ồn")
    seller_event(console, "mute_user", {"user_id": buyer.id, "minutes": 15})
    seller_event(console, "ban_user", {"user_id": other.id})
    ack = seller_event(console, "console_tick")
    assert list(ack["muted"]) == [str(buyer.id)]  # JSON object keys are strings
    assert ack["banned"] == [other.id]
    assert ack["blocked"] == [{"user_id": other.id, "name": "Bùi Văn Ồn"}]  # to unblock without a comment on screen
    seller_event(console, "unmute_user", {"user_id": buyer.id})
    assert seller_event(console, "console_tick")["muted"] == {}
