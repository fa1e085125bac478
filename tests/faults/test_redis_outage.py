"""Drill: Redis stopped and started again during an order storm; ordering goes on, fan-out comes back by itself."""
from __future__ import annotations

import os
import threading
import time

import requests

from deploy.cluster import wait_for

from .conftest import pg, record, upstream_of_loopback
from .storm import CommentBuyer, HttpBuyer, Watcher

COMMENT_BUYERS, HTTP_BUYERS = 6, 2
# Shorter than the 20 s of the issue: the behaviour is the same (every Redis call fails fast, the Socket.IO listener
# backs off 1, 2, 4... s), and a 6 s outage keeps the drill under a minute. A 20 s outage resumes fan-out at most
# 16 s after Redis is back (the listener's fifth wait); docs/reliability.md says so.
OUTAGE = float(os.environ.get("FAULT_REDIS_OUTAGE_SECONDS") or 6)  # FAULT_REDIS_OUTAGE_SECONDS=20 for the full length


def _redis_check(url: str) -> tuple[int, str]:
    response = requests.get(url + "/healthz", timeout=5)
    return response.status_code, response.json()["checks"].get("redis", "")


def test_redis_outage_keeps_orders_and_chat_and_fan_out_resumes(drill_cluster):
    cluster, seed = drill_cluster, drill_cluster.seed
    live = seed["lives"]["redis"]
    served = upstream_of_loopback(cluster)
    other = next(name for name in cluster.app_names() if name != served)
    stop = threading.Event()
    # Buyers come through nginx to one process; this watcher sits on the other: it sees them only through Redis.
    far = Watcher(cluster.app_url(other), live["live_id"])
    tokens = seed["buyers"][12:12 + COMMENT_BUYERS + HTTP_BUYERS]
    buyers = [CommentBuyer(cluster.url, live["live_id"], token, live["code"], stop, f"redis-{n}")
              for n, token in enumerate(tokens[:COMMENT_BUYERS])]
    shoppers = [HttpBuyer(cluster.url, token, seed["shop_variant_id"], seed["address"], stop, f"redis-http-{n}")
                for n, token in enumerate(tokens[COMMENT_BUYERS:])]
    try:
        for thread in (*buyers, *shoppers):
            thread.start()
        wait_for(lambda: len(far.seen) >= 3, 30, "fan-out to the other process before the fault")
        stopped_at = time.monotonic()
        cluster.stop_redis()

        def degraded(url: str) -> bool:  # still 200: the site works without Redis, only fan-out waits
            status, redis_state = _redis_check(url)
            return status == 200 and redis_state.startswith("degraded")

        detected = wait_for(lambda: all(map(degraded, (cluster.url, *map(cluster.app_url, cluster.app_names())))),
                            15, "/healthz to report Redis degraded")
        stop.wait(max(OUTAGE - (time.monotonic() - stopped_at), 0))  # the outage lasts its length
        cluster.start_redis()
        restarted_at = time.monotonic()
        during = sum(1 for b in buyers for a in b.acks if stopped_at < a.at < restarted_at)
        http_during = sum(1 for s in shoppers for at in s.acked_at if stopped_at < at < restarted_at)

        def fanned_out_again() -> bool:
            return any(a.message_id in far.seen for b in buyers for a in list(b.acks) if a.at > restarted_at)

        fan_out_back = wait_for(fanned_out_again, 45, "fan-out to resume after Redis is back", interval=0.05)
        wait_for(lambda: _redis_check(cluster.url) == (200, "ok"), 15, "/healthz to report Redis ok")
        stop.wait(2)  # a little more storm with Redis back
    finally:
        stop.set()
        for thread in (*buyers, *shoppers):
            thread.join(timeout=60)
    failures = [t.failure for t in (*buyers, *shoppers) if t.failure]
    assert not failures, failures
    assert during > 0 and http_during > 0, (during, http_during)  # comments and checkouts went on without Redis

    acks = [a for b in buyers for a in b.acks]
    rows = pg(cluster, "SELECT message_id, count(*) FROM live_reservations WHERE session_id = %s GROUP BY message_id",
              live["live_id"])
    duplicates = [r for r in rows if r[1] != 1]
    assert not duplicates and {r[0] for r in rows} == {a.message_id for a in acks}
    numbers = [n for s in shoppers for n in s.orders.values()]
    found = pg(cluster, "SELECT number, count(*) FROM orders WHERE number = ANY(%s) GROUP BY number", numbers)
    assert len(found) == len(numbers) == len(set(numbers)) and all(c == 1 for _, c in found)
    [(received, available, reserved, sold)] = pg(
        cluster, "SELECT received, available, reserved, sold FROM variants WHERE id = %s", live["variant_id"])
    assert received == available + reserved + sold and reserved == sum(a.quantity for a in acks)
    # Lines posted while Redis was down reached no watcher live (every room emit goes through Redis); they are
    # stored, and a page load or a new viewer (last_id below them) gets them. A connected viewer has newer ids by
    # then, so last_id does not bring them back: a known limit, written down in docs/reliability.md.
    all_ids = {r[0] for r in pg(cluster, "SELECT id FROM live_chat_messages WHERE session_id = %s", live["live_id"])}
    missed_live = len(all_ids - set(far.seen))
    late = Watcher(cluster.app_url(other), live["live_id"], last_id=min(all_ids) - 1)
    wait_for(lambda: all_ids <= set(late.seen), 30, "a new viewer to be replayed every stored line")
    late.close()
    far.close()
    for buyer in buyers:
        buyer.close()
    record("redis_outage", {
        "outage_seconds": OUTAGE, "comment_buyers": COMMENT_BUYERS, "http_buyers": HTTP_BUYERS,
        "orders_acknowledged": len(acks) + len(numbers), "comment_orders_acknowledged": len(acks),
        "http_orders_acknowledged": len(numbers), "comment_orders_during_outage": during,
        "http_orders_during_outage": http_during, "reservations_found": len(rows), "orders_found": len(found),
        "duplicates": len(duplicates), "seconds_until_healthz_degraded": round(detected, 2),
        "seconds_to_fan_out_after_restart": round(fan_out_back, 2),
        "messages_not_shown_live_during_outage": missed_live})
