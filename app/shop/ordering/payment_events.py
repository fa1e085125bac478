"""Payment notifications applied to orders once: signed Stripe events and bank transfers in SePay's format.

Each is bound to the order it names before it moves money: a transfer must have reached the account the order's
VietQR named, a card event must be the order's own Checkout session (or PaymentIntent). Anything else is recorded,
changes nothing and waits on the seller's review list with the reason. The caller (the webhook) commits.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ...accounts.models import Organisation
from ...core.banks import bin_for_gateway
from ...core.money import MAX_VND
from ...errors import InvalidInput
from ...extensions import db
from ..payments.bank_notifications import BankNotification, account_digits
from ..payments.stripe_gateway import CURRENCY
from .models import BankReview, Order, PaymentEvent
from .services import TRANSITIONS, expire_unpaid, find_order, mark_paid, transition


def _seen(provider: str, external_id: str) -> bool:
    return db.session.scalar(select(PaymentEvent.id).where(PaymentEvent.provider == provider,
                                                           PaymentEvent.external_id == external_id)) is not None


def _record(provider: str, external_id: str, payload: Any, outcome: str, order: Order | None) -> PaymentEvent:
    event = PaymentEvent(provider=provider, external_id=external_id, payload=json.dumps(payload, default=str)[:20000],
                         outcome=outcome, order_id=order.id if order else None)
    db.session.add(event)
    # The unique (provider, external_id) makes a concurrent replay fail here, rolling back its effect too.
    db.session.flush()
    return event


def _card_review(event: PaymentEvent, order: Order, obj: dict[str, Any], reason: str) -> None:
    """A card event that names this order but does not match it goes to the seller's review list."""
    amount = obj.get("amount_total", obj.get("amount_refunded", obj.get("amount")))
    db.session.add(BankReview(payment_event_id=event.id, organisation_id=order.organisation_id, order_id=order.id,
                              order_number=order.number, amount=amount if _is_whole(amount) else 0,
                              content=f"Stripe {str(obj.get('id') or '')[:200]}", reason=reason, gateway="Stripe"))


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_VND


def _completed_mismatch(order: Order, obj: dict[str, Any]) -> str | None:
    """Why a paid Checkout session cannot pay this order, or None: it must be the session created for the order
    (card.py keeps its id), in dong, for exactly the order total."""
    if not order.stripe_session_id or obj.get("id") != order.stripe_session_id:
        return "session_mismatch"
    if str(obj.get("currency") or "").lower() != CURRENCY:
        return "currency_mismatch"
    if obj.get("amount_total") != order.total:
        return "amount_mismatch"
    return None


def _refund_mismatch(order: Order, obj: dict[str, Any]) -> str | None:
    """Why a refunded charge cannot refund this order, or None: the charge of the order's own payment, in dong,
    refunded in full (a partial refund is the seller's to settle by hand)."""
    if not order.stripe_payment_intent_id or obj.get("payment_intent") != order.stripe_payment_intent_id:
        return "refund_mismatch"
    if str(obj.get("currency") or "").lower() != CURRENCY or obj.get("amount") != order.total:
        return "refund_mismatch"
    if obj.get("refunded") is not True or obj.get("amount_refunded") != order.total:
        return "partial_refund"
    return None


