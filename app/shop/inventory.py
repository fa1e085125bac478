"""The one place stock changes: conditional UPDATEs on variant counters, each recorded in the ledger.

Every function flushes and never commits; the caller (view, checkout, live reservation) commits once.
Invariant kept by every function and by the table's CHECK constraints:
    received = available + reserved + sold, and none of them is ever negative.

Typical flows:
    seller receives goods      receive_stock(variant, 20, actor, "harvest")
    buyer orders (or comments) reserve_stock(variant_id, 2, reason="order CL-7K3F9Q")
    order paid / delivered     sell_reserved(variant_id, 2, "order CL-7K3F9Q paid")
    order cancelled / expired  release_stock(variant_id, 2, "order CL-7K3F9Q expired")
    refund after sale          return_sold(variant_id, 2, "order CL-7K3F9Q refunded")
"""
from __future__ import annotations

from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, case, insert, select, update

from ..accounts.models import User
from ..core.dbtypes import rows_changed, utcnow
from ..core.pagecache.invalidation import note_rows
from ..errors import Conflict, InvalidInput, NotFound, OutOfStock
from ..extensions import db
from .models import StockMovement, Variant

MAX_QTY = 1_000_000_000  # a billion units in one movement is a typo, not a harvest
MAX_REASON = 200
_VARIANTS = cast(Table, Variant.__table__)
_MOVEMENTS = cast(Table, StockMovement.__table__)


def _check_qty(qty: int) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise InvalidInput(_l("The quantity must be a whole number above zero."), code="invalid_quantity")
    if qty > MAX_QTY:
        raise InvalidInput(_l("That quantity is too large."), code="invalid_quantity")
    return qty


def _reason(reason: str | None) -> str | None:
    text = " ".join(str(reason or "").split())
    return text[:MAX_REASON] or None


def _variant_id(variant: Variant | int) -> int:
    if isinstance(variant, bool):
        raise TypeError("a variant or its id, not a bool")
    return variant if isinstance(variant, int) else variant.id


def _apply(variant_id: int, condition, values: dict) -> bool:
    """Run one conditional UPDATE; True when the row matched (and so changed)."""
    result = db.session.execute(
        update(Variant).where(Variant.id == variant_id, *condition).values(**values)
        .execution_options(synchronize_session=False)
    )
    # Counters in a loaded Variant are now stale; reload them on next access.
    loaded = db.session.identity_map.get(db.session.identity_key(Variant, variant_id))
    if loaded is not None:
        db.session.expire(loaded, ["received", "available", "reserved", "sold"])
    return rows_changed(result) == 1


def _record(variant_id: int, kind: str, delta: int, reason: str | None, actor: User | None) -> StockMovement:
    movement = StockMovement(variant_id=variant_id, kind=kind, delta=delta, reason=_reason(reason),
                             actor_id=actor.id if actor is not None else None)
    db.session.add(movement)
    db.session.flush()
    return movement


def _existing(variant_id: int) -> Variant:
    variant = db.session.scalar(select(Variant).where(Variant.id == variant_id))
    if variant is None:
        raise NotFound(_l("This product option no longer exists."), code="no_such_variant")
    return variant


def receive_stock(variant: Variant | int, qty: int, actor: User | None, reason: str | None) -> StockMovement:
    """Goods arrived (harvest, delivery from a member): received and available both grow by qty."""
    variant_id = _variant_id(variant)
    _check_qty(qty)
    if not _apply(variant_id, (), {"received": Variant.received + qty, "available": Variant.available + qty}):
        _existing(variant_id)
        raise Conflict()
    return _record(variant_id, "received", qty, reason, actor)


def adjust_stock(variant: Variant | int, delta: int, actor: User | None, reason: str | None) -> StockMovement:
    """A stocktake correction (spoilt, miscounted): received and available move by delta, never below zero."""
    variant_id = _variant_id(variant)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidInput(_l("Enter how many units to add or remove (not zero)."), code="invalid_quantity")
    _check_qty(abs(delta))
    if not _reason(reason):
        raise InvalidInput(_l("Please say why the stock changes."), code="reason_required")
    condition = (Variant.available >= -delta,) if delta < 0 else ()
    if not _apply(variant_id, condition, {"received": Variant.received + delta, "available": Variant.available + delta}):
        current = _existing(variant_id)
        raise InvalidInput(
            _l("You cannot remove %(n)s: only %(available)s are available (reserved and sold units stay).",
               n=-delta, available=current.available),
            code="stock_below_zero",
        )
    return _record(variant_id, "adjust", delta, reason, actor)


