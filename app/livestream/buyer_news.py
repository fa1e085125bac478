"""What happens to a buyer's live order, told to that buyer: privately on their open live pages (`buyer_notice`) and
in their notifications (unread when no live page of theirs is open; already read when one showed it at once).

Called inside the unit of work that made the change; the socket event goes out only after it commits."""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from flask_babel import force_locale, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts import notifications
from ..accounts.models import Notification, Organisation, User
from ..core import signals
from ..core.dbtypes import utcnow
from ..core.money import format_vnd
from ..core.uow import after_commit
from ..extensions import db, socketio
from ..shop.ordering.models import order_path
from . import viewers
from .models import CANCEL_REASONS, FlashSale, LiveOrderLine, LiveReservation

log = logging.getLogger(__name__)

NAMESPACE = "/live"
CART_PATH = "/live/cart"
TIME_FORMAT = "HH:mm dd/MM"  # in Asia/Ho_Chi_Minh (BABEL_DEFAULT_TIMEZONE), whatever the browser's zone

REASON_LABELS = {
    "sold_out": _l("the product ran out"),
    "buyer_asked": _l("you asked to cancel"),
    "duplicate": _l("the order was a duplicate"),
    "no_answer": _l("we could not reach you"),
    "wrong_price": _l("the price was wrong"),
    "other": _l("another reason"),
}
assert set(REASON_LABELS) == set(CANCEL_REASONS)


def buyer_room(user_id: int) -> str:
    """Every /live connection of one signed-in buyer, whichever live page it is on."""
    return f"live:buyer:{user_id}"


def reason_label(code: str | None) -> str:
    return str(REASON_LABELS.get(code or "other", REASON_LABELS["other"]))


