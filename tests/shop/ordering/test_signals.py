"""Ordering announces each change of an order (app/shop/ordering/signals.py), delivered after the commit."""
from __future__ import annotations

import pytest

from app.errors import OutOfStock
from app.shop.ordering import services


def _cart(db, buyer, variant, quantity=2):
    cart = services.get_cart(buyer, None, create=True)
    services.add_to_cart(cart, variant.id, quantity)
    db.session.commit()
    return cart


def test_a_cash_on_delivery_checkout_announces_a_created_and_placed_order(db, buyer, stocked, place, heard_signals):
    (order,) = place(_cart(db, buyer, stocked), buyer)
    assert heard_signals.names() == ["order_created", "order_placed"]
    created, placed = heard_signals.of("order_created")[0], heard_signals.of("order_placed")[0]
    assert created == {"order_id": order.id, "number": order.number, "organisation_id": order.organisation_id,
                       "buyer_id": buyer.id, "total": order.total, "payment_method": "cod", "status": "placed",
                       "subtotal": 120000, "shipping_fee": order.shipping_fee}
    assert placed["from_status"] is None and placed["status"] == "placed" and placed["actor_id"] == buyer.id


def test_an_online_order_is_created_pending_then_placed_and_paid(db, buyer, stocked, place, heard_signals, seller):
    owner, org = seller
    org.bank_account_number, org.bank_bin, org.bank_account_name = "0123456789", "970436", "HTX BUOI DIEN"
    db.session.commit()
    (order,) = place(_cart(db, buyer, stocked), buyer, method="vietqr")
    assert heard_signals.names() == ["order_created"]
    assert heard_signals.of("order_created")[0]["status"] == "pending_payment"
    assert services.mark_paid(order, "bank", "tx-1", order.total)
    assert heard_signals.names() == ["order_created"]  # not before the commit
    db.session.commit()
    assert heard_signals.names() == ["order_created", "order_placed", "order_paid"]
    placed, paid = heard_signals.of("order_placed")[0], heard_signals.of("order_paid")[0]
    assert placed["from_status"] == "pending_payment" and placed["actor_id"] is None
    assert paid["order_id"] == order.id and paid["provider"] == "bank" and paid["total"] == order.total
    assert paid["paid_at"] is not None


@pytest.mark.parametrize("path", [("confirmed", "packed", "shipped", "delivered"), ("cancelled",),
                                  ("confirmed", "refunded")])
def test_every_status_an_order_enters_is_announced(db, buyer, stocked, place, heard_signals, seller, path):
    owner, _ = seller
    (order,) = place(_cart(db, buyer, stocked), buyer)
    if "refunded" in path:  # only an order whose money came in is refunded
        services.mark_paid(order, "manual", None, order.total, owner)
        db.session.commit()
    del heard_signals[:]
    for status in path:
        services.transition(order, status, owner)
        db.session.commit()
        payload = heard_signals[-1][1]
        assert heard_signals[-1][0] == f"order_{status}"
        assert payload["status"] == status and payload["actor_id"] == owner.id and payload["order_id"] == order.id
    assert heard_signals.names() == [f"order_{status}" for status in path]
    assert heard_signals.of(f"order_{path[0]}")[0]["from_status"] == "placed"


def test_the_expiry_job_announces_the_cancellation(db, buyer, stocked, place, heard_signals, seller):
    from datetime import timedelta

    from app.core.dbtypes import utcnow

    owner, org = seller
    org.bank_account_number, org.bank_bin, org.bank_account_name = "0123456789", "970436", "HTX BUOI DIEN"
    db.session.commit()
    place(_cart(db, buyer, stocked), buyer, method="vietqr")
    assert services.expire_unpaid(utcnow() + timedelta(hours=2)) == 1
    db.session.commit()
    cancelled = heard_signals.of("order_cancelled")
    assert len(cancelled) == 1 and cancelled[0]["from_status"] == "pending_payment" and cancelled[0]["actor_id"] is None


def test_a_checkout_that_fails_announces_nothing(db, buyer, stocked, seller, make_product, place, heard_signals):
    from app.shop import inventory

    cart = _cart(db, buyer, stocked, 5)
    inventory.reserve_stock(stocked.id, 8, reason="sold elsewhere meanwhile")
    db.session.commit()
    with pytest.raises(OutOfStock):
        place(cart, buyer)
    db.session.rollback()
    db.session.commit()
    assert heard_signals == []


# The committing callers: an HTML view's unit_of_work, a payment webhook. ---------------------------------------

def test_a_seller_view_announces_after_its_unit_of_work_and_not_when_refused(db, client, auth, buyer, stocked, place,
                                                                            seller, heard_signals):
    owner, org = seller
    (order,) = place(_cart(db, buyer, stocked), buyer)
    number = order.number
    del heard_signals[:]
    auth.login_as(owner)
    url = f"/shop/manage/{org.slug}/orders/{number}/status"
    assert client.post(url, data={"to_status": "confirmed"}).status_code == 302
    assert heard_signals.names() == ["order_confirmed"] and heard_signals[0][1]["actor_id"] == owner.id
    client.post(url, data={"to_status": "placed"})  # not a move a seller makes: refused, rolled back
    client.post(url, data={"to_status": "delivered"})  # not from confirmed: refused by the state machine
    assert heard_signals.names() == ["order_confirmed"]


def test_a_bank_webhook_announces_the_payment(db, client, auth, buyer, stocked, address, seller, heard_signals):
    from tests.shop.ordering.test_webhooks import BANK_KEY, bank, vietqr_order

    client.application.config["BANK_WEBHOOK_API_KEY"] = BANK_KEY
    try:
        order = vietqr_order(db, client, auth, buyer, stocked, address, seller)
        del heard_signals[:]
        code = order.number.replace("-", "").lower()
        assert bank(client, f"MBVCB.123 {code} chuyen tien", order.total - 1000, 1).json["outcome"] == "amount_mismatch"
        assert heard_signals == []
        assert bank(client, f"MBVCB.123 {code} chuyen tien", order.total, 2).json["outcome"] == "paid"
    finally:
        client.application.config["BANK_WEBHOOK_API_KEY"] = None
    assert heard_signals.names() == ["order_placed", "order_paid"]
    assert heard_signals.of("order_paid")[0]["provider"] == "bank"
