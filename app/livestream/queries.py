"""Read-side live queries: lives on air and coming up, the live catalog, chat history, the claim log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..accounts import privacy
from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..extensions import db
from ..shop.models import Product, Variant
from .models import ChatMessage, LiveProduct, LiveReservation, LiveSession
from .moderation import hide_reason_label

MAX_REPLAY = 500


def mask_name(name: str | None) -> str:
    """'Nguyễn Thị Lan' → 'Lan ***': Vietnamese people are called by the last word of their name."""
    words = (name or "").split()
    return f"{words[-1][:20]} ***" if words else "***"


def author_name(user: User | None, full: bool = False) -> str:
    """Who wrote a chat line: the masked name (everyone), the full name (the organisation's members), or, for an
    account its owner deleted, "Buyer deleted their account" for both."""
    if user is not None and user.deleted_at is not None:
        return privacy.deleted_label()
    name = user.name if user is not None else None
    return (name or "") if full else mask_name(name)


def current_and_upcoming(limit: int = 20) -> list[LiveSession]:
    """Lives on air first, then the scheduled ones soonest first."""
    order = case((LiveSession.state == "live", 0), else_=1)
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.state.in_(("live", "scheduled")), LiveSession.is_practice.is_(False))
        .order_by(order, LiveSession.scheduled_at, LiveSession.id).limit(limit)
        .options(selectinload(LiveSession.organisation))))


def recently_ended(limit: int = 10) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.state == "ended", LiveSession.is_practice.is_(False))
        .order_by(LiveSession.ended_at.desc(), LiveSession.id.desc()).limit(limit)
        .options(selectinload(LiveSession.organisation))))


@dataclass
class CatalogLine:
    live_product: LiveProduct
    code: str
    name: str
    price: int
    remaining: int
    unit: str
    options: list[str]
    pinned: bool

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "price": self.price, "remaining": self.remaining,
                "unit": self.unit, "options": self.options, "pinned": self.pinned}


def catalog(live: LiveSession) -> list[CatalogLine]:
    """The live's products with live code, price and what a buyer can still order."""
    products = db.session.scalars(
        select(LiveProduct).where(LiveProduct.session_id == live.id).order_by(LiveProduct.position, LiveProduct.id)
        .options(selectinload(LiveProduct.product).selectinload(Product.variants))).all()
    lines = []
    for lp in products:
        variants = lp.product.active_variants
        shelf = sum(v.available for v in variants)
        price = lp.live_price if lp.live_price is not None else lp.product.min_price
        lines.append(CatalogLine(lp, lp.live_code, lp.product.name, price, max(0, min(lp.allotment_left, shelf)),
                                 lp.product.unit_label, [v.label for v in variants if v.label], lp.pinned))
    return lines


def remaining_by_code(session_id: int) -> dict[str, int]:
    """One query: {live code: units still orderable}, for the ticker after a commit.

    The shelf of each live product is summed by a correlated subquery on its own variants (their product_id index),
    not by a grouped sum over every variant of the platform joined afterwards: an order storm asks this per order."""
    shelf = (select(func.coalesce(func.sum(Variant.available), 0))
             .where(Variant.product_id == LiveProduct.product_id, Variant.is_active.is_(True))
             .correlate(LiveProduct).scalar_subquery())
    rows = db.session.execute(
        select(LiveProduct.live_code, LiveProduct.allotment - LiveProduct.allotment_used, shelf)
        .where(LiveProduct.session_id == session_id)).all()
    return {code: max(0, min(int(left), int(available))) for code, left, available in rows}


def message_payload(message: ChatMessage) -> dict[str, Any]:
    """A chat message as everyone but the organisation's members receives it: its public copy (phones and street
    addresses masked, core.privacy) as plain text (clients insert it with textContent) and the buyer's masked name;
    a line written by a member (a console reply or a member's comment) carries the organisation's name and
    seller: true, so the shop always speaks as the shop."""
    payload: dict[str, Any] = {"id": message.id, "session_id": message.session_id,
                               "user": author_name(message.user),
                               "text": message.public_text, "kind": message.kind,
                               "created_at": message.created_at.isoformat()}
    if message.by_shop:
        payload["user"], payload["seller"] = message.session.organisation.name, True
    return payload


def messages_after(session_id: int, last_id: int, limit: int = MAX_REPLAY) -> list[ChatMessage]:
    """Visible messages newer than last_id, oldest first (the reconnect replay)."""
    return list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.id > last_id,
                                  ChatMessage.hidden.is_(False))
        .order_by(ChatMessage.id).limit(limit).options(selectinload(ChatMessage.user))))


