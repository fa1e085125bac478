"""What the seller does from the console: answer, hide, pin, slow mode, cancel or confirm a buyer's lines."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...accounts.models import User
from ...accounts.services import require_org_role
from ...core.dbtypes import utcnow
from ...errors import Conflict, InvalidInput, NotFound, NotSignedIn
from ...extensions import db
from .. import buyer_news, moderation
from ..models import CANCEL_REASONS, ChatMessage, LiveProduct, LiveReservation, LiveSession
from .comments import clean_client_id, clean_text
from .reservations import release_reservation
from .sessions import LiveNotOnAir


def post_seller_reply(actor: User | None, live: LiveSession, text: Any, client_id: Any = None, *,
                      now: datetime | None = None) -> ChatMessage:
    """A member of the organisation answers in the chat (never parsed as an order); a re-sent client_id changes nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise LiveNotOnAir(_l("This live has ended."))
    client_id = clean_client_id(client_id) if client_id is not None else None
    text = clean_text(text)
    if client_id is not None:
        earlier = db.session.scalar(select(ChatMessage).where(
            ChatMessage.session_id == live.id, ChatMessage.user_id == actor.id, ChatMessage.client_id == client_id))
        if earlier is not None:
            return earlier
    message = ChatMessage(session_id=live.id, user_id=actor.id, text=text, kind="chat", client_id=client_id,
                          created_at=now or utcnow(), by_shop=True)
    message.ack_json = json.dumps({"ok": True, "kind": "chat", "reserved": [], "errors": [], "seller": True})
    db.session.add(message)
    db.session.flush()
    return message


def hide_message(actor: User | None, live: LiveSession, message_id: Any) -> ChatMessage:
    require_org_role(actor, live.organisation, "staff")
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) and 0 < message_id < 2**31 else None
    if message is None or message.session_id != live.id:
        raise NotFound(_l("We could not find that message."))
    moderation.mark_hidden(message, "seller")
    db.session.flush()
    return message


def pin_product(actor: User | None, live: LiveSession, live_code: Any, pinned: bool = True) -> LiveProduct:
    """Pin one product (the card viewers see); pinning unpins the others."""
    require_org_role(actor, live.organisation, "staff")
    code = live_code.strip().upper() if isinstance(live_code, str) else ""
    products = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)).all()
    target = next((lp for lp in products if lp.live_code == code), None)
    if target is None:
        raise NotFound(_l("%(code)s is not in this live.", code=code or "?"), code="unknown_code")
    for lp in products:
        lp.pinned = bool(pinned) and lp is target
    db.session.flush()
    return target


def set_slow_mode(actor: User | None, live: LiveSession, seconds: Any) -> LiveSession:
    """Seller-controlled slow mode: each buyer may comment once every N seconds (0 turns it off)."""
    require_org_role(actor, live.organisation, "staff")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 3600:
        raise InvalidInput(_l("Slow mode must be between 0 and 3600 seconds."), code="invalid_slow_mode")
    live.slow_mode_seconds = seconds
    db.session.flush()
    return live


def get_reservation(live: LiveSession, reservation_id: Any) -> LiveReservation:
    reservation = (db.session.get(LiveReservation, reservation_id)
                   if isinstance(reservation_id, int) and not isinstance(reservation_id, bool)
                   and 0 < reservation_id < 2**31 else None)
    if reservation is None or reservation.session_id != live.id:
        raise NotFound(_l("We could not find that order line."), code="unknown_reservation")
    return reservation


def cancel_reservation(actor: User | None, reservation: LiveReservation, reason: Any = None) -> LiveReservation:
    """The seller cancels one held line of a buyer's live cart: stock and allotment go back, as a buyer's cancel;
    the buyer is told, with the reason the seller chose (one of CANCEL_REASONS; none given reads as "other")."""
    require_org_role(actor, reservation.session.organisation, "staff")
    if reason is not None and reason not in CANCEL_REASONS:
        raise InvalidInput(_l("Please choose why you cancel this line."), code="invalid_reason", field="reason")
    if not release_reservation(reservation, "cancelled", f"live {reservation.session_id} reservation "
                               f"{reservation.id}: cancelled by the seller", actor=actor):
        raise Conflict(_l("This order line is no longer held."), code="not_held")
    reservation.cancel_reason = reason or "other"
    buyer_news.line_cancelled(reservation, reservation.cancel_reason)
    return reservation


def confirm_buyer_lines(actor: User | None, live: LiveSession, user_id: Any,
                        now: datetime | None = None) -> list[LiveReservation]:
    """The seller confirms every held line of one buyer in this live at once; the buyer is told what and until when.

    Lines already confirmed stay as they are; a buyer with nothing held gets not_held."""
    require_org_role(actor, live.organisation, "staff")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 0 < user_id < 2**31:
        raise InvalidInput(_l("Choose a buyer from the list."), code="invalid_input", field="user_id")
    now = now or utcnow()
    lines = list(db.session.scalars(
        select(LiveReservation).where(LiveReservation.session_id == live.id, LiveReservation.user_id == user_id,
                                      LiveReservation.status == "held", LiveReservation.hold_until > now)
        .order_by(LiveReservation.id).options(joinedload(LiveReservation.live_product), joinedload(LiveReservation.variant))))
    if not lines:
        raise Conflict(_l("This buyer has no held lines in this live."), code="not_held")
    fresh = [r for r in lines if r.confirmed_at is None]
    for res in fresh:
        res.confirmed_at = now
    db.session.flush()
    if fresh:
        buyer_news.lines_confirmed(user_id, lines)
    return lines
