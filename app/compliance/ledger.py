"""The withholding ledger: VAT and PIT booked on a household seller's order lines when the order counts as paid,
reversed when it is cancelled or refunded afterwards. Written inside the order's own transaction.

When an order counts as paid (`counts_as_paid`): an order paid online (bank transfer, card, or a payment the
seller records by hand) when the money is recorded; a cash-on-delivery order when it is both delivered and
marked paid, whichever comes second. Who is withheld from: on a marketplace (the mode in force at that moment),
an organisation of kind household that is not a practice stall. Rows are never updated or deleted (the ORM guard
below, and a database trigger from migration 0020_compliance); a mistake is corrected by a new row.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..accounts.models import Organisation
from ..core.dbtypes import utcnow
from ..extensions import db
from ..livestream.models import LiveOrderLine
from ..shop.models import Product, Variant
from ..shop.ordering.models import Order, OrderEvent, OrderLine
from . import settings
from .models import WithholdingEntry


class ImmutableLedger(RuntimeError):
    """Raised when code tries to change or delete a ledger row: corrections are new rows."""


def counts_as_paid(order: Order) -> bool:
    if order.paid_at is None or order.status in ("cancelled", "refunded"):
        return False
    return order.payment_method != "cod" or order.status == "delivered"


def status_time(order: Order, status: str) -> datetime | None:
    """When the order last entered `status` (its history row; flushed before the status's signal is sent)."""
    return db.session.scalar(select(OrderEvent.created_at).where(OrderEvent.order_id == order.id,
                                                                 OrderEvent.to_status == status)
                             .order_by(OrderEvent.id.desc()).limit(1))


def channel_of(order_id: int) -> str:
    """'live' when the order checked out lines held in a live, else 'shop'."""
    found = db.session.scalar(select(LiveOrderLine.id).where(LiveOrderLine.order_id == order_id).limit(1))
    return "live" if found is not None else "shop"


def is_withheld(org: Organisation, at: datetime) -> bool:
    return settings.is_marketplace(at) and org.kind == "household" and not org.is_sandbox


def book_order(order: Order, at: datetime, reason: str) -> list[WithholdingEntry]:
    """Book the withholding of every line of `order` at `at`, once (a second call finds the rows and adds none)."""
    if not counts_as_paid(order) or not is_withheld(order.organisation, at):
        return []
    booked = set(db.session.scalars(select(WithholdingEntry.order_line_id).where(
        WithholdingEntry.order_id == order.id, WithholdingEntry.kind == "withholding")))
    channel = channel_of(order.id)
    categories = dict(db.session.execute(
        select(OrderLine.id, Product.category).join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id).where(OrderLine.order_id == order.id)).tuples().all())
    entries = []
    for line in order.lines:
        if line.id in booked:
            continue
        kind = settings.tax_kind_of(categories.get(line.id, ""), at)
        rate = settings.rate(kind or "", at)  # unclassified: the highest rate in force
        revenue = line.unit_price * line.quantity
        entry = WithholdingEntry(
            organisation_id=order.organisation_id, order_id=order.id, order_line_id=line.id, kind="withholding",
            reason=reason, period=settings.period_of(at), booked_at=at, channel=channel, tax_kind=rate.tax_kind,
            product_name=line.display_name[:160], revenue=revenue, vat_bp=rate.vat_bp, pit_bp=rate.pit_bp,
            vat=settings.withholding(revenue, rate.vat_bp), pit=settings.withholding(revenue, rate.pit_bp))
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    return entries


def reverse_order(order: Order, at: datetime, reason: str) -> list[WithholdingEntry]:
    """Offset every withholding of `order` not yet reversed, in the period of `at`, with exactly opposite amounts."""
    reversed_ids = select(WithholdingEntry.reverses_id).where(WithholdingEntry.order_id == order.id,
                                                              WithholdingEntry.kind == "reversal")
    originals = db.session.scalars(select(WithholdingEntry).where(
        WithholdingEntry.order_id == order.id, WithholdingEntry.kind == "withholding",
        WithholdingEntry.id.not_in(reversed_ids)).order_by(WithholdingEntry.id)).all()
    entries = []
    for original in originals:
        entry = WithholdingEntry(
            organisation_id=original.organisation_id, order_id=original.order_id,
            order_line_id=original.order_line_id, kind="reversal", reverses_id=original.id, reason=reason,
            period=settings.period_of(at), booked_at=at, channel=original.channel, tax_kind=original.tax_kind,
            product_name=original.product_name, revenue=-original.revenue, vat_bp=original.vat_bp,
            pit_bp=original.pit_bp, vat=-original.vat, pit=-original.pit)
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    return entries


# Receivers (core.signals.connect_in_transaction): they run inside the sender's unit of work -------------------------

def on_order_paid(app, *, order_id: int, paid_at: datetime | None = None, **_: Any) -> None:
    order = db.session.get(Order, order_id)
    if order is not None:
        book_order(order, paid_at or order.paid_at or utcnow(), "paid")


def on_order_delivered(app, *, order_id: int, **_: Any) -> None:
    """A cash-on-delivery order marked paid before it was delivered counts now."""
    order = db.session.get(Order, order_id)
    if order is not None and order.paid_at is not None:
        at = max(status_time(order, "delivered") or utcnow(), order.paid_at)
        book_order(order, at, "delivered")


def on_order_closed(app, *, order_id: int, status: str, **_: Any) -> None:
    """Cancelled, refunded or returned by the carrier: the withholding booked for it is offset."""
    order = db.session.get(Order, order_id)
    if order is not None:
        reverse_order(order, status_time(order, status) or utcnow(), status)


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, WithholdingEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableLedger("withholding entries are never changed or deleted; book a new row instead")
