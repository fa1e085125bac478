"""The live allotment ledger: the one place a live product's `allotment_used` changes, as shop/inventory.py is for stock.

A live product's allotment is the part of the shelf the seller put on the live; `allotment_used` counts the units
held or checked out from it (lines of buyers' live carts). Each change is one conditional UPDATE whose row count
says whether it happened, so two buyers racing for the last unit never both get it and a line is never given back
twice; the table's CHECK keeps 0 <= allotment_used <= allotment besides. Nothing else writes the column
(tests/test_architecture.py reads the source to make sure).

Lock order, everywhere: the live product (take/give_back) before the variant (shop inventory), so a comment's
reservation and a seller's cancel never wait on each other in opposite orders. Functions flush nothing and never
commit: they run inside the caller's unit of work (and its SAVEPOINT, for one line of a comment).

    take(lp, 2)        a comment's line or a waiting buyer is served: False when fewer than 2 are left
    give_back(lp, 2)   a held line is cancelled or expires, or its shop order is cancelled
"""
from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import Table, case, func, select, update

from ..core.dbtypes import rows_changed
from ..errors import OutOfStock
from ..extensions import db
from ..shop.models import Variant
from .models import LiveProduct

log = logging.getLogger(__name__)

def _id(lp: LiveProduct | int) -> int:
    if isinstance(lp, bool):
        raise TypeError("a live product or its id, not a bool")
    return lp if isinstance(lp, int) else lp.id


def _apply(lp_id: int, condition, delta) -> bool:
    result = db.session.execute(
        update(LiveProduct).where(LiveProduct.id == lp_id, condition)
        .values(allotment_used=LiveProduct.allotment_used + delta).execution_options(synchronize_session=False))
    # A loaded LiveProduct now holds a stale count: reload it on next access (no statement until then).
    loaded = db.session.identity_map.get(db.session.identity_key(LiveProduct, lp_id))
    if loaded is not None:
        db.session.expire(loaded, ["allotment_used"])
    return rows_changed(result) == 1


def take(lp: LiveProduct | int, qty: int) -> bool:
    """Take `qty` units of the live's allotment; False, and nothing changed, when fewer are left."""
    return _apply(_id(lp), LiveProduct.allotment_used + qty <= LiveProduct.allotment, qty)


def take_many(taken: dict[int, int]) -> bool:
    """take() for many live products at once, {live product id: qty} (the live batch's fast lane): one conditional
    UPDATE. False unless every one had enough left; some rows may then have changed, so the caller rolls back its
    SAVEPOINT (the fast lane checks in memory first: this is the guard, not the decision)."""
    if not taken:
        return True
    table = cast(Table, LiveProduct.__table__)
    by_id = case(taken, value=table.c.id)
    session = db.session()
    result = session.connection().execute(
        update(table).where(table.c.id.in_(taken), table.c.allotment_used + by_id <= table.c.allotment)
        .values(allotment_used=table.c.allotment_used + by_id))
    for lp_id in taken:
        loaded = session.identity_map.get(session.identity_key(LiveProduct, lp_id))
        if loaded is not None:
            session.expire(loaded, ["allotment_used"])
    return rows_changed(result) == len(taken)


def give_back(lp: LiveProduct | int, qty: int) -> bool:
    """Give `qty` units back to the live's allotment; False, and nothing changed, when fewer are in use.

    Callers give a line back only after winning its status change, so False means the count was already short:
    logged, and the line's status change stands (the count is never driven below zero)."""
    lp_id = _id(lp)
    if _apply(lp_id, LiveProduct.allotment_used >= qty, -qty):
        return True
    log.warning("live product %s: %s unit(s) given back, but fewer are in use", lp_id, qty)
    return False


def remaining(lp: LiveProduct, variant_id: int | None = None) -> int:
    """Units a buyer can still order on the live: the allotment left, and never more than the shelf holds
    (of one option when `variant_id` is given)."""
    used, allotment = db.session.execute(
        select(LiveProduct.allotment_used, LiveProduct.allotment).where(LiveProduct.id == lp.id)).one()
    stmt = select(func.coalesce(func.sum(Variant.available), 0)).where(Variant.product_id == lp.product_id,
                                                                       Variant.is_active.is_(True))
    if variant_id is not None:
        stmt = stmt.where(Variant.id == variant_id)
    return max(0, min(allotment - used, int(db.session.scalar(stmt))))


def out_of_stock(lp: LiveProduct, variant_id: int | None = None) -> OutOfStock:
    """The refusal a buyer reads when the live cannot give what they asked: sold out, or only N left."""
    return OutOfStock.left(lp.product.name, remaining(lp, variant_id))
