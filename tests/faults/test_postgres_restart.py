"""Drill: PostgreSQL restarted under load; requests in the outage get a clean 503 to retry, the pool recovers."""
from __future__ import annotations

import threading
import time

import requests

from deploy.cluster import wait_for

from .conftest import pg, record
from .storm import CommentBuyer, HttpBuyer

HTTP_BUYERS, COMMENT_BUYERS = 4, 3
OUTAGE = 4  # seconds the server is down (pg_ctl stop -m fast ... pg_ctl start)
AFTER = 3  # seconds of load after the first success, where not one error may happen


def test_postgres_restart_fails_cleanly_and_recovers(drill_cluster):
    cluster, seed = drill_cluster, drill_cluster.seed
    live = seed["lives"]["postgres"]
    stop = threading.Event()
    picked = range(24 - HTTP_BUYERS, 24)
    shoppers = [HttpBuyer(cluster.url, seed["buyers"][n], seed["shop_variant_id"], seed["address"], stop,
                          f"pg-http-{n}") for n in picked]
    buyers = [CommentBuyer(cluster.url, live["live_id"], token, live["code"], stop, f"pg-{n}")
              for n, token in enumerate(seed["buyers"][:COMMENT_BUYERS])]
    [(orders_before,)] = pg(cluster, "SELECT count(*) FROM orders WHERE buyer_id = ANY(%s)",
                            [seed["buyer_ids"][n] for n in picked])
    try:
        for thread in (*shoppers, *buyers):
            thread.start()
        wait_for(lambda: all(s.acked_at for s in shoppers) and all(b.acks for b in buyers), 30, "steady load")
        stopped_at = time.monotonic()
        cluster.stop_postgres()
        outage = requests.get(cluster.url + "/healthz", timeout=10)
        assert outage.status_code == 503 and outage.json()["checks"]["database"].startswith("error")
        stop.wait(max(OUTAGE - (time.monotonic() - stopped_at), 0))  # the outage lasts its length
        cluster.start_postgres()
        restarted_at = time.monotonic()
        recovered = wait_for(lambda: all(any(at > restarted_at for at in s.acked_at) for s in shoppers), 30,
                             "every HTTP buyer to have an order acknowledged after the restart")
        settled_at = time.monotonic()
        stop.wait(AFTER)
    finally:
        stop.set()
        for thread in (*shoppers, *buyers):
            thread.join(timeout=60)
    failures = [t.failure for t in (*shoppers, *buyers) if t.failure]
    assert not failures, failures

    refused = [f for s in shoppers for f in s.failures]
    assert refused, "the outage refused nothing: was the server really down?"
    unclean = [f for f in refused if f[1] != 503 or "Vui lòng thử lại" not in f[2].get("message", "")
               or not f[2].get("retry_after")]
    assert not unclean, unclean[:5]
    after_recovery = [f for f in refused if f[0] > settled_at]
    assert not after_recovery, after_recovery[:5]  # the pool recovered at once, no stream of errors
    comment_acks_after = sum(1 for b in buyers for a in b.acks if a.at > settled_at)
    assert comment_acks_after > 0  # live orders by comment go on too, on the same recovered pools
    comment_refusals = sum(b.refusals["server_error"] + b.refusals["unavailable"] for b in buyers)

    # None succeeded half-way: every order in the database was acknowledged, exactly once.
    numbers = {n for s in shoppers for n in s.orders.values()}
    stored = pg(cluster, "SELECT number FROM orders WHERE buyer_id = ANY(%s)", [seed["buyer_ids"][n] for n in picked])
    assert len(stored) - orders_before == len(numbers) and numbers <= {r[0] for r in stored}
    acks = [a for b in buyers for a in b.acks]
    rows = pg(cluster, "SELECT message_id, count(*) FROM live_reservations WHERE session_id = %s GROUP BY message_id",
              live["live_id"])
    assert all(c == 1 for _, c in rows) and {r[0] for r in rows} == {a.message_id for a in acks}
    for variant_id in (seed["shop_variant_id"], live["variant_id"]):
        [(received, available, reserved, sold)] = pg(
            cluster, "SELECT received, available, reserved, sold FROM variants WHERE id = %s", variant_id)
        assert received == available + reserved + sold
    [(reserved_live,)] = pg(cluster, "SELECT reserved FROM variants WHERE id = %s", live["variant_id"])
    assert reserved_live == sum(a.quantity for a in acks)
    record("postgres_restart", {
        "outage_seconds": OUTAGE, "http_buyers": HTTP_BUYERS, "comment_buyers": COMMENT_BUYERS,
        "orders_acknowledged": len(numbers) + len(acks), "http_orders_acknowledged": len(numbers),
        "http_orders_found": len(stored) - orders_before, "comment_orders_acknowledged": len(acks),
        "reservations_found": len(rows), "duplicates": 0,
        "refused_with_503_and_retry_message": len(refused), "unclean_failures": len(unclean),
        "comment_acks_asking_to_retry": comment_refusals,
        "comment_orders_after_recovery": comment_acks_after, "comments_resent": sum(b.resent for b in buyers),
        "restart_seconds_after_stop": round(restarted_at - stopped_at, 1),
        "comment_buyer_connects": [b.state["connects"] for b in buyers], "errors_after_recovery": len(after_recovery),
        "seconds_from_restart_to_every_buyer_served": round(recovered, 2),
        "example_refusal": refused[0][2].get("message")})
