"""Coalesced chat (#14 item 2): a viewer that joins with frames=true gets one `frame` per interval carrying the new
chat lines, the last ticker and the latest stock; the buyer's ack stays immediate; older clients still get one event
per line; plain chat is sampled when busy, order and shop lines never."""
from __future__ import annotations

import pytest

from app.livestream import broadcast
from tests.livestream.live_sockets import NS, comment, connect, events, seller_event  # noqa: F401


@pytest.fixture(autouse=True)
def frames_by_hand(app, monkeypatch):
    """The background sender waits a minute here: each test sends the frames itself (broadcast.flush_frames)."""
    monkeypatch.setitem(app.config, "LIVE_FRAME_MS", 60_000)
    broadcast.flush_frames()  # nothing left over from an earlier test


def frames(client):
    return [e["args"][0] for e in client.get_received(NS) if e["name"] == "frame"]


def test_many_comments_reach_a_framed_viewer_as_one_frame(app, make_live, factory, connect, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Cam Canh", 10, None)])
    viewer, older = connect(live.id, frames=True), connect(live.id)
    buyers = [connect(live.id, factory.user(f"Khách {n}")) for n in range(3)]
    acks = [comment(buyers[0], "chốt A12 x2", "a"), comment(buyers[1], "shop ơi ship Hà Nội không", "b"),
            comment(buyers[2], "chốt B3", "c")]
    assert all(a["ok"] for a in acks)  # each ack came back before any frame went out
    assert frames(viewer) == []
    assert broadcast.flush_frames() == 1
    [frame] = frames(viewer)
    assert [m["id"] for m in frame["messages"]] == [a["message_id"] for a in acks]
    assert [m["kind"] for m in frame["messages"]] == ["order", "question", "order"]
    assert frame["stock"] == {"A12": 8, "B3": 9}  # the latest, once
    assert frame["ticker"]["code"] == "B3" and frame["skipped"] == 0
    # The older client got every line and ticker as its own event, and no frame.
    assert [m["id"] for m in events(older, "message")] == [a["message_id"] for a in acks]
    assert broadcast.flush_frames() == 0  # nothing new: no frame at all


def test_a_framed_viewer_gets_no_per_line_events(make_live, buyer, connect, no_rate_limit):
    live = make_live()
    viewer = connect(live.id, frames=True)
    assert comment(connect(live.id, buyer), "chốt A12", "x")["ok"]
    assert {e["name"] for e in viewer.get_received(NS)} <= {"stats"}  # no message, no ticker
    broadcast.flush_frames()
    assert len(frames(viewer)) == 1


def test_busy_plain_chat_is_sampled_but_orders_and_shop_lines_always_go(app, make_live, seller, factory, connect,
                                                                        monkeypatch, no_rate_limit):
    monkeypatch.setitem(app.config, "LIVE_FRAME_CHAT", 2)
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    viewer = connect(live.id, frames=True)
    talkers = [connect(live.id, factory.user(f"Khách {n}")) for n in range(5)]
    for n, sock in enumerate(talkers):
        assert comment(sock, f"chào shop {n}", f"t{n}")["ok"]
    order = comment(talkers[0], "chốt A12", "o")
    console = connect(live.id, seller[0])
    reply = seller_event(console, "seller_reply", {"text": "Dạ còn ạ", "client_id": "r"})
    broadcast.flush_frames()
    [frame] = frames(viewer)
    texts = [m["text"] for m in frame["messages"]]
    assert texts == ["chào shop 0", "chào shop 1", "chốt A12", "Dạ còn ạ"]
    assert frame["skipped"] == 3
    assert frame["messages"][2]["id"] == order["message_id"] and frame["messages"][3]["id"] == reply["message_id"]


def test_a_reconnect_with_last_id_replays_every_line_the_frames_left_out(app, make_live, factory, connect,
                                                                         monkeypatch, no_rate_limit):
    monkeypatch.setitem(app.config, "LIVE_FRAME_CHAT", 1)
    live = make_live()
    viewer = connect(live.id, frames=True)
    talkers = [connect(live.id, factory.user(f"Khách {n}")) for n in range(3)]
    ids = [comment(sock, f"chào {n}", f"t{n}")["message_id"] for n, sock in enumerate(talkers)]
    broadcast.flush_frames()
    [frame] = frames(viewer)
    assert [m["id"] for m in frame["messages"]] == ids[:1] and frame["skipped"] == 2
    again = connect(live.id, frames=True, last_id=ids[0])
    assert [m["id"] for m in events(again, "message")] == ids[1:]  # the replay is never sampled


def test_a_cancel_sends_the_stock_in_the_next_frame(make_live, buyer, connect, no_rate_limit):
    live = make_live()
    viewer = connect(live.id, frames=True)
    shopper = connect(live.id, buyer)
    assert comment(shopper, "chốt A12 x3", "o")["ok"]
    broadcast.flush_frames()
    assert frames(viewer)[0]["stock"] == {"A12": 7}
    assert comment(shopper, "hủy A12", "c")["ok"]
    broadcast.flush_frames()
    [frame] = frames(viewer)
    assert frame["stock"] == {"A12": 10} and frame["ticker"] is None


def test_the_background_task_sends_frames_by_itself(app, make_live, buyer, connect, monkeypatch, no_rate_limit):
    from tests.support.net import wait_for

    live = make_live()
    viewer = connect(live.id, frames=True)
    ack = comment(connect(live.id, buyer), "chào shop", "x")
    monkeypatch.setitem(app.config, "LIVE_FRAME_MS", 20)
    got: list[dict] = []
    wait_for(lambda: got.extend(frames(viewer)) or got, 10, "a frame from the background task")
    assert [m["id"] for m in got[0]["messages"]] == [ack["message_id"]]


def test_a_very_large_room_is_paced_and_keeps_every_line_for_its_next_frame(app, make_live, factory, connect,
                                                                            monkeypatch, no_rate_limit):
    """LIVE_FRAME_SENDS caps the frames a second one process sends a live's viewers: here 2 a second for 2 framed
    viewers, so a frame at most every second; what comes meanwhile waits in the frame, nothing lost."""
    monkeypatch.setitem(app.config, "LIVE_FRAME_MS", 200)
    monkeypatch.setitem(app.config, "LIVE_FRAME_SENDS", 2)
    live = make_live()
    viewers = [connect(live.id, frames=True) for _ in range(2)]
    writer = connect(live.id, factory.user("Khách"))
    first = comment(writer, "chào shop", "p1")
    assert broadcast._frames.flush(paced=True) == 1
    for viewer in viewers:
        assert [[m["id"] for m in f["messages"]] for f in frames(viewer)] == [[first["message_id"]]]
    later = [comment(writer, f"còn không {n}", f"p{n + 2}") for n in range(3)]
    assert broadcast._frames.flush(paced=True) == 0  # its turn is a second after the last frame
    assert frames(viewers[0]) == [] and frames(viewers[1]) == []
    broadcast._frames.due[live.id] = 0.0  # as if that second had passed
    assert broadcast._frames.flush(paced=True) == 1
    for viewer in viewers:
        assert [[m["id"] for m in f["messages"]] for f in frames(viewer)] == [[a["message_id"] for a in later]]
    # A room within the budget is never held.
    monkeypatch.setitem(app.config, "LIVE_FRAME_SENDS", 10_000)
    broadcast._frames.due.clear()
    comment(writer, "ok", "q1")
    assert broadcast._frames.flush(paced=True) == 1
    comment(writer, "ok nữa", "q2")
    assert broadcast._frames.flush(paced=True) == 1 and live.id not in broadcast._frames.due
