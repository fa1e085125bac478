"""Write side of the buyer's own notification settings: channels on/off (kept as a consent log), the first
channel, and web-push subscriptions. Explicit arguments, flush, never commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import User
from ..core.dbtypes import rows_changed, utcnow
from ..errors import InvalidInput
from ..extensions import db
from .channels.webpush import origin_allowed
from .models import CHANNELS, ChannelConsent, ChannelPreference, PushSubscription
from .outbox import opted_out

SWITCHABLE = ("zalo", "sms", "push")  # in-app is the record of what we told the buyer: always on
MAX_SUBSCRIPTIONS = 10  # browsers per buyer


def set_channels(user: User, enabled: dict[str, bool], source: str, now: datetime | None = None) -> int:
    """Turn channels on or off; each change (only changes) is a consent row with its time and source."""
    off = opted_out(user.id)
    changed = 0
    for channel, on in enabled.items():
        if channel not in SWITCHABLE:
            raise InvalidInput(_l("Unknown notification channel."), code="bad_channel")
        if bool(on) == (channel not in off):
            continue
        db.session.add(ChannelConsent(user_id=user.id, channel=channel, granted=bool(on), source=source[:40],
                                      created_at=now or utcnow()))
        changed += 1
    db.session.flush()
    return changed


def set_first_channel(user: User, channel: str | None) -> None:
    row = db.session.get(ChannelPreference, user.id)
    if not channel:
        if row is not None:
            db.session.delete(row)
    elif channel not in CHANNELS:
        raise InvalidInput(_l("Unknown notification channel."), code="bad_channel")
    else:
        if row is None:
            row = ChannelPreference(user_id=user.id, first_channel=channel)
            db.session.add(row)
        row.first_channel, row.updated_at = channel, utcnow()
    db.session.flush()


def subscribe_push(user: User, data: Any, allowed_origins: str, user_agent: str | None = None) -> PushSubscription:
    """Keep a browser's PushSubscription (the JSON of `subscription.toJSON()`)."""
    bad = InvalidInput(_l("This browser's notification subscription is not valid."), code="bad_subscription")
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise bad
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)) \
            or len(endpoint) > 1000 or not 40 <= len(p256dh) <= 200 or not 8 <= len(auth) <= 100:
        raise bad
    if not origin_allowed(endpoint, allowed_origins):
        raise InvalidInput(_l("This browser's push service is not supported."), code="push_origin")
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        mine = db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == user.id)
                                  .order_by(PushSubscription.id)).all()
        for old in mine[:max(0, len(mine) - MAX_SUBSCRIPTIONS + 1)]:
            db.session.delete(old)
        row = PushSubscription(endpoint=endpoint, user_id=user.id, p256dh=p256dh, auth=auth)
        db.session.add(row)
    # A browser passed to another account notifies only the account signed in now.
    row.user_id, row.p256dh, row.auth = user.id, p256dh, auth
    row.user_agent = (user_agent or "")[:200] or None
    db.session.flush()
    return row


def unsubscribe_push(user: User, endpoint: Any) -> int:
    if not isinstance(endpoint, str):
        return 0
    result = db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user.id,
                                                               PushSubscription.endpoint == endpoint))
    return rows_changed(result)