def recent_messages(session_id: int, limit: int = 50) -> list[ChatMessage]:
    """The last visible messages, oldest first (the chat a new page shows)."""
    rows = db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.hidden.is_(False))
        .order_by(ChatMessage.id.desc()).limit(limit).options(selectinload(ChatMessage.user))).all()
    return list(reversed(rows))


def claim_log(session_id: int) -> list[LiveReservation]:
    """Every order line of a live with its server time, first come first: settles 'I commented first'."""
    return list(db.session.scalars(
        select(LiveReservation).where(LiveReservation.session_id == session_id)
        .order_by(LiveReservation.created_at, LiveReservation.id)
        .options(selectinload(LiveReservation.user), selectinload(LiveReservation.live_product)
                 .selectinload(LiveProduct.product), selectinload(LiveReservation.message))))


def buyer_reservations(session_id: int, user_id: int, status: str | None = "held") -> list[LiveReservation]:
    stmt = select(LiveReservation).where(LiveReservation.session_id == session_id, LiveReservation.user_id == user_id)
    if status:
        stmt = stmt.where(LiveReservation.status == status)
    return list(db.session.scalars(stmt.order_by(LiveReservation.id)))


def held_queue(session_id: int) -> list[LiveReservation]:
    """Buyers' held lines, first come first: the seller console's queue."""
    return list(db.session.scalars(
        select(LiveReservation).where(LiveReservation.session_id == session_id, LiveReservation.status == "held")
        .order_by(LiveReservation.created_at, LiveReservation.id)
        .options(selectinload(LiveReservation.user), selectinload(LiveReservation.variant),
                 selectinload(LiveReservation.live_product).selectinload(LiveProduct.product))))


def queue_line(res: LiveReservation) -> dict[str, Any]:
    """A held line as the seller console shows it (members see the buyer's full name)."""
    return _line(res.id, res.user.name if res.user else None, res.live_product.live_code, res.live_product.product.name,
                 res.variant.label if res.variant else None, res.quantity, res.unit_price, res.created_at, res.status,
                 res.user_id, res.confirmed_at)


def _line(rid: int, buyer: str | None, code: str, name: str, variant: str | None, quantity: int, unit_price: int,
          created_at: datetime, status: str, user_id: int, confirmed_at: datetime | None) -> dict[str, Any]:
    # user_id: the console groups a buyer's lines and confirms them in one tap (confirm_buyer).
    return {"id": rid, "buyer": buyer or "?", "code": code, "name": name, "variant": variant,
            "quantity": quantity, "unit_price": unit_price, "total": quantity * unit_price,
            "created_at": created_at.isoformat(), "status": status, "user_id": user_id,
            "confirmed": confirmed_at is not None}


def comment_lines(message_id: int) -> list[dict[str, Any]]:
    """The lines one comment reserved that are still held, as queue_line dicts: one statement, no ORM loading.

    The console adds them to the queue it keeps; the whole queue (held_queue) is read only when a console asks."""
    rows = db.session.execute(
        select(LiveReservation.id, User.name, LiveProduct.live_code, Product.name, Variant.label,
               LiveReservation.quantity, LiveReservation.unit_price, LiveReservation.created_at, LiveReservation.status,
               LiveReservation.user_id, LiveReservation.confirmed_at)
        .join(LiveProduct, LiveProduct.id == LiveReservation.live_product_id)
        .join(Product, Product.id == LiveProduct.product_id)
        .outerjoin(Variant, Variant.id == LiveReservation.variant_id)
        .outerjoin(User, User.id == LiveReservation.user_id)
        .where(LiveReservation.message_id == message_id, LiveReservation.status == "held")
        .order_by(LiveReservation.id)).all()
    return [_line(*row) for row in rows]