def reserve_stock(variant_id: int, qty: int, *, reason: str | None, actor: User | None = None) -> None:
    """Hold qty units for an order or a live comment; raises OutOfStock when fewer are available."""
    _check_qty(qty)
    ok = _apply(variant_id, (Variant.available >= qty,),
                {"available": Variant.available - qty, "reserved": Variant.reserved + qty})
    if not ok:
        current = _existing(variant_id)
        raise OutOfStock.left(current.display_name, current.available, variant_id=variant_id)
    _record(variant_id, "reserve", qty, reason, actor)


def reserve_many(lines: list[tuple[int, int, str | None, int | None]]) -> None:
    """reserve_stock for many lines at once, (variant id, qty, reason, actor id) each, in order (the live batch's
    fast lane): one conditional UPDATE of the variants concerned, one ledger INSERT of every line. Raises OutOfStock
    unless every variant had enough available; some rows may then have changed, so the caller rolls back its
    SAVEPOINT (the fast lane checks in memory first: this is the guard, not the decision)."""
    totals: dict[int, int] = {}
    for variant_id, qty, _reason_text, _actor in lines:
        totals[variant_id] = totals.get(variant_id, 0) + _check_qty(qty)
    if not totals:
        return
    table = _VARIANTS
    by_id = case(totals, value=table.c.id)
    session = db.session()
    result = session.connection().execute(
        update(table).where(table.c.id.in_(totals), table.c.available >= by_id)
        .values(available=table.c.available - by_id, reserved=table.c.reserved + by_id))
    # The same page-cache tags as one reserve_stock per variant (sent on the connection, the ORM hook sees nothing).
    note_rows(session, Variant, sorted(totals), frozenset({"available", "reserved"}))
    for variant_id in totals:
        loaded = session.identity_map.get(session.identity_key(Variant, variant_id))
        if loaded is not None:
            session.expire(loaded, ["received", "available", "reserved", "sold"])
    if rows_changed(result) != len(totals):
        raise OutOfStock()
    _record_many("reserve", lines)


def _record_many(kind: str, lines: list[tuple[int, int, str | None, int | None]]) -> None:
    """_record for many lines, (variant id, delta, reason, actor id) each: one multi-row INSERT of the ledger."""
    db.session.connection().execute(insert(_MOVEMENTS), [
        {"variant_id": variant_id, "kind": kind, "delta": delta, "reason": _reason(reason), "actor_id": actor,
         "created_at": utcnow()} for variant_id, delta, reason, actor in lines])


def release_stock(variant_id: int, qty: int, reason: str | None, *, actor: User | None = None) -> None:
    """Give reserved units back to the shelf (order cancelled or expired before payment)."""
    _check_qty(qty)
    if not _apply(variant_id, (Variant.reserved >= qty,),
                  {"reserved": Variant.reserved - qty, "available": Variant.available + qty}):
        _existing(variant_id)
        raise Conflict(_l("Those units are not reserved any more."), code="not_reserved")
    _record(variant_id, "release", qty, reason, actor)


def sell_reserved(variant_id: int, qty: int, reason: str | None, *, actor: User | None = None) -> None:
    """Reserved units are sold (order paid or delivered)."""
    _check_qty(qty)
    if not _apply(variant_id, (Variant.reserved >= qty,),
                  {"reserved": Variant.reserved - qty, "sold": Variant.sold + qty}):
        _existing(variant_id)
        raise Conflict(_l("Those units are not reserved any more."), code="not_reserved")
    _record(variant_id, "sell", qty, reason, actor)


def return_sold(variant_id: int, qty: int, reason: str | None, *, actor: User | None = None) -> None:
    """Sold units come back to the shelf (cancellation or refund after payment)."""
    _check_qty(qty)
    if not _apply(variant_id, (Variant.sold >= qty,), {"sold": Variant.sold - qty, "available": Variant.available + qty}):
        _existing(variant_id)
        raise Conflict(_l("More units are returned than were sold."), code="not_sold")
    _record(variant_id, "return", qty, reason, actor)
