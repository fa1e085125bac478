"""What the /live rooms hear: room names, emits queued until the unit of work commits, and the comment broadcast.

`to_live`, `to_sellers` and `to_socket` queue an emit with `core.uow.after_commit`: it goes out once the handler's,
view's or job's commit returns, never when it rolls back. `broadcast_comment` and `send_stats` emit at once; they
are what a handler queues (`after_commit(broadcast_comment, ...)`), or what a caller that has just committed calls.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from flask import current_app
from socketio import PubSubManager
from sqlalchemy import select

from ..core.dbtypes import utcnow
from ..core.uow import after_commit
from ..extensions import db, socketio
from . import flash as flash_sales
from . import queries, viewers
from .models import ChatMessage

NAMESPACE = "/live"
log = logging.getLogger(__name__)


def room(session_id: int) -> str:
    return f"live:{session_id}"


def chat_room(session_id: int) -> str:
    """Viewers that take the chat one event per line (`message`, `ticker`, `stock`): older clients, the console."""
    return f"live:{session_id}:chat"


def frame_room(session_id: int) -> str:
    """Viewers that joined with `frames: true`: the chat and the stock coalesced into one `frame` per interval."""
    return f"live:{session_id}:frames"


def seller_room(session_id: int) -> str:
    """The organisation's members on the console: full buyer names, order parses, the queue."""
    return f"live:{session_id}:sellers"


def emit_now(event: str, payload: Any, to: str) -> None:
    socketio.emit(event, payload, to=to, namespace=NAMESPACE)


def to_live(session_id: int, event: str, payload: Any) -> None:
    """`event` for everyone on the live, once the unit of work commits."""
    after_commit(emit_now, event, payload, room(session_id))


def to_sellers(session_id: int, event: str, payload: Any) -> None:
    """`event` for the live's console only, once the unit of work commits."""
    after_commit(emit_now, event, payload, seller_room(session_id))


def to_socket(sid: str, event: str, payload: Any) -> None:
    """`event` for one connection, once the unit of work commits."""
    after_commit(emit_now, event, payload, sid)


def listening(room_name: str) -> bool:
    """Whether anyone may be in a room. With a message queue (REDIS_URL) its members may be on another process, so
    always; on a single process, the Socket.IO manager's room table says (a dict look-up), and an emit to nobody is
    not encoded at all."""
    if current_app.config.get("REDIS_URL"):
        return True
    manager = current_app.extensions["socketio"].server.manager
    if isinstance(manager, PubSubManager):
        return True
    return bool(manager.rooms.get(NAMESPACE, {}).get(room_name))


def sellers_listening(session_id: int) -> bool:
    """Whether anyone may be in the live's sellers' room (the console)."""
    return listening(seller_room(session_id))


def video_state(session_id: int, state: str, *, started: bool = False, ended: bool = False) -> None:
    """What the live's viewers hear when its video changes (the player's state; the live went on air or ended), once
    the unit of work commits."""
    if started:
        to_live(session_id, "live_started", {"session_id": session_id})
    if ended:
        to_live(session_id, "live_ended", {"session_id": session_id})
    to_live(session_id, "video_state", {"state": state, "session_id": session_id})


# Comments ---------------------------------------------------------------------------------------------------------

def ticker_payload(user: str, reserved: list[dict], stock: dict[str, int]) -> dict:
    """One ticker per order comment, carrying the fresh stock too (one frame per viewer, not one per line plus one)."""
    first = reserved[0]
    return {"text": f"{user}: " + ", ".join(f"{line['quantity']} × {line['name']}" for line in reserved),
            "code": first["code"], "quantity": first["quantity"], "remaining": stock.get(first["code"], 0),
            "lines": [{"code": line["code"], "quantity": line["quantity"], "remaining": stock.get(line["code"], 0)}
                      for line in reserved],
            "stock": stock}


