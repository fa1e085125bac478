"""Viewer count (memory and Redis), peak viewers on the live, and the console's stats strip."""
from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from app.core.dbtypes import utcnow
from app.livestream import queries, services, viewers
from app.livestream.models import ChatMessage, LiveSession
from tests.livestream.live_sockets import NS, comment, connect, events, seller_event  # noqa: F401
from tests.support.skips import skip_or_fail

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def tick(console):
    ack = seller_event(console, "console_tick")
    assert ack["ok"] is True
    return ack["stats"]


def test_viewers_are_counted_per_live_and_the_peak_is_kept(make_live, seller, buyer, connect, db):
    live = make_live()
    other = make_live([("B3", "Cam Canh", 5, None)])
    console = connect(live.id, seller[0])
    watchers = [connect(live.id) for _ in range(3)]
    connect(other.id)
    assert tick(console)["viewers"] == 4  # the console is a connection in the room too
    watchers[0].disconnect(namespace=NS)
    watchers[1].disconnect(namespace=NS)
    stats = tick(console)
    assert stats["viewers"] == 2 and stats["peak_viewers"] == 4
    db.session.expire_all()
    assert db.session.get(LiveSession, live.id).peak_viewers == 4
    assert db.session.get(LiveSession, other.id).peak_viewers == 1


def test_stats_go_to_the_sellers_room_after_comments(app, make_live, seller, buyer, connect, monkeypatch,
                                                     no_rate_limit):
    monkeypatch.setitem(app.config, "LIVE_STATS_INTERVAL", 0)  # every time, for the test
    live = make_live()
    console = connect(live.id, seller[0])
    buyer_socket = connect(live.id, buyer)
    watcher = connect(live.id)
    for c in (console, buyer_socket, watcher):
        c.get_received(NS)
    comment(buyer_socket, "chốt A12 x2", "o1")
    comment(buyer_socket, "đẹp quá", "o2")
    received = console.get_received(NS)
    assert "stats" not in [e["name"] for e in received]  # after a comment the strip rides in the console's `order`
    stats = [e["args"][0]["stats"] for e in received if e["name"] == "order"]
    assert len(stats) == 2
    assert stats[-1]["viewers"] == 3 and stats[-1]["comments_per_min"] == 2 and stats[-1]["orders_per_min"] == 1
    assert stats[-1]["revenue"] == 120000 and stats[-1]["orders"] == 1
    assert {e["name"] for e in watcher.get_received(NS) + buyer_socket.get_received(NS)}.isdisjoint({"stats", "order"})


def test_stats_events_are_throttled():
    registry = viewers.MemoryViewers()
    assert registry.allow("stats:1", 3600) is True
    assert registry.allow("stats:1", 3600) is False
    assert registry.allow("stats:2", 3600) is True  # per live
    assert registry.allow("stats:1", 0) is True


def test_per_minute_counts_look_at_the_last_minute_only(db, make_live, buyer):
    live = make_live()
    now = utcnow()
    services.post_comment(live.id, buyer, "chốt A12", "old", min_interval=0, now=now - timedelta(minutes=5))
    services.post_comment(live.id, buyer, "chốt A12", "new", min_interval=0, now=now - timedelta(seconds=10))
    services.post_comment(live.id, buyer, "xin chào", "hi", min_interval=0, now=now - timedelta(seconds=5))
    db.session.commit()
    stats = queries.live_stats(live.id, now=now)
    assert (stats["comments"], stats["orders"]) == (3, 2)
    assert (stats["comments_per_min"], stats["orders_per_min"]) == (2, 1)
    assert db.session.query(ChatMessage).count() == 3


@pytest.fixture
def redis_url():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure means no Redis here
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_redis_registry_counts_across_processes(redis_url):
    prefix = f"test:{uuid.uuid4().hex[:8]}"
    process_a, process_b = viewers.RedisViewers(redis_url, prefix), viewers.RedisViewers(redis_url, prefix)
    try:
        assert process_a.join(7, "sid-a1") == 1
        assert process_b.join(7, "sid-b1") == 2
        assert process_b.join(7, "sid-b1") == 2  # the same socket twice counts once
        assert process_a.count(7) == process_b.count(7) == 2
        assert process_a.leave(7, "sid-b1") == 1
        assert process_b.count(8) == 0
        assert process_a.allow("stats:7", 60) is True and process_b.allow("stats:7", 60) is False
    finally:
        for key in process_a.redis.scan_iter(f"{prefix}:*"):
            process_a.redis.delete(key)


def test_a_broken_viewer_registry_never_refuses_a_viewer(app, make_live, seller, connect, monkeypatch):
    class Broken:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("redis down")
            return fail

    monkeypatch.setattr(viewers, "registry", lambda url: Broken())
    live = make_live()
    console = connect(live.id, seller[0])
    assert console.is_connected(NS)
    assert tick(console)["viewers"] is None
