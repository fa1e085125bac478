"""A live's recordings: the pieces nginx wrote (on_record_done), the replay MP4 joined from them, and the live's chat
and order ticker timed against that video (the replay page)."""
from __future__ import annotations

import json
import logging
import re
import secrets
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.dbtypes import utcnow
from ..extensions import db
from . import queries
from .models import ChatMessage, LiveProduct, LiveRecording, LiveReservation, LiveSession, LiveStream
from .trust.models import LiveWarning
from .video import PUBLIC_NAME, setting, stream_of, video_dir

log = logging.getLogger(__name__)

RECORDING_NAME = re.compile(r"^(?P<public>[0-9]{1,10}-[0-9a-f]{12})-(?P<started>[0-9]{9,11})\.flv$")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def record_done(public_name: Any, path: Any, now: datetime | None = None) -> LiveRecording | None:
    """on_record_done: remember one recorded piece (nginx wrote <public name>-<unix time>.flv in rec/)."""
    if not isinstance(public_name, str) or not PUBLIC_NAME.match(public_name) or not isinstance(path, str):
        return None
    file = Path(path)
    match = RECORDING_NAME.match(file.name)
    rec_dir = video_dir("rec")
    if match is None or match["public"] != public_name or not _inside(file, rec_dir):
        return None
    stream = db.session.scalar(select(LiveStream).where(LiveStream.public_name == public_name))
    if stream is None:
        return None
    existing = db.session.scalar(select(LiveRecording).where(LiveRecording.file_name == file.name))
    if existing is not None:
        return existing  # nginx retried the callback
    started = datetime.fromtimestamp(int(match["started"]), tz=UTC)
    recording = LiveRecording(session_id=stream.session_id, file_name=file.name, started_at=started,
                              duration_ms=_duration_ms(rec_dir / file.name), state="recorded")
    db.session.add(recording)
    db.session.flush()
    return recording


def _duration_ms(path: Path) -> int | None:
    try:
        out = subprocess.run([setting("VIDEO_FFPROBE"), "-v", "error", "-show_entries", "format=duration",
                              "-of", "json", str(path)], capture_output=True, timeout=30, check=True).stdout
        return max(0, int(float(json.loads(out)["format"]["duration"]) * 1000))
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None