def broadcast_comment(session_id: int, payload: dict, ack: dict, sender_sid: str | None = None, *,
                      hidden: bool | None = None, stock: dict[str, int] | None = None,
                      console: dict | None = None) -> None:
    """After the commit: the chat line for everyone, then one ticker (with the fresh stock) when it reserved, or the
    fresh stock alone when it only cancelled; the console gets the comment with its new lines.

    A comment hidden for abusive words goes back to its sender only (their chat looks as usual) and to the console.
    on_comment passes what it built before its commit (hidden, the stock its unit of work left, the console's comment
    and lines), so nothing is read again; other callers pass nothing and it is read here."""
    if console is None and stock is None and hidden is None:
        message = db.session.get(ChatMessage, payload["id"]) if sellers_listening(session_id) else None
        if message is not None:
            console = {"message": queries.console_message_payload(message),
                       "lines": queries.comment_lines(message.id) if ack.get("reserved") else [],
                       "user_id": message.user_id}
    if hidden is None:
        hidden = console["message"]["hidden"] if console is not None else \
            db.session.scalar(select(ChatMessage.hidden).where(ChatMessage.id == payload["id"]))
    if not hidden:
        if not chat_line(session_id, payload) and sender_sid is not None:
            emit_now("message", payload, sender_sid)  # left out of the busy frame: its sender still sees it
    elif sender_sid is not None:
        emit_now("message", payload, sender_sid)
    if ack.get("reserved") or ack.get("cancelled"):
        if stock is None:
            stock = queries.remaining_by_code(session_id)
        if ack.get("reserved"):
            chat_ticker(session_id, ticker_payload(payload["user"], ack["reserved"], stock), stock)
        else:
            chat_stock(session_id, stock)
    if console is not None:
        _emit_order_detail(session_id, console, ack)


def comment_taken(session_id: int, message: ChatMessage, reservations: list[Any], ack: dict,
                  stock: dict[str, int] | None, sender_sid: str | None) -> None:
    """Queue a taken comment's broadcast for after the commit, built from the objects in hand before the commit
    expires them (nothing is read back): the chat line, its ticker and stock, the console's copy if a seller listens."""
    console = None
    if sellers_listening(session_id):
        console = {"message": queries.console_message_payload(message),
                   "lines": [queries.queue_line(res) for res in reservations], "user_id": message.user_id}
    after_commit(broadcast_comment, session_id, queries.message_payload(message), ack, sender_sid=sender_sid,
                 hidden=message.hidden, stock=stock, console=console)


def _emit_order_detail(session_id: int, console: dict, ack: dict) -> None:
    """For the console only: the comment with its parse, the lines it reserved, the ids of the lines it released and,
    at most every LIVE_STATS_INTERVAL seconds, the stats strip (live_stats reads the whole live: never per order).

    The console keeps its queue from these; the whole queue goes out only when a console asks (console_tick)."""
    user_id = console["user_id"]
    detail = {"message": console["message"], "lines": console["lines"],
              "removed": queries.released_line_ids(session_id, user_id)
              if ack.get("cancelled") and user_id is not None else []}
    if _order_stats_due(session_id):
        detail["stats"] = stats_payload(session_id)
    emit_now("order", detail, seller_room(session_id))


def send_stock(session_id: int) -> None:
    """After the commit: what is left of every code, for everyone on the live."""
    chat_stock(session_id, queries.remaining_by_code(session_id))


# The chat, per event or coalesced ----------------------------------------------------------------------------------
#
# Each chat line, order ticker and stock change goes out at once to the per-event room (`message`, `ticker`, `stock`:
# older clients and the console; not even encoded when that room is empty on a single process) and into this
# process's frame of the live. Every LIVE_FRAME_MS milliseconds one background task sends each live's frame, if
# anything happened, to its frame room: one `frame` {"messages": [...], "ticker": the last order's ticker or null,
# "stock": the latest stock per code or null, "skipped": plain chat lines left out}, encoded once for the whole room.
# When more than LIVE_FRAME_CHAT plain chat lines arrive in one interval, the rest are left out of the frame (counted
# in `skipped`); order lines and the shop's lines always go. With several processes (Redis) each sends the frames of the comments it wrote.

class _Frame:
    __slots__ = ("messages", "ticker", "stock", "skipped", "plain")

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.ticker: dict | None = None
        self.stock: dict[str, int] | None = None
        self.skipped = 0
        self.plain = 0

    def payload(self) -> dict:
        return {"messages": self.messages, "ticker": self.ticker, "stock": self.stock, "skipped": self.skipped}


