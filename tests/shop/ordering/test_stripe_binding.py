"""A signed Stripe event pays or refunds an order only when it is about the order's own Checkout session."""
from __future__ import annotations

import pytest

from app.shop.ordering.models import BankReview, Order, PaymentEvent

from .test_views import checkout_form, counters
from .test_webhooks import charge_object, session_object, signed, stripe_on  # noqa: F401 - fixture


def card_order(db, client, auth, user, variant, address, key, *, pay_page=True) -> Order:
    auth.login_as(user)
    client.post("/shop/cart/add", data={"variant_id": variant.id, "quantity": 1})
    response = client.post("/shop/checkout", data=checkout_form(address, "stripe", key=key))
    assert response.status_code == 302
    if pay_page:
        assert client.get(response.location).status_code == 303
    auth.logout()
    db.session.expire_all()
    return db.session.scalars(db.select(Order).where(Order.buyer_id == user.id).order_by(Order.id.desc())).first()


def state(db, order) -> tuple[str, bool]:
    db.session.expire_all()
    same = db.session.get(Order, order.id)
    return same.status, same.paid_at is not None


def outcome(db, event_id) -> str:
    return db.session.scalars(db.select(PaymentEvent.outcome).where(PaymentEvent.external_id == event_id)).one()


@pytest.fixture
def two_orders(db, client, auth, factory, buyer, stocked, address, stripe_on):  # noqa: F811
    mine = card_order(db, client, auth, buyer, stocked, address, "k-mine")
    cheap = card_order(db, client, auth, factory.user("Người khác"), stocked, address, "k-other")
    assert mine.stripe_session_id and cheap.stripe_session_id and mine.stripe_session_id != cheap.stripe_session_id
    return mine, cheap


def test_another_orders_paid_session_does_not_pay_this_order(db, client, auth, seller, stocked, two_orders):
    mine, other = two_orders
    # Stripe really did complete a session, but it is the other order's: only the reference points at mine.
    assert signed(client, "checkout.session.completed",
                  session_object(mine, id=other.stripe_session_id), "evt_swap").status_code == 200
    assert outcome(db, "evt_swap") == "session_mismatch" and state(db, mine) == ("pending_payment", False)
    assert counters(db, stocked) == (8, 2, 0)
    [review] = db.session.query(BankReview).all()
    assert (review.organisation_id, review.order_id, review.reason) == (seller[1].id, mine.id, "session_mismatch")
    auth.login_as(seller[0])
    page = client.get(f"/shop/manage/{seller[1].slug}/bank-reviews").get_data(as_text=True)
    assert mine.number in page and "phiên thanh toán khác" in page
    # its own session pays it
    signed(client, "checkout.session.completed", session_object(mine), "evt_own")
    assert outcome(db, "evt_own") == "paid" and state(db, mine) == ("placed", True)


def test_an_order_whose_session_was_never_created_cannot_be_paid(db, client, auth, buyer, stocked, address,
                                                                 stripe_on):  # noqa: F811
    order = card_order(db, client, auth, buyer, stocked, address, "k1", pay_page=False)
    assert order.stripe_session_id is None
    signed(client, "checkout.session.completed", session_object(order, id="cs_test_forged"), "evt_1")
    assert outcome(db, "evt_1") == "session_mismatch" and state(db, order) == ("pending_payment", False)


@pytest.mark.parametrize("changes, reason", [
    ({"currency": "usd"}, "currency_mismatch"),
    ({"currency": None}, "currency_mismatch"),
    ({"amount_total": 1}, "amount_mismatch"),
    ({"amount_total": "150000"}, "amount_mismatch"),
    ({"id": None}, "session_mismatch"),
])
def test_a_session_in_another_currency_or_amount_pays_nothing(db, client, two_orders, changes, reason):
    mine, _ = two_orders
    signed(client, "checkout.session.completed", session_object(mine, **changes), "evt_bad")
    assert outcome(db, "evt_bad") == reason and state(db, mine) == ("pending_payment", False)
    assert db.session.query(BankReview).one().reason == reason


def test_another_sessions_expiry_does_not_cancel_this_order(db, client, two_orders):
    mine, other = two_orders
    signed(client, "checkout.session.expired", session_object(mine, id=other.stripe_session_id), "evt_exp")
    assert outcome(db, "evt_exp") == "session_mismatch" and state(db, mine) == ("pending_payment", False)


def test_a_refund_must_be_of_this_orders_own_payment_and_whole(db, client, stocked, two_orders):
    mine, other = two_orders
    signed(client, "checkout.session.completed", session_object(mine), "evt_paid")
    assert state(db, mine) == ("placed", True)
    for event_id, changes, reason in (
            ("evt_r1", {"payment_intent": f"pi_{other.number}"}, "refund_mismatch"),
            ("evt_r2", {"currency": "usd"}, "refund_mismatch"),
            ("evt_r3", {"amount": mine.total + 1}, "refund_mismatch"),
            ("evt_r4", {"refunded": False, "amount_refunded": 10000}, "partial_refund")):
        signed(client, "charge.refunded", charge_object(mine, **changes), event_id)
        assert outcome(db, event_id) == reason and state(db, mine) == ("placed", True)
    assert sorted(r.reason for r in db.session.query(BankReview)) == [
        "partial_refund", "refund_mismatch", "refund_mismatch", "refund_mismatch"]
    signed(client, "charge.refunded", charge_object(mine), "evt_full")
    assert outcome(db, "evt_full") == "refunded" and state(db, mine) == ("refunded", True)
