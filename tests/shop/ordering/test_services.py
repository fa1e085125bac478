"""Cart rules, checkout, the order state machine, expiry and payment confirmations (service level)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.dbtypes import utcnow
from app.errors import InvalidInput, NotFound, OutOfStock
from app.shop.ordering import payment_events, services
from app.shop.ordering.models import BankReview, Order, OrderEvent
from app.shop.payments.bank_notifications import parse_sepay


def counters(db, variant):
    db.session.refresh(variant)
    return variant.available, variant.reserved, variant.sold


def cart_for(db, buyer):
    cart = services.get_cart(buyer, None, create=True)
    db.session.commit()
    return cart


def test_cart_refuses_unknown_draft_and_too_many(db, buyer, stocked, seller, make_product):
    owner, org = seller
    cart = cart_for(db, buyer)
    with pytest.raises(NotFound):
        services.add_to_cart(cart, 999999, 1)
    draft = make_product(owner, org, "Chè nháp", stock=5, status="draft")
    with pytest.raises(InvalidInput):
        services.add_to_cart(cart, draft.variants[0].id, 1)
    with pytest.raises(OutOfStock):
        services.add_to_cart(cart, stocked.id, 11)
    with pytest.raises(InvalidInput):
        services.add_to_cart(cart, stocked.id, 0)
    services.add_to_cart(cart, stocked.id, 4)
    services.add_to_cart(cart, stocked.id, 3)
    assert cart.lines[0].quantity == 7
    with pytest.raises(OutOfStock):
        services.add_to_cart(cart, stocked.id, 4)
    services.update_cart_line(cart, stocked.id, 2)
    assert cart.lines[0].quantity == 2
    services.update_cart_line(cart, stocked.id, 0)
    assert cart.lines == []


def test_guest_cart_merges_at_sign_in(db, buyer, stocked):
    guest = services.get_cart(None, "guest-token-1", create=True)
    services.add_to_cart(guest, stocked.id, 2)
    mine = cart_for(db, buyer)
    services.add_to_cart(mine, stocked.id, 1)
    db.session.commit()
    merged = services.merge_guest_cart("guest-token-1", buyer)
    db.session.commit()
    assert merged.id == mine.id and merged.lines[0].quantity == 3
    assert services.get_cart(None, "guest-token-1") is None


def test_checkout_reserves_and_is_idempotent(db, buyer, stocked, place):
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 3)
    orders = place(cart, buyer, key="same-key")
    assert len(orders) == 1 and orders[0].status == "placed"
    assert orders[0].subtotal == 180000 and orders[0].shipping_fee == 30000 and orders[0].total == 210000
    assert counters(db, stocked) == (7, 3, 0)
    services.add_to_cart(cart, stocked.id, 1)
    again = place(cart, buyer, key="same-key")
    assert [o.id for o in again] == [orders[0].id]
    assert counters(db, stocked) == (7, 3, 0)


def test_free_shipping_above_threshold(db, buyer, stocked, place):
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 9)  # 540.000 ₫
    order = place(cart, buyer)[0]
    assert order.shipping_fee == 0 and order.total == 540000


def test_checkout_all_or_nothing(db, buyer, stocked, seller, make_product, address):
    owner, org = seller
    other = make_product(owner, org, "Chè", stock=2).variants[0]
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 2)
    services.add_to_cart(cart, other.id, 2)
    db.session.commit()
    from app.shop import inventory
    inventory.reserve_stock(other.id, 1, reason="someone else")
    db.session.commit()
    with pytest.raises(OutOfStock):
        services.checkout(cart, buyer, name="A", phone="0912345678", street="x", note=None, payment_method="cod",
                          idempotency_key="k", **address)
    db.session.rollback()
    assert counters(db, stocked) == (10, 0, 0)
    assert db.session.query(Order).count() == 0


def test_illegal_transitions_refused_and_cancel_returns_stock(db, buyer, stocked, place, seller):
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 2)
    order = place(cart, buyer)[0]
    with pytest.raises(InvalidInput):
        services.transition(order, "shipped", None)
    with pytest.raises(InvalidInput):
        services.transition(order, "pending_payment", None)
    services.transition(order, "confirmed", seller[0])
    assert counters(db, stocked) == (8, 0, 2)
    services.transition(order, "cancelled", seller[0], "buyer changed mind")
    db.session.commit()
    assert counters(db, stocked) == (10, 0, 0)
    assert [e.to_status for e in order.events] == ["placed", "confirmed", "cancelled"]
    assert order.events[1].actor_id == seller[0].id
    with pytest.raises(InvalidInput):
        services.transition(order, "confirmed", None)


def test_unpaid_online_order_expires_and_returns_stock(db, buyer, stocked, place, seller):
    owner, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX"
    db.session.commit()
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 2)
    order = place(cart, buyer, method="vietqr", payment_minutes=30)[0]
    assert order.status == "pending_payment" and counters(db, stocked) == (8, 2, 0)
    assert services.expire_unpaid(utcnow() + timedelta(minutes=10)) == 0
    later = utcnow() + timedelta(minutes=31)
    services.order_for_buyer(buyer, order.number.lower().replace("-", " "), now=later)
    db.session.commit()
    assert order.status == "cancelled" and counters(db, stocked) == (10, 0, 0)


def bank_body(content, amount, tid="1001"):
    return {"id": tid, "gateway": "Vietcombank", "transactionDate": "2026-11-28 10:00:00",
            "accountNumber": "0123456789", "content": content, "transferType": "in",
            "transferAmount": amount, "referenceCode": "FT1"}


def test_bank_notifications(db, buyer, stocked, place, seller):
    owner, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX"
    db.session.commit()
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 1)
    order = place(cart, buyer, method="vietqr")[0]
    code = order.number.replace("-", "")
    assert payment_events.handle_bank_notification(parse_sepay(bank_body(f"MBVCB.1 {code} FT", 1000, "1"))) == "amount_mismatch"
    assert payment_events.handle_bank_notification(parse_sepay(bank_body("CL-ZZZZZZ", order.total, "2"))) == "unknown_order"
    assert payment_events.handle_bank_notification(parse_sepay(bank_body(f"NGUYEN{code}CK", order.total, "3"))) == "paid"
    assert payment_events.handle_bank_notification(parse_sepay(bank_body(f"NGUYEN{code}CK", order.total, "3"))) == "duplicate"
    db.session.commit()
    assert order.status == "placed" and order.paid_at is not None
    assert counters(db, stocked) == (9, 0, 1)
    reviews = db.session.query(BankReview).all()
    assert sorted(r.reason for r in reviews) == ["amount_mismatch", "unknown_order"]
    assert all(r.organisation_id == org.id for r in reviews)
    assert db.session.query(OrderEvent).filter_by(order_id=order.id, to_status="placed").count() == 1


def test_shipping_rule_per_organisation(db, buyer, stocked, seller, place, factory):
    owner, org = seller
    from app.errors import Forbidden
    with pytest.raises(Forbidden):
        services.set_shipping_rule(factory.user("Lạ"), org, 0, None)
    services.set_shipping_rule(owner, org, 15000, 100000)
    db.session.commit()
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 1)
    assert place(cart, buyer)[0].shipping_fee == 15000
    services.add_to_cart(cart, stocked.id, 2)
    assert place(cart, buyer)[0].shipping_fee == 0


def _vietqr_order(db, buyer, stocked, place, seller, qty, **extra):
    org = seller[1]
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX"
    db.session.commit()
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, qty)
    return place(cart, buyer, method="vietqr", **extra)[0]


def test_a_stale_copy_of_an_order_cannot_move_it_again(app, db, buyer, stocked, place, seller):
    from app.errors import Conflict

    order = _vietqr_order(db, buyer, stocked, place, seller, 2)
    with app.app_context():  # another request cancels it meanwhile
        services.transition(db.session.get(Order, order.id), "cancelled", None)
        db.session.commit()
    assert order.status == "pending_payment"  # what this request read before
    with pytest.raises(Conflict) as refused:
        services.transition(order, "cancelled", None)
    assert refused.value.code == "order_changed"
    db.session.rollback()
    assert counters(db, stocked) == (10, 0, 0)  # released once, not twice
    assert [e.to_status for e in db.session.get(Order, order.id).events] == ["pending_payment", "cancelled"]


def test_a_payment_racing_a_manual_payment_counts_once(app, db, buyer, stocked, place, seller):
    order = _vietqr_order(db, buyer, stocked, place, seller, 2)
    with app.app_context():  # the seller records the transfer by hand meanwhile
        assert services.mark_paid(db.session.get(Order, order.id), "manual", None, order.total)
        db.session.commit()
    assert order.paid_at is None  # this request's copy is stale
    assert services.mark_paid(order, "bank", "tx-9", order.total) is False
    db.session.commit()
    assert counters(db, stocked) == (8, 0, 2)


def test_lazy_expiry_and_the_job_at_once_release_the_stock_once(app, db, buyer, stocked, place, seller):
    import threading

    order = _vietqr_order(db, buyer, stocked, place, seller, 2, payment_minutes=30)
    other = _vietqr_order(db, buyer, stocked, place, seller, 3)  # reserved units a double release could take
    assert counters(db, stocked) == (5, 5, 0)
    later = utcnow() + timedelta(minutes=45)
    gate, errors = threading.Barrier(8), []

    def worker(i):
        with app.app_context():
            try:
                gate.wait(10)
                if i % 2:
                    services.expire_unpaid(later)
                else:
                    services.order_for_buyer(buyer, order.number, now=later)
                db.session.commit()
            except Exception as exc:  # collected for the assertion below
                db.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.get(Order, other.id).status == "pending_payment"
    assert counters(db, stocked) == (7, 3, 0)
    assert db.session.query(OrderEvent).filter_by(order_id=order.id, to_status="cancelled").count() == 1


def test_an_unpaid_order_is_cancelled_never_refunded(db, buyer, stocked, seller, place):
    owner, org = seller
    cart = cart_for(db, buyer)
    services.add_to_cart(cart, stocked.id, 1)
    cod = place(cart, buyer)[0]
    assert services.seller_targets(cod) == ["confirmed", "cancelled"]
    with pytest.raises(InvalidInput) as refused:
        services.seller_transition(owner, org, cod.number, "refunded")
    assert refused.value.code == "illegal_transition" and cod.status == "placed"
    services.seller_transition(owner, org, cod.number, "confirmed")
    assert services.seller_targets(cod) == ["packed", "cancelled"]
    services.seller_mark_paid(owner, org, cod.number)  # the courier brought the cash
    assert services.seller_targets(cod) == ["packed", "cancelled", "refunded"]
    services.seller_transition(owner, org, cod.number, "refunded")
    db.session.commit()
    assert cod.status == "refunded"