class _Frames:
    """This process's frames waiting for the next interval, and the task that sends them.

    A very large room is paced: its frames go out at most every members / LIVE_FRAME_SENDS seconds (the room's
    viewers on this process), so the fan-out of one live costs at most about LIVE_FRAME_SENDS frame sends a second
    per process whatever its audience (5,000 viewers at the default 10,000: a frame every half second). What arrives
    meanwhile waits in the live's frame: nothing is dropped but the plain chat past LIVE_FRAME_CHAT per frame."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[int, _Frame] = {}
        self.due: dict[int, float] = {}  # live → when its next frame may go (paced rooms only)
        self.pid: int | None = None
        self.sent = time.monotonic()  # when frames last went out (the interval's, or flush_frames by hand)

    def frame(self, session_id: int) -> _Frame:
        if self.pid != os.getpid():
            self._start()
        found = self.pending.get(session_id)
        if found is None:
            found = self.pending[session_id] = _Frame()
        return found

    def _start(self) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.pid = os.getpid()
        self.pending, self.due = {}, {}
        socketio.start_background_task(self._run_forever, app)

    def _run_forever(self, app: Any) -> None:
        self.sent = time.monotonic()
        while True:
            interval = max(0.01, float(app.config.get("LIVE_FRAME_MS", 200)) / 1000)
            socketio.sleep(min(interval, 0.25))  # a changed interval is picked up within a quarter of a second
            interval = max(0.01, float(app.config.get("LIVE_FRAME_MS", 200)) / 1000)
            if time.monotonic() - self.sent < interval:
                continue
            try:
                with app.app_context():
                    self.flush(paced=True)
            except Exception:  # never let the sender die
                log.exception("live frames: a flush failed")

    def take(self, now: float | None = None) -> dict[int, _Frame]:
        """The pending frames (with `now`: only those of lives whose pace lets them go at `now`)."""
        with self.lock:
            if now is None:
                taken, self.pending = self.pending, {}
                return taken
            taken = {live: frame for live, frame in self.pending.items() if self.due.get(live, 0.0) <= now}
            for live in taken:
                del self.pending[live]
            return taken

    def _pace(self, session_id: int, now: float) -> None:
        """When this live's next frame may go: a room of n viewers here waits n / LIVE_FRAME_SENDS seconds."""
        budget = float(current_app.config.get("LIVE_FRAME_SENDS", 10_000))
        interval = max(0.01, float(current_app.config.get("LIVE_FRAME_MS", 200)) / 1000)
        manager = current_app.extensions["socketio"].server.manager
        members = len(manager.rooms.get(NAMESPACE, {}).get(frame_room(session_id)) or ())
        wait = members / budget if budget > 0 else 0.0
        if wait > interval:
            self.due[session_id] = now + wait - interval / 2  # sent by the interval's tick nearest to it
        else:
            self.due.pop(session_id, None)

    def flush(self, paced: bool = False) -> int:
        """Send the pending frames (`paced`: the interval's tick, which holds a large room's frame until its turn);
        any flush starts the next interval."""
        self.sent = now = time.monotonic()
        taken = self.take(now if paced else None)
        for session_id, frame in taken.items():
            socketio.emit("frame", frame.payload(), to=frame_room(session_id), namespace=NAMESPACE)
            self._pace(session_id, now)
        if paced and len(self.due) > len(self.pending) + 1000:  # lives long quiet: forget their pace
            with self.lock:
                self.due = {live: at for live, at in self.due.items() if at > now or live in self.pending}
        return len(taken)


_frames = _Frames()


def flush_frames() -> int:
    """Send every live's pending frame now (the background task does it each interval); how many were sent."""
    return _frames.flush()


def _plain(payload: dict) -> bool:
    return payload.get("kind") != "order" and not payload.get("seller")


def chat_line(session_id: int, payload: dict) -> bool:
    """A chat line for everyone on the live: now to the per-event room, in the next frame to the frame room.
    False when the frame left it out (a busy interval's plain chat)."""
    if listening(chat_room(session_id)):
        emit_now("message", payload, chat_room(session_id))
    most = int(current_app.config.get("LIVE_FRAME_CHAT", 30))
    with _frames.lock:
        frame = _frames.frame(session_id)
        if _plain(payload):
            frame.plain += 1
            if most >= 0 and frame.plain > most:
                frame.skipped += 1
                return False
        frame.messages.append(payload)
    return True


