"""Domain signals: what happened in a feature, announced after its commit to whoever subscribed (blinker).

A feature sends; another subscribes; neither imports the other (DESIGN.md: "domain signals, not imports").

Sending. A service queues the signal where the change is made, inside the unit of work:

    send_after_commit(order_paid, order_id=order.id, number=order.number, ...)

It is delivered after the transaction commits and never if it rolls back (`core.uow`, which also says where the
delivery runs and why it is safe to use the database there). A signal queued inside a SAVEPOINT that is rolled
back is dropped with it.

Subscribing. In the subscribing feature's `init_app(app)` (or blueprint registration):

    signals.order_paid.connect(record_withholding, sender=app)

    def record_withholding(app, *, order_id, total, **_):
        ...

The sender is the application that committed (`current_app`), so a subscriber connected with `sender=app` hears
only its own app (tests build several). Receivers take keyword arguments and should accept `**_`, so a payload
may grow without breaking them. Receivers run one after the other, in the committing thread, before the caller's
`commit()` returns: keep them short, and hand slow work (a message to Zalo, an e-mail) to a job or an outbox.
A receiver that raises is logged and skipped; the others still run and the caller never sees the error.
Delivery is at most once (a crash right after the commit loses it): what must not be lost is written by the
service in the transaction itself.

In the transaction. A subscriber whose own rows must commit or roll back with the change (the notification
outbox, the tax ledger) connects with `connect_in_transaction(signal, receiver, app)` instead. Such a receiver is
called at once when the signal is sent, inside the sender's transaction (and savepoint), with the same session:
it adds rows and flushes like a service, never commits, and an exception it raises is the sender's exception,
so the whole unit of work fails rather than commit an order without its ledger line. Keep these receivers to
writing rows; slow work belongs to the job that reads them after the commit.

Payload convention. Keyword arguments holding plain values only: ids, numbers (money as integer VND), short
strings, booleans, None, datetimes (aware, UTC), or lists/tuples/dicts of those. Never an ORM object: the
receiver runs after the commit, when the session's objects are expired, and must read what it needs by id.
`send_after_commit` refuses anything else with a TypeError, so a wrong payload fails in the sender's tests.
Every payload names its subject by id first (`order_id`, `live_id`, `reservation_id`).

The signals and their payloads:

Orders (shop; `app/shop/ordering/signals.py` builds the payloads):
    order_created   an order exists (checkout): order_id, number, organisation_id, buyer_id, status
                    ("pending_payment" or "placed"), payment_method, subtotal, shipping_fee, total
    order_placed    an order entered "placed": created so (cash on delivery) or paid online
    order_confirmed, order_packed, order_shipped, order_delivered, order_cancelled, order_refunded,
    order_returned  an order entered that status. These and order_placed carry: order_id, number,
                    organisation_id, buyer_id, from_status (None when created), status, total, payment_method,
                    actor_id (who made the change: the buyer at checkout, a seller; None for a guest, a payment
                    webhook or a job)
    order_paid      the money of an order came in (card, bank transfer, by hand): order_id, number,
                    organisation_id, buyer_id, total, provider ("stripe", "bank", "manual"), paid_at

Lives (livestream; `app/livestream/signals.py` builds the payloads):
    live_scheduled, live_started, live_ended
                    live_id, organisation_id, title, state, is_practice, at (scheduled_at / started_at / ended_at),
                    actor_id (who scheduled, put on air or ended it: for an RTMP publish the stream key's maker;
                    None for a job)
    hold_placed     a live reservation is held for a buyer (a comment's order line, or the waitlist):
                    reservation_id, live_id, user_id, live_product_id, variant_id, quantity, unit_price,
                    hold_until, source ("comment" or "waitlist")
    hold_cancelled  a held (or checked-out) line is given back: by the buyer's comment, the seller, or because its
                    shop order was cancelled; hold_expired: its hold ran out. Both: reservation_id, live_id,
                    user_id, live_product_id, variant_id, quantity, from_status, status
    hold_checked_out
                    a held line became part of a shop order: the hold fields above and order_id
    hold_expiring   a buyer's held lines in one live run out soon (sent once per buyer and live, with the
                    reminder): user_id, live_id, hold_until
    waitlist_served a waiting buyer got units: waitlist_id, live_id, live_product_id, user_id, reservation_id,
                    quantity
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from blinker import NamedSignal, Namespace
from flask import current_app, has_app_context

from .uow import after_commit

log = logging.getLogger(__name__)

_domain = Namespace()


def _signal(name: str, doc: str) -> NamedSignal:
    return _domain.signal(name, doc=doc)


order_created = _signal("order_created", "An order exists (checkout), pending payment or placed.")
order_placed = _signal("order_placed", "An order entered 'placed': created so, or paid online.")
order_confirmed = _signal("order_confirmed", "The seller confirmed an order (its stock is sold).")
order_packed = _signal("order_packed", "The seller packed an order.")
order_shipped = _signal("order_shipped", "An order left with the carrier.")
order_delivered = _signal("order_delivered", "An order reached the buyer.")
order_cancelled = _signal("order_cancelled", "An order was cancelled (by the seller, the buyer or the expiry).")
order_refunded = _signal("order_refunded", "An order was refunded.")
order_returned = _signal("order_returned", "The carrier brought an order back to the seller.")
order_paid = _signal("order_paid", "The money of an order came in.")

live_scheduled = _signal("live_scheduled", "A live was scheduled.")
live_started = _signal("live_started", "A live went on air.")
live_ended = _signal("live_ended", "A live ended.")
hold_placed = _signal("hold_placed", "Units are held for a buyer in a live (a comment or the waitlist).")
hold_cancelled = _signal("hold_cancelled", "A held or checked-out live line was given back.")
hold_expired = _signal("hold_expired", "A held live line ran out of time and was given back.")
hold_checked_out = _signal("hold_checked_out", "A held live line became part of a shop order.")
hold_expiring = _signal("hold_expiring", "A buyer's held lines in a live run out soon.")
waitlist_served = _signal("waitlist_served", "A buyer waiting for a sold-out live product got units.")

# An order entering a status announces it with the status's signal.
ORDER_STATUS_SIGNALS: dict[str, NamedSignal] = {
    "placed": order_placed, "confirmed": order_confirmed, "packed": order_packed, "shipped": order_shipped,
    "delivered": order_delivered, "cancelled": order_cancelled, "refunded": order_refunded,
    "returned": order_returned,
}

ALL: tuple[NamedSignal, ...] = tuple(_domain[name] for name in sorted(_domain))

_PLAIN = (str, int, float, bool, type(None), datetime, date, time)


def _check_plain(path: str, value: Any) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_plain(f"{path}[{index}]", item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"signal payload {path}: dict keys must be strings")
            _check_plain(f"{path}.{key}", item)
        return
    raise TypeError(f"signal payload {path}: {type(value).__name__} is not a plain value (send ids, not objects)")


def deliver(signal: NamedSignal, sender: Any, payload: dict[str, Any]) -> int:
    """Call every receiver of `signal` for `sender` now, each on its own: one that raises is logged and skipped.

    Returns how many receivers ran without error. `send_after_commit` queues this; call it directly only
    outside any transaction."""
    done = 0
    for receiver in list(signal.receivers_for(sender)):
        try:
            receiver(sender, **payload)
            done += 1
        except Exception:
            log.exception("signal %s: receiver %s failed; the others still run", signal.name,
                          getattr(receiver, "__qualname__", receiver))
    return done


# In-transaction receivers: {(signal name, id of the app): [receiver, ...]}, in the order they connected.
_in_transaction: dict[tuple[str, int], list[Callable[..., Any]]] = {}


def connect_in_transaction(signal: NamedSignal, receiver: Callable[..., Any], app: Any) -> None:
    """Call `receiver(app, **payload)` inside the sender's transaction whenever `app` sends `signal`."""
    if not isinstance(signal, NamedSignal) or not callable(receiver):
        raise TypeError("connect_in_transaction needs a blinker NamedSignal and a callable")
    receivers = _in_transaction.setdefault((signal.name, id(app)), [])
    if receiver not in receivers:
        receivers.append(receiver)


def disconnect_in_transaction(signal: NamedSignal, receiver: Callable[..., Any], app: Any) -> None:
    receivers = _in_transaction.get((signal.name, id(app)), [])
    if receiver in receivers:
        receivers.remove(receiver)


def send_after_commit(signal: NamedSignal, **payload: Any) -> None:
    """Announce `signal` with a plain-value payload: in-transaction receivers now, the others after the commit."""
    if not isinstance(signal, NamedSignal):
        raise TypeError("send_after_commit needs a blinker NamedSignal")
    for key, value in payload.items():
        _check_plain(key, value)
    sender = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    for receiver in list(_in_transaction.get((signal.name, id(sender)), ())):
        receiver(sender, **payload)  # part of the unit of work: its failure is the sender's
    after_commit(deliver, signal, sender, payload)