def build_replay(live: LiveSession, now: datetime | None = None) -> LiveStream | None:
    """Join the live's recorded pieces into one MP4 (ffmpeg, streams copied, bounded in time) for the replay page.
    Runs from the job or `flask live video-replays` after the live ended; returns the stream, or None if nothing
    was recorded."""
    stream = stream_of(live)
    pieces = db.session.scalars(select(LiveRecording).where(LiveRecording.session_id == live.id,
                                                            LiveRecording.state != "failed")
                                .order_by(LiveRecording.started_at, LiveRecording.id)).all()
    if stream is None or not pieces or live.state != "ended":
        return None
    rec_dir, out_dir = video_dir("rec"), video_dir("replay")
    out_dir.mkdir(parents=True, exist_ok=True)
    usable = [p for p in pieces if (rec_dir / p.file_name).is_file()]
    for piece in pieces:
        if piece not in usable:
            piece.state = "failed"
    if not usable:
        db.session.flush()
        return None
    name = f"{stream.public_name}-{secrets.token_hex(4)}.mp4"
    listing = out_dir / f"{name}.txt"
    # The concat demuxer's list: one quoted path per piece (our own file names, checked by RECORDING_NAME).
    listing.write_text("".join(f"file '{(rec_dir / p.file_name).resolve()}'\n" for p in usable))
    command = [setting("VIDEO_FFMPEG"), "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0",
               "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(out_dir / name)]
    try:
        subprocess.run(command, capture_output=True, timeout=setting("VIDEO_CONVERT_TIMEOUT"), check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        # Marked failed so the job does not retry a broken file every minute; the pieces stay on disk.
        (out_dir / name).unlink(missing_ok=True)
        log.error("replay of live %s failed: %s", live.id, str(getattr(exc, "stderr", b"") or exc)[-300:])
        for piece in usable:
            piece.state = "failed"
        db.session.flush()
        return None
    finally:
        listing.unlink(missing_ok=True)
    for piece in usable:
        piece.state = "joined"
        if piece.duration_ms is None:
            piece.duration_ms = _duration_ms(rec_dir / piece.file_name)
    old = stream.replay_file
    stream.replay_file, stream.replay_ready_at = name, now or utcnow()
    db.session.flush()
    if old and old != name:
        (out_dir / old).unlink(missing_ok=True)
    return stream


def lives_needing_replay(limit: int = 5) -> list[LiveSession]:
    """Ended lives with recorded pieces not yet joined into the replay."""
    ids = db.session.scalars(
        select(LiveRecording.session_id).join(LiveSession, LiveSession.id == LiveRecording.session_id)
        .where(LiveRecording.state == "recorded", LiveSession.state == "ended")
        .group_by(LiveRecording.session_id).order_by(LiveRecording.session_id).limit(limit)).all()
    return [db.session.get(LiveSession, i) for i in ids]


# The replay page (read side) ---------------------------------------------------------------------------

class _LiveClock(NamedTuple):
    """The whole live as one piece, for a timeline on the live's own clock."""

    started_at: datetime
    duration_ms: int


def _video_offset(pieces: list[LiveRecording] | list[_LiveClock], at: datetime) -> float | None:
    """Seconds into the joined video at which a wall-clock moment was on screen; a moment in a gap between
    pieces shows at the start of the next piece, one after the end is dropped."""
    offset = 0.0
    for piece in pieces:
        length = (piece.duration_ms or 0) / 1000
        since = (at - piece.started_at).total_seconds()
        if since < 0:
            return offset
        if since <= length:
            return offset + since
        offset += length
    return None


def replay_timeline(live: LiveSession, *, live_clock: bool = False) -> dict[str, Any]:
    """The chat and the order ticker of a live with their moment in the replay video (seconds), in order.

    live_clock: seconds since the live started instead, for a live with no recording (a trainer's review still
    needs one timeline to put its notes on)."""
    if live_clock:
        start = live.started_at or live.created_at
        end = live.ended_at or start
        pieces: list = [_LiveClock(start, max(0, int((end - start).total_seconds() * 1000)))]
    else:
        pieces = list(db.session.scalars(select(LiveRecording).where(LiveRecording.session_id == live.id,
                                                                     LiveRecording.state == "joined")
                                         .order_by(LiveRecording.started_at, LiveRecording.id)))
    messages = db.session.scalars(
        select(ChatMessage).where(ChatMessage.session_id == live.id, ChatMessage.hidden.is_(False))
        .order_by(ChatMessage.id).options(selectinload(ChatMessage.user))).all()
    chat = []
    for m in messages:
        at = _video_offset(pieces, m.created_at)
        if at is not None:  # the public copy, as the live showed it: masked text, the shop as the shop
            line = queries.message_payload(m)
            chat.append({"at": round(at, 2), "id": m.id, "user": line["user"], "text": line["text"], "kind": m.kind,
                         **({"seller": True} if line.get("seller") else {})})
    reservations = db.session.scalars(
        select(LiveReservation).where(LiveReservation.session_id == live.id).order_by(LiveReservation.id)
        .options(selectinload(LiveReservation.user), selectinload(LiveReservation.message),
                 selectinload(LiveReservation.live_product).selectinload(LiveProduct.product))).all()
    ticker = []
    for r in reservations:
        # When the comment reached the server, as the live's report counts it (a line served from the waitlist has
        # no comment: when it was served).
        at = _video_offset(pieces, r.message.created_at if r.message is not None else r.created_at)
        if at is not None:
            by_shop = r.message is not None and r.message.by_shop
            ticker.append({"at": round(at, 2),
                           "user": live.organisation.name if by_shop else queries.mask_name(r.user.name if r.user else None),
                           "code": r.live_product.live_code, "name": r.live_product.product.name,
                           "quantity": r.quantity})
    warnings = []
    for w in db.session.scalars(select(LiveWarning).where(LiveWarning.session_id == live.id)
                                .order_by(LiveWarning.shown_at, LiveWarning.id)):
        # The host's warning over the video, from when it was shown until it was removed (or the end of the video).
        at = _video_offset(pieces, w.shown_at)
        if at is not None:
            until = _video_offset(pieces, w.cleared_at) if w.cleared_at is not None else None
            warnings.append({"at": round(at, 2), "until": round(until, 2) if until is not None else None,
                             "text": w.text})
    duration = sum((p.duration_ms or 0) for p in pieces) / 1000
    return {"duration": round(duration, 2), "chat": chat, "ticker": ticker, "warnings": warnings}


def build_pending_replays(limit: int = 3) -> int:
    """Job (and `flask livestream video-replays`): join the recordings of ended lives into their replay MP4, one
    unit of work per live, so one broken recording does not hold back the others."""
    done = 0
    for live in lives_needing_replay(limit):
        try:
            if build_replay(live) is not None:
                done += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("replay of live %s failed", live.id)
    return done
