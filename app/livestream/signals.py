"""What the live announces (core.signals): one call per change, queued to be delivered after the commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..accounts.models import User
from ..core import signals
from .models import LiveReservation, LiveSession, LiveWaitlist


def live_state(live: LiveSession, actor: User | None = None) -> None:
    """The live entered `live.state`: live_scheduled, live_started or live_ended; `actor` made the change."""
    signal, at = {"scheduled": (signals.live_scheduled, live.scheduled_at),
                  "live": (signals.live_started, live.started_at),
                  "ended": (signals.live_ended, live.ended_at)}[live.state]
    signals.send_after_commit(signal, live_id=live.id, organisation_id=live.organisation_id, title=live.title,
                              state=live.state, is_practice=bool(live.is_practice), at=at,
                              actor_id=actor.id if actor is not None else None)


def _hold(res: LiveReservation) -> dict[str, Any]:
    return {"reservation_id": res.id, "live_id": res.session_id, "user_id": res.user_id,
            "live_product_id": res.live_product_id, "variant_id": res.variant_id, "quantity": res.quantity}


def hold_placed(res: LiveReservation, source: str) -> None:
    signals.send_after_commit(signals.hold_placed, **_hold(res), unit_price=res.unit_price, hold_until=res.hold_until,
                              source=source)


def hold_released(res: LiveReservation, from_status: str, status: str) -> None:
    """A line left `from_status` for "cancelled" (hold_cancelled) or "expired" (hold_expired)."""
    signal = signals.hold_expired if status == "expired" else signals.hold_cancelled
    signals.send_after_commit(signal, **_hold(res), from_status=from_status, status=status)


def hold_checked_out(res: LiveReservation, order_id: int) -> None:
    signals.send_after_commit(signals.hold_checked_out, **_hold(res), from_status="held", status="checked_out",
                              order_id=order_id)


def hold_expiring(user_id: int, live_id: int, hold_until: datetime) -> None:
    signals.send_after_commit(signals.hold_expiring, user_id=user_id, live_id=live_id, hold_until=hold_until)


def waitlist_served(entry: LiveWaitlist, res: LiveReservation) -> None:
    signals.send_after_commit(signals.waitlist_served, waitlist_id=entry.id, live_id=res.session_id,
                              live_product_id=res.live_product_id, user_id=entry.user_id, reservation_id=res.id,
                              quantity=res.quantity)
