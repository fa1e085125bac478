"""One archive per ended live: its recording, chat, claims, orders, warnings, reports and stop, as one JSON document
for the seller and the admin (what the retention periods of docs/compliance.md §8 keep, and the purge job removes)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.models import User
from ...accounts.services import membership
from ...errors import Forbidden, NotSignedIn
from ...extensions import db
from ...shop.ordering.models import Order
from ..models import ChatMessage, LiveOrderLine, LiveRecording, LiveReservation, LiveSession, LiveStream
from ..queries import mask_name
from .models import LiveReport, LiveWarning

FORMAT = "cholive-live-archive/1"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def require_archive_reader(actor: User | None, live: LiveSession) -> bool:
    """The live's organisation's members and the platform's admins; returns whether the reader is an admin."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    admin = bool(getattr(actor, "is_admin", False))
    if not admin and membership(actor, live.organisation) is None:
        raise Forbidden()
    return admin


def build_archive(actor: User | None, live: LiveSession) -> dict[str, Any]:
    admin = require_archive_reader(actor, live)
    stream = db.session.scalar(select(LiveStream).where(LiveStream.session_id == live.id))
    pieces = db.session.scalars(select(LiveRecording).where(LiveRecording.session_id == live.id)
                                .order_by(LiveRecording.started_at, LiveRecording.id)).all()
    messages = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == live.id)
                                  .order_by(ChatMessage.id).options(selectinload(ChatMessage.user))).all()
    claims = db.session.scalars(select(LiveReservation).where(LiveReservation.session_id == live.id)
                                .order_by(LiveReservation.id)
                                .options(selectinload(LiveReservation.live_product))).all()
    order_ids = sorted(set(db.session.scalars(
        select(LiveOrderLine.order_id).join(LiveReservation, LiveReservation.id == LiveOrderLine.reservation_id)
        .where(LiveReservation.session_id == live.id))))
    orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id)).all() \
        if order_ids else []
    warnings = db.session.scalars(select(LiveWarning).where(LiveWarning.session_id == live.id)
                                  .order_by(LiveWarning.id)).all()
    reports = db.session.scalars(select(LiveReport).where(LiveReport.session_id == live.id)
                                 .order_by(LiveReport.id).options(selectinload(LiveReport.reporter))).all()
    return {
        "format": FORMAT,
        "live": {"id": live.id, "title": live.title, "organisation": live.organisation.name, "state": live.state,
                 "scheduled_at": _iso(live.scheduled_at), "started_at": _iso(live.started_at),
                 "ended_at": _iso(live.ended_at), "host": live.host.name if live.host else None,
                 "rules_version_ack": live.rules_version_ack, "peak_viewers": live.peak_viewers,
                 "stopped": {"at": _iso(live.stopped_at), "reason": live.stopped_reason,
                             "reviewed_at": _iso(live.stop_reviewed_at)} if live.stopped_at else None},
        "recording": {"replay_file": stream.replay_file if stream else None,
                      "pieces": [{"file": p.file_name, "started_at": _iso(p.started_at), "duration_ms": p.duration_ms,
                                  "state": p.state} for p in pieces]},
        "chat": [{"id": m.id, "at": _iso(m.created_at), "user_id": m.user_id,
                  "user": m.user.name if m.user else None, "text": m.text, "kind": m.kind, "hidden": m.hidden,
                  "by_shop": m.by_shop} for m in messages],
        "claims": [{"id": r.id, "at": _iso(r.created_at), "user_id": r.user_id, "code": r.live_product.live_code,
                    "variant_id": r.variant_id, "quantity": r.quantity, "unit_price": r.unit_price,
                    "status": r.status, "message_id": r.message_id} for r in claims],
        "orders": [{"id": o.id, "number": o.number, "status": o.status, "created_at": _iso(o.created_at),
                    "subtotal": o.subtotal, "shipping_fee": o.shipping_fee, "total": o.total,
                    "payment_method": o.payment_method} for o in orders],
        "warnings": [{"id": w.id, "text": w.text, "preset": w.preset, "shown_at": _iso(w.shown_at),
                      "cleared_at": _iso(w.cleared_at)} for w in warnings],
        "reports": [{"id": r.id, "at": _iso(r.created_at), "reason": r.reason, "status": r.status,
                     "reporter": (r.reporter.name if r.reporter else None) if admin else mask_name(None),
                     "message_id": r.message_id, "live_seconds": r.live_seconds,
                     "replay_seconds": r.replay_seconds} for r in reports],
    }
