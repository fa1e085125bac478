"""The admin's stop-the-live: the live ends, its RTMP publisher is refused, its page is withheld until reviewed.

Refusing the publisher uses what video.py already does for an ended live: on_publish answers 403 to a stopped live
(StreamRefused "live_stopped"), and nginx's on_update callback, which a connected publisher triggers every few
seconds, answers 403 once the live has ended, so nginx drops a publisher that is on air when the stop comes."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ...accounts.models import User
from ...core.dbtypes import utcnow
from ...errors import Conflict, Forbidden, InvalidInput
from ...extensions import db
from .. import signals as live_signals
from ..models import LiveSession

MAX_REASON = 500


def _require_admin(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_admin", False):
        raise Forbidden(_l("Only the platform's admins can stop a live."), code="not_admin")
    return actor


def stop_live(actor: User | None, live: LiveSession, reason: str | None, now: datetime | None = None) -> LiveSession:
    """End the live at once with the admin's reason (kept with the live and shown on its page)."""
    admin = _require_admin(actor)
    text = " ".join((reason or "").split())
    if not text or len(text) > MAX_REASON:
        raise InvalidInput(_l("Please give the reason for stopping the live (up to 500 characters)."),
                           code="invalid_reason", field="reason")
    if live.stopped_at is not None:
        raise Conflict(_l("This live has already been stopped."), code="already_stopped")
    now = now or utcnow()
    was_on = live.state != "ended"
    live.stopped_at, live.stopped_reason, live.stopped_by_id = now, text, admin.id
    live.stop_reviewed_at = None
    if was_on:
        live.state, live.ended_at = "ended", now
    db.session.flush()
    if was_on:
        live_signals.live_state(live, admin)
    return live


def mark_reviewed(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    """The admin has reviewed a stopped live: its page (and its replay) are shown again, the stop stays on record."""
    _require_admin(actor)
    if live.stopped_at is None:
        raise Conflict(_l("This live was not stopped."), code="not_stopped")
    if live.stop_reviewed_at is not None:
        raise Conflict(_l("This live has already been reviewed."), code="already_reviewed")
    live.stop_reviewed_at = now or utcnow()
    db.session.flush()
    return live


def stopped_payload(live: LiveSession) -> dict:
    """What the live's viewers hear when it is stopped."""
    return {"session_id": live.id, "reason": live.stopped_reason}
