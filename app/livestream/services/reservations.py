"""One line of a buyer's live cart: reserved from a comment (live allotment, limits, shelf) and given back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ...accounts.models import User
from ...core.dbtypes import rows_changed
from ...errors import DomainError, InvalidInput, OutOfStock
from ...extensions import db
from ...shop import inventory
from ...shop.models import Variant
from .. import allotment
from .. import flash as flash_sales
from .. import signals as live_signals
from ..models import ChatMessage, FlashSale, LiveProduct, LiveReservation, LiveSession
from ..parser import ParsedItem


class LimitExceeded(DomainError):
    status = 409
    code = "limit_exceeded"
    default_message = _l("You have reached the limit for this product in this live.")


def limit_exceeded(lp: LiveProduct, held: int) -> LimitExceeded:
    """The refusal when a buyer already holds `held` of the live product and asks more than its per-buyer limit."""
    return LimitExceeded(
        _l("You can order at most %(limit)s of %(code)s in this live (you already have %(held)s).",
           limit=lp.per_buyer_limit, code=lp.live_code, held=held),
        limit=lp.per_buyer_limit, held=held)


def _pick_variant(lp: LiveProduct, label: str | None) -> Variant:
    variants = lp.product.active_variants
    if label is not None:
        for v in variants:
            if v.label == label:
                return v
    labelled = [v for v in variants if v.label]
    if not variants:
        raise OutOfStock.left(lp.product.name, 0)
    if len(variants) == 1:
        return variants[0]
    raise InvalidInput(_l("Please say which option of %(code)s you want: %(labels)s.", code=lp.live_code,
                          labels=", ".join(v.label or "" for v in labelled)),
                       code="variant_required", options=[v.label for v in labelled])


def reserve_line(live: LiveSession, lp: LiveProduct, item: ParsedItem, user: User, message: ChatMessage,
             hold_until: datetime, flash: FlashSale | None = None) -> LiveReservation:
    """One item inside its own SAVEPOINT: live allotment, per-buyer limit (and flash cap), shop stock, claim-log row."""
    variant = _pick_variant(lp, item.variant)
    qty = item.quantity
    with db.session.begin_nested():
        if not allotment.take(lp, qty):
            raise allotment.out_of_stock(lp, variant.id)
        if lp.per_buyer_limit is not None:
            # Read after the allotment UPDATE, which holds this live product's row lock until commit.
            held = db.session.scalar(select(func.coalesce(func.sum(LiveReservation.quantity), 0)).where(
                LiveReservation.live_product_id == lp.id, LiveReservation.user_id == user.id,
                LiveReservation.status.in_(("held", "checked_out"))))
            held = int(held or 0)
            if held + qty > lp.per_buyer_limit:
                raise limit_exceeded(lp, held)
        if flash is not None:
            flash_held = flash_sales.flash_taken(flash, user.id)
            if flash_held + qty > flash.per_buyer_cap:
                raise LimitExceeded(
                    _l("The flash price of %(code)s is limited to %(limit)s per buyer (you already have %(held)s).",
                       limit=flash.per_buyer_cap, code=lp.live_code, held=flash_held),
                    limit=flash.per_buyer_cap, held=flash_held)
        try:
            inventory.reserve_stock(variant.id, qty, reason=f"live {live.id} message {message.id}", actor=user)
        except OutOfStock:
            raise allotment.out_of_stock(lp, variant.id) from None
        reservation = LiveReservation(session_id=live.id, user_id=user.id, live_product_id=lp.id,
                                      variant_id=variant.id, quantity=qty,
                                      unit_price=flash.price if flash is not None else lp.price_of(variant),
                                      status="held", hold_until=hold_until, message_id=message.id,
                                      flash_sale_id=flash.id if flash is not None else None)
        db.session.add(reservation)
        db.session.flush()
        live_signals.hold_placed(reservation, "comment")
    reservation.variant, reservation.live_product = variant, lp  # the console's line reads them: no lazy load
    return reservation


def release_reservation(reservation: LiveReservation, status: str, reason: str, actor: User | None = None) -> bool:
    """Give a held line back: status first (so two cancels never release twice), then the live allotment,
    then the shelf — the same lock order as a reservation (live product before variant)."""
    changed = db.session.execute(
        update(LiveReservation).where(LiveReservation.id == reservation.id, LiveReservation.status == "held")
        .values(status=status).execution_options(synchronize_session=False))
    if rows_changed(changed) != 1:
        return False
    allotment.give_back(reservation.live_product_id, reservation.quantity)
    inventory.release_stock(reservation.variant_id, reservation.quantity, reason, actor=actor)
    db.session.expire(reservation, ["status"])
    live_signals.hold_released(reservation, "held", status)
    return True


def cancel_held_lines(live: LiveSession, user: User, lp: LiveProduct | None,
                      message: ChatMessage) -> list[dict[str, Any]]:
    """A buyer's comment cancels their held lines in the live (of one product, or all): what it gave back."""
    stmt = select(LiveReservation).where(LiveReservation.session_id == live.id, LiveReservation.user_id == user.id,
                                         LiveReservation.status == "held").order_by(LiveReservation.id)
    if lp is not None:
        stmt = stmt.where(LiveReservation.live_product_id == lp.id)
    lines = []
    for res in db.session.scalars(stmt).all():
        if release_reservation(res, "cancelled", f"live {live.id} message {message.id}: cancelled", actor=user):
            lines.append({"code": res.live_product.live_code, "quantity": res.quantity,
                          "variant": res.variant.label})
    return lines