def handle_stripe_event(event: dict[str, Any], now: datetime | None = None) -> str:
    """Apply a verified Stripe event once; returns the outcome. State only moves forward.

    A signature proves Stripe sent the event, not that it is about this order: a session or charge that is not
    the order's own, or another currency or amount, pays and refunds nothing and goes to the seller's review."""
    event_id = str(event.get("id") or "")
    if not event_id:
        raise InvalidInput(code="bad_event")
    if _seen("stripe", event_id):
        return "duplicate"
    kind = event.get("type")
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        obj = {}
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    order = find_order(obj.get("client_reference_id") or metadata.get("order_number"))
    outcome, review = "ignored", None
    if order is None:
        outcome = "unknown_order"
    elif kind == "checkout.session.completed":
        mismatch = _completed_mismatch(order, obj)
        if mismatch:
            outcome = review = mismatch
        elif obj.get("payment_status") != "paid":
            outcome = "not_paid_yet"
        elif order.paid_at is not None:
            outcome = "already_paid"
        elif order.status in ("cancelled", "refunded"):
            outcome, review = "paid_after_close", "order_closed"
        else:
            mark_paid(order, "stripe", event_id, order.total, now=now)
            intent = obj.get("payment_intent")
            order.stripe_payment_intent_id = intent[:255] if isinstance(intent, str) and intent else None
            outcome = "paid"
    elif kind == "checkout.session.expired":
        if not order.stripe_session_id or obj.get("id") != order.stripe_session_id:
            outcome = "session_mismatch"  # another session's end: this order's own may still be paid
        elif order.status == "pending_payment":
            transition(order, "cancelled", None, "card payment session expired", now=now)
            outcome = "cancelled"
        else:
            outcome = "stale"
    elif kind == "charge.refunded":
        mismatch = _refund_mismatch(order, obj)
        if mismatch:
            outcome = review = mismatch
        elif order.paid_at is not None and "refunded" in TRANSITIONS.get(order.status, ()):
            transition(order, "refunded", None, "refunded by card", now=now)
            outcome = "refunded"
        else:
            outcome = "stale"
    recorded = _record("stripe", event_id, event, outcome, order)
    if review and order is not None:
        _card_review(recorded, order, obj, review)
        db.session.flush()
    return outcome


def _paid_into_other_account(order: Order, notification: BankNotification) -> str | None:
    """None when the money went into the account the order's VietQR named; else the review reason.

    Account numbers compare as digits (the VA the bank reports counts too); when the notification names its
    bank, that bank must be the one of the QR, since the same digits can be an account at another bank."""
    bank_bin, account, _ = order.bank_account
    expected = account_digits(account)
    received = {account_digits(notification.account_number), account_digits(notification.sub_account)} - {""}
    if not expected or expected not in received:
        return "account_mismatch"
    if notification.gateway and bin_for_gateway(notification.gateway) != bank_bin:
        return "bank_mismatch"
    return None


def _receiving_organisation(notification: BankNotification) -> int | None:
    """The organisation whose account the money went into, when it is one of ours."""
    numbers = {account_digits(notification.account_number), account_digits(notification.sub_account)} - {""}
    if not numbers:
        return None
    query = select(Organisation.id).where(Organisation.bank_account_number.in_(sorted(numbers)))
    bank_bin = bin_for_gateway(notification.gateway)
    if bank_bin:
        query = query.where(Organisation.bank_bin == bank_bin)
    return db.session.scalar(query.order_by(Organisation.id).limit(1))


def _review(event: PaymentEvent, org_id: int | None, order: Order | None, number: str | None,
            notification: BankNotification, reason: str) -> None:
    db.session.add(BankReview(payment_event_id=event.id, organisation_id=org_id, order_id=order.id if order else None,
                              order_number=number, amount=notification.amount, content=notification.content,
                              reason=reason, gateway=notification.gateway[:40] or None,
                              account_number=account_digits(notification.account_number)[:32] or None))


def handle_bank_notification(notification: BankNotification, now: datetime | None = None) -> str:
    """Confirm the order a transfer names when the money went into the account its VietQR named and the amount
    is exact; anything else goes to the seller's review list with the reason."""
    if _seen("bank", notification.id):
        return "duplicate"
    if not notification.is_incoming:
        _record("bank", notification.id, notification.__dict__, "outgoing", None)
        return "outgoing"
    number = notification.order_number
    order = find_order(number) if number else None
    if order is not None:
        expire_unpaid(now, order)
    elsewhere = _paid_into_other_account(order, notification) if order is not None else None
    if order is None:
        reason = "unknown_order" if number else "no_order_number"
    elif elsewhere:
        reason = elsewhere
    elif order.paid_at is not None:
        reason = "already_paid"
    elif order.status in ("cancelled", "refunded"):
        reason = "order_closed"
    elif notification.amount != order.total:
        reason = "amount_mismatch"
    else:
        mark_paid(order, "bank", notification.id, notification.amount, now=now)
        _record("bank", notification.id, notification.__dict__, "paid", order)
        return "paid"
    event = _record("bank", notification.id, notification.__dict__, reason, order)
    receiver = _receiving_organisation(notification)
    _review(event, order.organisation_id if order else receiver, order, number, notification, reason)
    if elsewhere and receiver is not None and receiver != order.organisation_id:
        # The money sits in another seller's account: that seller has to send it back to the buyer.
        _review(event, receiver, None, number, notification, "other_sellers_order")
    db.session.flush()
    return reason
