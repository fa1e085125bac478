"""Drill: `kill -9` the app process serving the buyers in the middle of an order storm through nginx."""
from __future__ import annotations

import signal
import threading
import time

from deploy.cluster import wait_for

from .conftest import pg, record, upstream_of_loopback
from .storm import CommentBuyer, Watcher

BUYERS = 12
BEFORE_KILL, AFTER_KILL = 5, 8  # seconds of steady storm on either side of the kill


def test_kill_9_an_app_process_loses_no_acknowledged_order(drill_cluster):
    cluster, seed = drill_cluster, drill_cluster.seed
    live = seed["lives"]["kill"]
    victim = upstream_of_loopback(cluster)
    stop = threading.Event()
    watcher = Watcher(cluster.url, live["live_id"])
    buyers = [CommentBuyer(cluster.url, live["live_id"], token, live["code"], stop, f"kill-{n}")
              for n, token in enumerate(seed["buyers"][:BUYERS])]
    try:
        for buyer in buyers:
            buyer.start()
        stop.wait(BEFORE_KILL)  # the storm runs for a while before the fault
        acked_before = sum(len(b.acks) for b in buyers)
        killed_at = time.monotonic()
        cluster.signal(victim, signal.SIGKILL)
        cluster.wait_gone(victim)
        # Every buyer is back on the surviving process and has an order acknowledged after the kill.
        recovered = wait_for(lambda: all(b.failure is None and b.acks and b.acks[-1].at > killed_at for b in buyers)
                             and all(b.state["connects"] >= 2 for b in buyers), 45, "buyers ordering again")
        first_ack_after = min(a.at for b in buyers for a in b.acks if a.at > killed_at) - killed_at
        stop.wait(AFTER_KILL)
    finally:
        stop.set()
        for buyer in buyers:
            buyer.join(timeout=60)
    failures = [b.failure for b in buyers if b.failure]
    assert not failures, failures
    cluster.start_app(victim)  # restarted for the next drills (and its HTTP clients come back to it)

    acks = [a for b in buyers for a in b.acks]
    acked_ids = [a.message_id for a in acks]
    assert len(acked_ids) == len(set(acked_ids)), "two comments acknowledged with the same message"
    rows = pg(cluster, "SELECT message_id, count(*), sum(quantity) FROM live_reservations WHERE session_id = %s "
                       "GROUP BY message_id", live["live_id"])
    duplicates = [r for r in rows if r[1] != 1]
    assert not duplicates, duplicates
    found = {r[0] for r in rows}
    assert found == set(acked_ids), (len(found), len(acked_ids))  # every ack exists once; nothing unacknowledged
    comments = pg(cluster, "SELECT count(*), count(DISTINCT (user_id, client_id)) FROM live_chat_messages "
                           "WHERE session_id = %s", live["live_id"])[0]
    assert comments[0] == comments[1] == len(acks)
    [(received, available, reserved, sold)] = pg(
        cluster, "SELECT received, available, reserved, sold FROM variants WHERE id = %s", live["variant_id"])
    held = sum(a.quantity for a in acks)
    assert received == available + reserved + sold and reserved == held and sold == 0
    [(allotment, used)] = pg(cluster, "SELECT allotment, allotment_used FROM live_products WHERE id = %s",
                             live["live_product_id"])
    assert used == held <= allotment
    # The watcher, reconnected by last_id, has every message of the live, including those during the kill.
    all_ids = {r[0] for r in pg(cluster, "SELECT id FROM live_chat_messages WHERE session_id = %s", live["live_id"])}
    wait_for(lambda: all_ids <= set(watcher.seen), 30, "the watcher to have every message")
    watcher.close()
    for buyer in buyers:
        buyer.close()
    record("app_kill", {
        "buyers": BUYERS, "killed": victim, "orders_acknowledged": len(acks), "acknowledged_before_kill": acked_before,
        "reservations_found": len(found), "duplicates": len(duplicates), "units_held": held,
        "stock": {"received": received, "available": available, "reserved": reserved, "sold": sold},
        "allotment": allotment, "allotment_used": used,
        "comments_resent_with_same_client_id": sum(b.resent for b in buyers),
        "acks_needing_more_than_one_send": sum(1 for a in acks if a.attempts > 1),
        "reconnects": sum(b.state["connects"] - 1 for b in buyers) + watcher.state["connects"] - 1,
        "watcher_messages_seen": len(watcher.seen), "messages_in_live": len(all_ids),
        "seconds_to_first_ack_after_kill": round(first_ack_after, 2),
        "seconds_until_every_buyer_ordered_again": round(recovered, 2)})
