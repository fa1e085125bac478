"""In-app notifications: written with the work that causes them, read in the reader's language.

`notify()` is what features call. When the notification pipeline (app.notify) is installed it registers a router
for some kinds (`set_router`): those become outbox messages that may reach the buyer on Zalo, SMS or web push
first, with the bell as the last channel (`write()` is that channel). Other kinds are written to the bell at once.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from ..core.dbtypes import row_by_key, rows_changed, utcnow
from ..core.web import safe_redirect_target
from ..errors import NotFound
from ..extensions import db
from .models import NOTIFICATION_KINDS, Notification, User

MAX_LINK = 300
PAGE_SIZE = 50

# kind → function(data) → the sentence in the current language, for kinds a feature owns (registered at import,
# as core.jobs registers jobs), so accounts does not import the features whose news it lists.
_texts: dict[str, Callable[[dict[str, Any]], str]] = {}


def register_text(kind: str, render: Callable[[dict[str, Any]], str]) -> None:
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    _texts[kind] = render


def _link(link: str | None) -> str | None:
    # Only paths on this site: a notification must never send a reader elsewhere.
    safe = safe_redirect_target(link, "") if link and len(link) <= MAX_LINK else ""
    return safe if safe and len(safe) <= MAX_LINK else None


ROUTER_KEY = "cholive.notification_router"


def set_router(app, router) -> None:
    """`router(user_ids, kind, data, link)` takes over the kinds it `accepts(kind)` (app.notify installs it); it
    returns, per user, the bell's row when it wrote one at once, else None."""
    app.extensions[ROUTER_KEY] = router


def _router(kind: str):
    router = current_app.extensions.get(ROUTER_KEY) if has_app_context() else None
    return router if router is not None and router.accepts(kind) else None


def notify(user_id: int, kind: str, data: dict[str, Any], link: str | None = None) -> Notification | None:
    """One notification for one user, added to the caller's unit of work.

    A routed kind becomes an outbox message instead; the bell's row is returned when it was written at once (the
    bell is the only channel that reaches the user now), else None."""
    router = _router(kind)
    if router is not None:
        return router([user_id], kind, data, link)[0]
    return write(user_id, kind, data, link)


def write(user_id: int, kind: str, data: dict[str, Any], link: str | None = None) -> Notification:
    """The bell's own row, now (the in-app channel)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    note = Notification(user_id=user_id, kind=kind, data=json.dumps(data, ensure_ascii=False, default=str),
                        link=_link(link), created_at=utcnow())
    db.session.add(note)
    return note


def notify_many(user_ids: Iterable[int], kind: str, data: dict[str, Any], link: str | None = None) -> int:
    """The same notification for many users in one INSERT (every follower of an organisation)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    router = _router(kind)
    if router is not None:
        ids = list(dict.fromkeys(user_ids))
        router(ids, kind, data, link)
        return len(ids)
    now = utcnow()
    payload = json.dumps(data, ensure_ascii=False, default=str)
    rows = [{"user_id": uid, "kind": kind, "data": payload, "link": _link(link), "created_at": now}
            for uid in dict.fromkeys(user_ids)]
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def unread_count(user: User | None) -> int:
    if user is None or not getattr(user, "id", None):
        return 0
    return int(db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0)


def recent(user: User, limit: int = PAGE_SIZE) -> list[Notification]:
    """Newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification_id: Any, now: datetime | None = None) -> Notification:
    """Mark one of the user's own notifications read; someone else's is 'not found'."""
    note = row_by_key(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(_l("We could not find that notification."), code="no_such_notification")
    if note.read_at is None:
        note.read_at = now or utcnow()
    db.session.flush()
    return note


def mark_all_read(user: User, now: datetime | None = None) -> int:
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return rows_changed(result)


def text_of(note: Notification) -> str:
    """The sentence shown for a notification, in the current language."""
    try:
        data = json.loads(note.data or "{}")
    except ValueError:
        data = {}
    if note.kind in _texts:
        return _texts[note.kind](data if isinstance(data, dict) else {})
    if note.kind == "live_started":
        return _("%(org)s is live now: %(title)s", org=data.get("org", ""), title=data.get("title", ""))
    if note.kind == "waitlist_served":
        return _("Good news: %(quantity)s × %(name)s freed up and is now held for you. Check out from your live cart.",
                 quantity=data.get("quantity", 1), name=data.get("name", ""))
    if note.kind == "hold_expiring":
        try:
            until = format_datetime(datetime.fromisoformat(data["hold_until"]), "HH:mm dd/MM")
        except (KeyError, TypeError, ValueError):
            until = ""
        return _("Your live order from %(title)s is held until %(time)s. Check out before then.",
                 title=data.get("title", ""), time=until)
    if note.kind == "message":  # written by the notification pipeline in every language
        texts = data.get("text") if isinstance(data.get("text"), dict) else {}
        return str(texts.get(str(get_locale() or "vi")) or texts.get("vi") or "")
    if note.kind == "order_expired":
        return _("Your order %(number)s from %(org)s was cancelled: the seller did not confirm it in time.",
                 number=data.get("number", ""), org=data.get("org", ""))
    return note.kind
