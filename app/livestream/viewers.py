"""Who is watching a live: socket ids per live and per signed-in buyer, in Redis (right across processes) or in
memory, and a throttle."""
from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from flask import current_app
from sqlalchemy import update

from ..extensions import db
from .models import LiveSession

log = logging.getLogger(__name__)

KEY_TTL = 24 * 3600


class ViewerRegistry(Protocol):
    def join(self, session_id: int, sid: str) -> int: ...
    def leave(self, session_id: int, sid: str) -> int: ...
    def count(self, session_id: int) -> int: ...
    def allow(self, key: str, seconds: float) -> bool: ...
    def user_join(self, user_id: int, sid: str) -> None: ...
    def user_leave(self, user_id: int, sid: str) -> None: ...
    def user_online(self, user_id: int) -> bool: ...


class MemoryViewers:
    """One process: a set of socket ids per live and per signed-in user."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}
        self._last: dict[str, float] = {}
        self._users: dict[int, set[str]] = {}

    def user_join(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._users.setdefault(user_id, set()).add(sid)

    def user_leave(self, user_id: int, sid: str) -> None:
        with self._lock:
            sids = self._users.get(user_id, set())
            sids.discard(sid)
            if not sids:
                self._users.pop(user_id, None)

    def user_online(self, user_id: int) -> bool:
        with self._lock:
            return bool(self._users.get(user_id))

    def join(self, session_id: int, sid: str) -> int:
        with self._lock:
            sids = self._sids.setdefault(session_id, set())
            sids.add(sid)
            return len(sids)

    def leave(self, session_id: int, sid: str) -> int:
        with self._lock:
            sids = self._sids.get(session_id, set())
            sids.discard(sid)
            if not sids:
                self._sids.pop(session_id, None)
            return len(sids)

    def count(self, session_id: int) -> int:
        with self._lock:
            return len(self._sids.get(session_id, ()))

    def allow(self, key: str, seconds: float) -> bool:
        """True at most once per `seconds` for a key (the stats strip's throttle)."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < seconds:
                return False
            self._last[key] = now
            return True


class RedisViewers:
    """Every process: a Redis hash of socket ids per live; counts are right wherever a viewer connected.

    A process that dies without its disconnects leaves its ids behind until the key expires (a day after the
    last join); the count can then run high, never low."""

    def __init__(self, url: str, prefix: str = "cholive:live"):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _key(self, session_id: int) -> str:
        return f"{self.prefix}:{session_id}:viewers"

    def join(self, session_id: int, sid: str) -> int:
        key = self._key(session_id)
        pipe = self.redis.pipeline()
        pipe.hset(key, sid, "1")
        pipe.expire(key, KEY_TTL)
        pipe.hlen(key)
        return int(pipe.execute()[-1])

    def leave(self, session_id: int, sid: str) -> int:
        key = self._key(session_id)
        pipe = self.redis.pipeline()
        pipe.hdel(key, sid)
        pipe.hlen(key)
        return int(pipe.execute()[-1])

    def count(self, session_id: int) -> int:
        return int(self.redis.hlen(self._key(session_id)))

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}:user:{user_id}:sids"

    def user_join(self, user_id: int, sid: str) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self._user_key(user_id), sid, "1")
        pipe.expire(self._user_key(user_id), KEY_TTL)
        pipe.execute()

    def user_leave(self, user_id: int, sid: str) -> None:
        self.redis.hdel(self._user_key(user_id), sid)

    def user_online(self, user_id: int) -> bool:
        return bool(self.redis.exists(self._user_key(user_id)))

    def allow(self, key: str, seconds: float) -> bool:
        if seconds <= 0:
            return True
        return bool(self.redis.set(f"{self.prefix}:throttle:{key}", "1", nx=True, px=max(1, int(seconds * 1000))))


_registries: dict[str | None, ViewerRegistry] = {}
_registries_lock = threading.Lock()


def registry(redis_url: str | None) -> ViewerRegistry:
    """One registry per Redis URL (memory when None), shared by the process's handlers."""
    with _registries_lock:
        if redis_url not in _registries:
            _registries[redis_url] = RedisViewers(redis_url) if redis_url else MemoryViewers()
        return _registries[redis_url]


def record_peak(session_id: int, viewers: int) -> None:
    """Raise peak_viewers to `viewers` if it is higher; a conditional UPDATE, so racing joins never lower it."""
    db.session.execute(update(LiveSession).where(LiveSession.id == session_id, LiveSession.peak_viewers < viewers)
                       .values(peak_viewers=viewers).execution_options(synchronize_session=False))


def current() -> ViewerRegistry:
    """The registry of this app (REDIS_URL's, or this process's memory)."""
    return registry(current_app.config.get("REDIS_URL"))


def track_viewer(session_id: int, sid: str, joined: bool) -> int | None:
    """Add or remove a socket in the live's viewers and return the count; a Redis hiccup costs the count (None),
    never the viewer."""
    try:
        viewers = current()
        return viewers.join(session_id, sid) if joined else viewers.leave(session_id, sid)
    except Exception:  # presence is a nicety: the live goes on without it
        log.warning("viewer count for live %s not updated", session_id, exc_info=True)
        return None


def track_buyer(user_id: int, sid: str, joined: bool) -> None:
    """Whether a buyer has a live page open decides if their news is an unread notification (buyer_news)."""
    try:
        viewers = current()
        (viewers.user_join if joined else viewers.user_leave)(user_id, sid)
    except Exception:  # presence is a nicety: the live goes on without it
        log.warning("presence of user %s not updated", user_id, exc_info=True)


def count(session_id: int) -> int | None:
    """How many sockets watch the live now; None when the registry cannot say."""
    try:
        return current().count(session_id)
    except Exception:  # presence is a nicety: the stats show no count
        log.warning("viewer count for live %s unavailable", session_id, exc_info=True)
        return None