def released_line_ids(session_id: int, user_id: int) -> list[int]:
    """Ids of a buyer's lines in a live that are no longer held (cancelled, checked out, expired): after the buyer's
    cancel comment the console drops them from its queue (ids it never showed are ignored)."""
    return list(db.session.scalars(
        select(LiveReservation.id).where(LiveReservation.session_id == session_id, LiveReservation.user_id == user_id,
                                         LiveReservation.status != "held").order_by(LiveReservation.id)))


def last_reservation_id(session_id: int) -> int:
    """The highest reservation id of a live, whatever its status: the console keeps the lines it got after a
    held_queue snapshot (ids above this one) when it replaces its queue with the snapshot."""
    return int(db.session.scalar(select(func.coalesce(func.max(LiveReservation.id), 0))
                                 .where(LiveReservation.session_id == session_id)))


def live_stats(session_id: int, now: datetime | None = None) -> dict[str, int]:
    """The stats strip: comments, order comments (in all and in the last minute), held/checked-out lines, the revenue
    they reserve and the peak viewer count; the live viewer count comes from the viewer registry, not the database."""
    now = now or utcnow()
    recent = ChatMessage.created_at > now - timedelta(minutes=1)
    comments, orders, comments_recent, orders_recent = db.session.execute(
        select(func.count(ChatMessage.id), func.coalesce(func.sum(case((ChatMessage.kind == "order", 1), else_=0)), 0),
               func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
               func.coalesce(func.sum(case(((ChatMessage.kind == "order") & recent, 1), else_=0)), 0))
        .where(ChatMessage.session_id == session_id)).one()
    peak = db.session.scalar(select(LiveSession.peak_viewers).where(LiveSession.id == session_id)) or 0
    lines, revenue = db.session.execute(
        select(func.count(LiveReservation.id),
               func.coalesce(func.sum(LiveReservation.quantity * LiveReservation.unit_price), 0))
        .where(LiveReservation.session_id == session_id,
               LiveReservation.status.in_(("held", "checked_out")))).one()
    return {"comments": int(comments), "orders": int(orders), "lines": int(lines), "revenue": int(revenue),
            "comments_per_min": int(comments_recent), "orders_per_min": int(orders_recent), "peak_viewers": int(peak)}


def order_parse(message: ChatMessage) -> dict[str, Any] | None:
    """What an order comment did, from its stored ack: reserved, cancelled and refused lines."""
    if message.kind != "order" or not message.ack_json:
        return None
    import json

    ack = json.loads(message.ack_json)
    return {"reserved": [{"code": r["code"], "quantity": r["quantity"], "variant": r.get("variant")}
                         for r in ack.get("reserved", [])],
            "cancelled": [{"code": c["code"], "quantity": c["quantity"]} for c in ack.get("cancelled", [])],
            "errors": [{"code": e.get("code"), "live_code": e.get("live_code"), "message": e.get("message")}
                       for e in ack.get("errors", [])]}


def console_message_payload(message: ChatMessage) -> dict[str, Any]:
    """A chat line for the seller console: the full text as typed, the buyer's full name, hidden flag and the parse
    of an order (members only: the organisation needs the phone and address to deliver)."""
    payload = message_payload(message)
    reason = hide_reason_label(message.hidden_reason) if message.hidden else None
    buyer = payload["user"] if payload.get("seller") else author_name(message.user, full=True) if message.user else None
    payload.update({"text": message.text, "buyer": buyer, "hidden": message.hidden,
                    "parse": order_parse(message), "user_id": message.user_id,
                    "hidden_reason": message.hidden_reason if message.hidden else None,
                    "hidden_label": str(reason) if reason else None})
    return payload


def console_messages(session_id: int, limit: int = 100) -> list[ChatMessage]:
    """The last messages, hidden ones too (marked), oldest first."""
    rows = db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id)
        .order_by(ChatMessage.id.desc()).limit(limit).options(selectinload(ChatMessage.user))).all()
    return list(reversed(rows))