def local_time(value: Any) -> str:
    """A stored UTC time as the buyer reads it: hours and day in Asia/Ho_Chi_Minh."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return format_datetime(moment, TIME_FORMAT)


def _online(user_id: int) -> bool:
    try:
        return viewers.current().user_online(user_id)
    except Exception:  # no presence, no harm: the notification stays unread
        log.warning("presence of user %s unknown", user_id, exc_info=True)
        return False


def _emit(user_id: int, payload: dict[str, Any]) -> None:
    socketio.emit("buyer_notice", payload, to=buyer_room(user_id), namespace=NAMESPACE)


def tell_buyer(user_id: int, kind: str, data: dict[str, Any], link: str | None = None, *,
               now: datetime | None = None, record: bool = True) -> Notification | None:
    """Record the news as a notification and, after the commit, push it to the buyer's open live pages.

    record=False: only the push; the notification is written by whoever else announces the event (the outbox)."""
    now = now or utcnow()
    note = notifications.notify(user_id, kind, data, link) if record else None
    if not _online(user_id):
        return note
    if note is not None:
        note.read_at = now  # shown on their live page at once: kept in the list, not counted as unread
    # A kind the outbox delivers later (app/notify) has no bell row yet: the page's copy is drawn from the same data.
    shown = note if note is not None else Notification(user_id=user_id, kind=kind, link=link,
                                                       data=json.dumps(data, ensure_ascii=False, default=str))
    locale = db.session.scalar(select(User.locale).where(User.id == user_id)) or str(get_locale() or "vi")
    with force_locale(locale):
        text = notifications.text_of(shown)
    payload = {"kind": kind, "text": text, "session_id": data.get("session_id"), "link": shown.link,
               "at": now.isoformat(), "reservation_ids": data.get("reservation_ids", [])}
    after_commit(_emit, user_id, payload)
    return note


# What each kind says (registered with accounts.notifications, drawn in the reader's language) -------------------

def _cancelled_text(data: dict[str, Any]) -> str:
    what = f"{data.get('quantity', 1)} × {data.get('name', '')}" + (f" {data['variant']}" if data.get("variant") else "")
    return _("The shop cancelled %(what)s held for you in “%(title)s”: %(reason)s.", what=what,
             title=data.get("title", ""), reason=reason_label(data.get("reason")))


def _confirmed_text(data: dict[str, Any]) -> str:
    return _("The shop confirmed your order in “%(title)s”: %(what)s. Check out before %(time)s.",
             title=data.get("title", ""), what=data.get("what", ""), time=local_time(data.get("hold_until")))


def _flash_text(data: dict[str, Any]) -> str:
    return _("The flash sale on %(name)s has ended. Your %(quantity)s at %(price)s stay held for you until %(time)s.",
             name=data.get("name", ""), quantity=data.get("quantity", 1),
             price=format_vnd(data.get("price"), str(get_locale() or "vi")), time=local_time(data.get("hold_until")))


def _order_text(data: dict[str, Any]) -> str:
    return _("%(org)s confirmed your order %(number)s. It will be packed and sent.", org=data.get("org", ""),
             number=data.get("number", ""))


notifications.register_text("hold_cancelled", _cancelled_text)
notifications.register_text("lines_confirmed", _confirmed_text)
notifications.register_text("flash_sale_ended", _flash_text)
notifications.register_text("order_confirmed", _order_text)


# The news itself ------------------------------------------------------------------------------------------------

def line_cancelled(reservation: LiveReservation, reason: str | None) -> Notification:
    lp = reservation.live_product
    return tell_buyer(reservation.user_id, "hold_cancelled",
                      {"session_id": reservation.session_id, "title": reservation.session.title,
                       "code": lp.live_code, "name": lp.product.name, "quantity": reservation.quantity,
                       "variant": reservation.variant.label if reservation.variant else None, "reason": reason,
                       "reservation_ids": [reservation.id]}, CART_PATH)


def lines_confirmed(user_id: int, lines: list[LiveReservation]) -> Notification:
    first = lines[0]
    what = ", ".join(f"{r.quantity} × {r.live_product.live_code}" + (f" {r.variant.label}" if r.variant and
                                                                      r.variant.label else "") for r in lines)
    return tell_buyer(user_id, "lines_confirmed",
                      {"session_id": first.session_id, "title": first.session.title, "what": what,
                       "hold_until": min(r.hold_until for r in lines).isoformat(),
                       "reservation_ids": [r.id for r in lines]}, CART_PATH)


def flash_sale_ended(sale: FlashSale) -> int:
    """Each buyer holding lines at an ended flash sale's price hears that the price stays theirs until the hold ends."""
    rows = db.session.execute(
        select(LiveReservation.user_id, LiveReservation.quantity, LiveReservation.hold_until, LiveReservation.id)
        .where(LiveReservation.flash_sale_id == sale.id, LiveReservation.status == "held")
        .order_by(LiveReservation.user_id, LiveReservation.id)).all()
    by_buyer: dict[int, list] = {}
    for user_id, quantity, hold_until, rid in rows:
        by_buyer.setdefault(user_id, []).append((quantity, hold_until, rid))
    lp = sale.live_product
    for user_id, lines in by_buyer.items():
        tell_buyer(user_id, "flash_sale_ended",
                   {"session_id": sale.session_id, "title": lp.session.title, "code": lp.live_code,
                    "name": lp.product.name, "quantity": sum(q for q, _, _ in lines), "price": sale.price,
                    "hold_until": min(h for _, h, _ in lines).isoformat(),
                    "reservation_ids": [rid for _, _, rid in lines]}, CART_PATH)
    return len(by_buyer)


def order_confirmed(_app: Any, *, order_id: int, number: str, organisation_id: int, buyer_id: int | None,
                    **_: Any) -> None:
    """signals.order_confirmed, inside the seller's transaction: a buyer whose order came from a live cart hears it
    on their open live pages (the shop knows nothing of lives, so the live hears the shop); the push follows the
    commit. The notification itself comes from the outbox (app/notify), which tells the buyer of every order."""
    if buyer_id is None or db.session.scalar(
            select(LiveOrderLine.id).where(LiveOrderLine.order_id == order_id).limit(1)) is None:
        return
    org = db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    tell_buyer(buyer_id, "order_confirmed", {"number": number, "org": org}, order_path(number), record=False)


def subscribe(app: Any) -> None:
    """Called when the livestream blueprint is registered: what the live hears from other features."""
    signals.connect_in_transaction(signals.order_confirmed, order_confirmed, app)
