"""Drill: the same Stripe and bank webhooks delivered three times, in parallel, shuffled, to both processes."""
from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from app.shop.payments.stripe_gateway import sign_payload

from .conftest import BANK_KEY, STRIPE_SECRET, pg, record
from .storm import HttpBuyer

ORDERS_PER_METHOD = 3
COPIES = 3


def _stripe_delivery(order: dict, n: int) -> tuple[str, bytes, dict]:
    body = json.dumps({"id": f"evt_drill_{n}", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()),
                       "data": {"object": {"id": order["session"], "object": "checkout.session",
                                           "client_reference_id": order["number"],
                                           "metadata": {"order_id": str(order["id"]), "order_number": order["number"]},
                                           "amount_total": order["total"], "currency": "vnd",
                                           "payment_status": "paid"}}}).encode()
    return "/webhooks/stripe", body, {"Stripe-Signature": sign_payload(body, STRIPE_SECRET, int(time.time())),
                                      "Content-Type": "application/json"}


def _bank_delivery(order: dict, n: int) -> tuple[str, bytes, dict]:
    code = order["number"].replace("-", "").lower()
    body = json.dumps({"id": 880000 + n, "gateway": "Vietcombank", "transactionDate": "2026-11-28 10:00:00",
                       "accountNumber": "0123456789", "content": f"MBVCB.{n} {code} chuyen tien", "transferType": "in",
                       "transferAmount": order["total"], "referenceCode": f"FT{n}", "description": code}).encode()
    return "/webhooks/bank", body, {"Authorization": f"Apikey {BANK_KEY}", "Content-Type": "application/json"}


def test_each_webhook_three_times_in_parallel_and_out_of_order_has_one_effect(drill_cluster):
    cluster, seed = drill_cluster, drill_cluster.seed
    variant_id = seed["shop_variant_id"]
    orders = []
    for method in ("stripe", "vietqr"):
        buyer = HttpBuyer(cluster.url, seed["buyers"][-1], variant_id, seed["address"], threading.Event(),
                          f"hook-{method}", method=method)
        for _ in range(ORDERS_PER_METHOD):
            number = buyer.order_once()
            [(order_id, total, status, session)] = pg(
                cluster, "SELECT id, total, status, stripe_session_id FROM orders WHERE number = %s", number)
            assert status == "pending_payment"
            # A card order pays only through its own Checkout session (made at checkout through the double).
            assert session or method != "stripe"
            orders.append({"number": number, "id": order_id, "total": total, "method": method, "session": session})
    [(sold_before,)] = pg(cluster, "SELECT sold FROM variants WHERE id = %s", variant_id)

    deliveries = []
    for n, order in enumerate(orders):
        make = _stripe_delivery if order["method"] == "stripe" else _bank_delivery
        deliveries += [make(order, n)] * COPIES
    random.Random(8).shuffle(deliveries)  # out of order: copies of different events interleaved
    targets = [cluster.url, *(cluster.app_url(name) for name in cluster.app_names())]
    start = threading.Barrier(len(deliveries))

    def deliver(item):
        n, (path, body, headers) = item
        start.wait(timeout=30)  # all at once
        return requests.post(targets[n % len(targets)] + path, data=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        responses = list(pool.map(deliver, enumerate(deliveries)))
    assert [r.status_code for r in responses] == [200] * len(deliveries), [r.text[:200] for r in responses]

    numbers = [o["number"] for o in orders]
    statuses = dict(pg(cluster, "SELECT number, status FROM orders WHERE number = ANY(%s)", numbers))
    assert set(statuses.values()) == {"placed"}, statuses
    events = pg(cluster, "SELECT provider, external_id, count(*) FROM payment_events "
                         "WHERE order_id = ANY(%s) GROUP BY provider, external_id", [o["id"] for o in orders])
    duplicates = [e for e in events if e[2] != 1]
    assert not duplicates and len(events) == len(orders), events
    [(received, available, reserved, sold)] = pg(
        cluster, "SELECT received, available, reserved, sold FROM variants WHERE id = %s", variant_id)
    assert sold - sold_before == len(orders) and received == available + reserved + sold
    record("webhooks_thrice", {"orders": len(orders), "deliveries": len(deliveries), "answered_200": len(responses),
                               "orders_paid": len(statuses), "payment_events": len(events),
                               "duplicates": len(duplicates), "units_sold": sold - sold_before,
                               "targets": ["nginx", *cluster.app_names()]})