def chat_ticker(session_id: int, ticker: dict, stock: dict[str, int]) -> None:
    if listening(chat_room(session_id)):
        emit_now("ticker", ticker, chat_room(session_id))
    with _frames.lock:
        frame = _frames.frame(session_id)
        frame.ticker, frame.stock = ticker, stock


def chat_stock(session_id: int, stock: dict[str, int]) -> None:
    if listening(chat_room(session_id)):
        emit_now("stock", stock, chat_room(session_id))
    with _frames.lock:
        _frames.frame(session_id).stock = stock


# The console's stats strip ----------------------------------------------------------------------------------------

def stats_payload(session_id: int) -> dict:
    stats = queries.live_stats(session_id)
    stats["viewers"] = viewers.count(session_id)
    return stats


# Per process: live id → when an `order` last carried the stats strip. Cleared when a member opens the console, so the
# first order a console sees always brings fresh stats; several processes each send theirs at most every interval.
_order_stats_at: dict[int, float] = {}


def console_opened(session_id: int) -> None:
    _order_stats_at.pop(session_id, None)


def _order_stats_due(session_id: int) -> bool:
    interval = float(current_app.config.get("LIVE_STATS_INTERVAL", 2))
    now = time.monotonic()
    last = _order_stats_at.get(session_id)
    if interval > 0 and last is not None and now - last < interval:
        return False
    _forget_old(_order_stats_at, now, interval)
    _order_stats_at[session_id] = now
    return True


def _forget_old(seen: dict[int, float], now: float, seconds: float) -> None:
    if len(seen) > 1000:  # lives long over: forget them
        for live_id, at in list(seen.items()):
            if now - at >= seconds:
                seen.pop(live_id, None)


def send_stats(session_id: int) -> None:
    """The stats strip for the sellers' room after joins and leaves, at most once per LIVE_STATS_INTERVAL seconds
    (2 by default) per live, across processes with Redis."""
    if not sellers_listening(session_id):
        return
    interval = float(current_app.config.get("LIVE_STATS_INTERVAL", 2))
    try:
        if interval > 0 and not viewers.current().allow(f"stats:{session_id}", interval):
            return
    except Exception:  # no throttle without Redis: skip this refresh, the console asks anyway
        return
    emit_now("stats", stats_payload(session_id), seller_room(session_id))


# Flash sales that ran out -----------------------------------------------------------------------------------------

# Per process: live id → when a comment last looked for ended flash sales. A storm's comments look at most once a
# FLASH_END_LOOK_SECONDS per live (the console's tick and the 5-second job look every time); the countdown each client
# runs from `ends_at` shows the end on time anyway, and a reservation reads the end time itself.
FLASH_END_LOOK_SECONDS = 1.0
_flash_end_looked_at: dict[int, float] = {}


def flash_sale_ended(session_id: int, payload: dict) -> None:
    to_live(session_id, "flash_sale_ended", payload)


def announce_ended_flash_sales(session_id: int | None = None) -> int:
    """Queue flash_sale_ended for the flash sales past their end time (of one live, or of all: the job); each one
    once, whichever process sees it first. Correctness never waits for this: a reservation reads the end time."""
    ended = flash_sales.end_due(session_id, utcnow())
    for sale in ended:
        flash_sale_ended(sale.session_id, flash_sales.ended_payload(sale))
    return len(ended)


def announce_ended_flash_sales_now_and_then(session_id: int) -> None:
    """After a comment: look for ended flash sales at most once a FLASH_END_LOOK_SECONDS per live, and announce
    them in a unit of work of its own (the comment's has committed)."""
    now = time.monotonic()
    last = _flash_end_looked_at.get(session_id)
    if last is not None and now - last < FLASH_END_LOOK_SECONDS:
        return
    _forget_old(_flash_end_looked_at, now, FLASH_END_LOOK_SECONDS)
    _flash_end_looked_at[session_id] = now
    announce_ended_flash_sales(session_id)
    db.session.commit()
