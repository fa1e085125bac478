"""Live video: settings, stream keys, nginx-rtmp callbacks (publish, publish_done, update), the grace period.

The recordings and the replay are in recordings.py."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..core.dbtypes import utcnow
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from . import broadcast, services
from .models import LiveSession, LiveStream

KEY_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 bits
PUBLIC_NAME = re.compile(r"^[0-9]{1,10}-[0-9a-f]{12}$")
SEGMENT_NAME = re.compile(r"^[0-9]{1,10}-[0-9a-f]{12}(-[0-9]{1,10})?\.(m3u8|ts)$")
MAX_KEY = 200

DEFAULTS: dict[str, Any] = {
    "VIDEO_ENABLED": True,
    # What the seller types as "server" in Larix / PRISM / OBS (the stream key goes in its own box).
    "VIDEO_RTMP_URL": "rtmp://127.0.0.1:1935/ingest",
    # Where on_publish sends an accepted publish: nginx's relay application (records, then HLS), loopback only.
    "VIDEO_RELAY_URL": "rtmp://127.0.0.1:1935/relay",
    "VIDEO_HLS_URL": "/live/video/hls",
    "VIDEO_DIR": None,  # defaults to <instance>/video, holding hls/, rec/ and replay/
    "VIDEO_CALLBACK_ALLOW": "127.0.0.1,::1",
    # When set, nginx must also send it (?token=, rendered by deploy/nginx/render.py --callback-token).
    "VIDEO_CALLBACK_TOKEN": "",
    "VIDEO_GRACE_SECONDS": 120,
    "VIDEO_FFMPEG": "ffmpeg",
    "VIDEO_FFPROBE": "ffprobe",
    "VIDEO_CONVERT_TIMEOUT": 600,
}


def setting(name: str) -> Any:
    """A video setting: the app's config, else the environment (VIDEO_*), else the default above."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        value = DEFAULTS[name]
    if name == "VIDEO_DIR" and value is None:
        value = Path(current_app.instance_path) / "video"
    if isinstance(DEFAULTS[name], bool) and isinstance(value, str):
        value = value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(DEFAULTS[name], int) and not isinstance(DEFAULTS[name], bool):
        value = int(value)
    return value


def video_dir(kind: str) -> Path:
    """hls/, rec/ or replay/ under VIDEO_DIR."""
    return Path(setting("VIDEO_DIR")) / kind


class StreamRefused(DomainError):
    """An on_publish nginx must refuse (answered 403, so nothing is written)."""

    status = 403
    code = "publish_refused"
    default_message = _l("This stream key cannot go live.")


# Keys -----------------------------------------------------------------------------------------------

def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def stream_of(live: LiveSession) -> LiveStream | None:
    return db.session.scalar(select(LiveStream).where(LiveStream.session_id == live.id))


def issue_stream_key(actor: User | None, live: LiveSession, now: datetime | None = None) -> tuple[LiveStream, str]:
    """A new secret key for the live (the old one stops working at once); returns the stream and the key in clear,
    which is shown to the seller once and stored only as its hash."""
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise Conflict(_l("This live has ended, so it needs no stream key."), code="live_ended")
    key = secrets.token_urlsafe(KEY_BYTES)
    stream = stream_of(live)
    if stream is None:
        stream = LiveStream(session_id=live.id, session=live, public_name=f"{live.id}-{secrets.token_hex(6)}",
                            video_state="waiting", publish_count=0)
        db.session.add(stream)
    stream.key_hash, stream.key_hint = hash_key(key), key[-4:]
    stream.key_created_by_id, stream.key_created_at = actor.id, now or utcnow()
    db.session.flush()
    return stream, key


def _stream_by_key(key: Any) -> LiveStream | None:
    if not isinstance(key, str) or not 20 <= len(key) <= MAX_KEY:
        return None
    wanted = hash_key(key)
    stream = db.session.scalar(select(LiveStream).where(LiveStream.key_hash == wanted)
                               .options(selectinload(LiveStream.session)))
    # The lookup is by an index; compare again in constant time so no timing says how close a guess was.
    if stream is None or not hmac.compare_digest(stream.key_hash, wanted):
        return None
    return stream


# Callbacks ------------------------------------------------------------------------------------------

def callback_allowed(remote_addr: str | None, allow: str | list[str] | None = None, token: Any = None) -> bool:
    """nginx's callbacks come from loopback or the addresses/networks in VIDEO_CALLBACK_ALLOW, nowhere else,
    and carry VIDEO_CALLBACK_TOKEN when one is configured."""
    expected = setting("VIDEO_CALLBACK_TOKEN")
    if expected and not (isinstance(token, str) and hmac.compare_digest(token.encode(), expected.encode())):
        return False
    allow = setting("VIDEO_CALLBACK_ALLOW") if allow is None else allow
    entries = [a.strip() for a in (allow.split(",") if isinstance(allow, str) else allow) if a and a.strip()]
    try:
        addr = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return False
    if addr.version == 6 and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    for entry in entries:
        try:
            if addr in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass
class PublishResult:
    stream: LiveStream
    relay_url: str
    went_live: bool  # the scheduled live went on air with this publish
    resumed: bool  # a publisher came back within the grace period


def authorize_publish(key: Any, now: datetime | None = None, grace_seconds: int | None = None) -> PublishResult:
    """on_publish: only the current key of a scheduled or live session may publish; the live goes on air."""
    now = now or utcnow()
    stream = _stream_by_key(key)
    if stream is None:
        raise StreamRefused(_l("This stream key is not valid. Copy the key again from the live's page."),
                            code="unknown_key")
    live = stream.session
    settle(stream, now, grace_seconds)
    if live.stopped_at is not None:  # the admin stopped it (trust/stop.py): refused from then on, whatever its state
        raise StreamRefused(_l("The platform stopped this live. Contact the platform's admin."), code="live_stopped")
    if live.state == "ended":
        raise StreamRefused(_l("This live has ended. Schedule a new live to go on air again."), code="live_ended")
    if stream.key_created_by is None:
        raise StreamRefused(code="key_owner_gone")
    went_live = False
    try:
        if live.state == "scheduled":
            # The key acts for the member who made it: a key made by someone no longer in the
            # organisation cannot start a live.
            services.start_live(stream.key_created_by, live, now)
            went_live = True
        else:
            require_org_role(stream.key_created_by, live.organisation, "staff")
    except (Forbidden, Conflict) as exc:
        raise StreamRefused(exc.message, code=exc.code) from None
    resumed = stream.video_state == "interrupted"
    stream.video_state, stream.interrupted_at = "on_air", None
    stream.on_air_at = stream.on_air_at or now
    stream.publishing_key_hash = stream.key_hash
    stream.publish_count += 1
    db.session.flush()
    return PublishResult(stream, f"{setting('VIDEO_RELAY_URL').rstrip('/')}/{stream.public_name}", went_live, resumed)


def publish_done(key: Any, now: datetime | None = None) -> LiveStream | None:
    """on_publish_done: the publisher left; the live is interrupted (or stays ended if the seller ended it)."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
        return None
    stream = db.session.scalar(select(LiveStream).where(LiveStream.publishing_key_hash == hash_key(key)))
    if stream is None:
        return None
    stream.publishing_key_hash = None
    if stream.session.state == "ended":
        stream.video_state = "ended"
    elif stream.video_state == "on_air":
        stream.video_state, stream.interrupted_at = "interrupted", now or utcnow()
    db.session.flush()
    return stream


def check_publishing(key: Any) -> LiveStream:
    """on_update (every few seconds while publishing): refused once the key is regenerated or the live ended,
    so nginx drops a publisher that should not be on air any more."""
    stream = _stream_by_key(key)
    if stream is None:
        raise StreamRefused(code="unknown_key")
    if stream.session.stopped_at is not None:
        raise StreamRefused(code="live_stopped")
    if stream.session.state == "ended":
        raise StreamRefused(code="live_ended")
    return stream


def settle(stream: LiveStream, now: datetime | None = None, grace_seconds: int | None = None) -> bool:
    """The lazy half of the grace period: an interrupted live whose publisher did not come back in time ends.
    Returns True when this call ended it."""
    now = now or utcnow()
    grace = setting("VIDEO_GRACE_SECONDS") if grace_seconds is None else grace_seconds
    live = stream.session
    if live.state == "ended":
        if stream.video_state != "ended" and stream.publishing_key_hash is None:
            stream.video_state = "ended"
            db.session.flush()
        return False
    if stream.video_state != "interrupted" or stream.interrupted_at is None:
        return False
    if now - stream.interrupted_at < timedelta(seconds=grace):
        return False
    try:
        # Through the service, as if the key's maker pressed "end": the live ended when the signal was lost.
        services.end_live(stream.key_created_by, live, stream.interrupted_at)
    except Forbidden:  # the key's maker has left the organisation; the live must end all the same
        live.state, live.ended_at = "ended", stream.interrupted_at
    stream.video_state = "ended"
    db.session.flush()
    return True


def expire_interrupted(now: datetime | None = None, grace_seconds: int | None = None) -> list[int]:
    """The job's half of the grace period: end every interrupted live past its grace; returns their ids."""
    now = now or utcnow()
    grace = setting("VIDEO_GRACE_SECONDS") if grace_seconds is None else grace_seconds
    streams = db.session.scalars(
        select(LiveStream).where(LiveStream.video_state == "interrupted",
                                 LiveStream.interrupted_at <= now - timedelta(seconds=grace))
        .options(selectinload(LiveStream.session))).all()
    return [s.session_id for s in streams if settle(s, now, grace)]


def display_state(live: LiveSession, stream: LiveStream | None) -> str:
    """What the player shows: waiting, on_air, interrupted or ended (the live's own state wins when it ended)."""
    if live.state == "ended":
        return "ended"
    if stream is None:
        return "waiting"
    return stream.video_state if stream.video_state != "ended" else "ended"


def end_lives_past_grace() -> int:
    """Job (and `flask livestream video-grace`): end the interrupted lives whose publisher did not come back within
    VIDEO_GRACE_SECONDS; their viewers hear it once the caller commits."""
    ended = expire_interrupted()
    for session_id in ended:
        broadcast.video_state(session_id, "ended", ended=True)
    return len(ended)


# The recordings moved to recordings.py; callers that know them as video.replay_timeline & co. still find them here
# (a module __getattr__, so neither module has to import the other first).
_MOVED_TO_RECORDINGS = frozenset({"RECORDING_NAME", "record_done", "build_replay", "lives_needing_replay",
                                  "replay_timeline", "build_pending_replays"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_RECORDINGS:
        from . import recordings

        return getattr(recordings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

