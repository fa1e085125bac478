"""Socket.IO namespace /live: join a live, replay missed messages, comment to order, seller actions."""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app, request
from flask import session as socket_session
from flask_babel import lazy_gettext as _l
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room
from socketio import PubSubManager
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ..accounts.models import User
from ..accounts.services import user_for_api_token, user_for_login_session
from ..errors import HTTP_CODES, DomainError, InvalidInput, NotFound, NotSignedIn, socket_error
from ..core.dbtypes import utcnow
from ..core.jobs import register_job
from ..extensions import db, socketio
from . import buyer_news
from . import flash as flash_sales
from . import moderation, queries, services, viewers
from .models import ChatMessage

log = logging.getLogger(__name__)

NAMESPACE = "/live"


def room(session_id: int) -> str:
    return f"live:{session_id}"


def seller_room(session_id: int) -> str:
    """The organisation's members on the console: full buyer names, order parses, the queue."""
    return f"live:{session_id}:sellers"


def _last_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
        raw = int(raw)
    return raw if isinstance(raw, int) and 0 <= raw < 2**63 else None


def _joined() -> tuple[int, User | None]:
    """The live this socket joined and its signed-in user (None for a watcher)."""
    state = socket_session.get("live")
    if not isinstance(state, dict):
        raise NotFound(_l("Join a live first."), code="unknown_live")
    user = db.session.get(User, state["user_id"]) if state.get("user_id") else None
    return state["session_id"], user


class LiveNamespace(Namespace):
    """Thin handlers: services do the work, the handler commits once and emits only after the commit."""

    def on_connect(self, auth: Any = None):
        auth = auth if isinstance(auth, dict) else {}
        try:
            live = services.get_session(auth.get("session_id"))
        except NotFound as exc:
            raise ConnectionRefusedError(exc.to_dict()) from None
        user = None
        if auth.get("token") is not None:
            user = user_for_api_token(auth["token"]) if isinstance(auth["token"], str) else None
            if user is None:
                raise ConnectionRefusedError({"code": "invalid_token",
                                              "message": str(_l("Your sign-in has expired. Please sign in again."))})
        else:
            # The browser's login session, read from the cookie session directly: Flask-Login caches the user
            # in g, which is not per-socket when handlers share an application context.
            user = user_for_login_session(socket_session.get("_user_id"))
        try:
            services.require_viewer(user, live)
        except NotFound as exc:
            raise ConnectionRefusedError(exc.to_dict()) from None
        live_id = live.id  # kept: the commit (a new peak) and the rollback below expire the row
        member = user is not None and services.is_seller(user, live)
        # "member": this connection's comments show as the shop (looked up once here, not on every comment).
        socket_session["live"] = {"session_id": live_id, "user_id": user.id if user else None, "member": member}
        join_room(room(live_id))
        if user is not None:
            # The buyer's own connections: news about their order (buyer_news) reaches every live page they have open.
            join_room(buyer_news.buyer_room(user.id))
            _track_buyer(user.id, joined=True)
        if member:
            join_room(seller_room(live_id))
            _order_stats_at.pop(live_id, None)
        count = _track_viewer(live_id, joined=True)
        if count and count > (live.peak_viewers or 0):
            # Only a new peak is written (the row read just above says; the UPDATE is conditional too, so racing
            # joins never lower it): a reconnect or a join below the peak costs no write and no commit.
            viewers.record_peak(live_id, count)
            db.session.commit()
        last_id = _last_id(auth.get("last_id"))
        if last_id is not None:
            # Joined first, then replayed: a message committed in between may come twice, never zero times;
            # clients drop ids they have already shown.
            for message in queries.messages_after(live_id, last_id):
                # A member may read the full text (the console's copy); everyone else the public copy.
                emit("message", queries.console_message_payload(message) if member else queries.message_payload(message))
        for sale in flash_sales.running(live_id):  # a flash sale already running: its countdown starts at once
            emit("flash_sale", sale)
        db.session.rollback()
        _emit_stats(live_id)

    def on_disconnect(self, *_reason):
        state = socket_session.get("live")
        if isinstance(state, dict):
            _track_viewer(state["session_id"], joined=False)
            if state.get("user_id"):
                _track_buyer(state["user_id"], joined=False)
            _emit_stats(state["session_id"])

    def on_comment(self, data: Any = None):
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or len(data["text"]) > 2000:
            return socket_error(InvalidInput(_l("Send a comment as {\"text\": ..., \"client_id\": ...}.")))
        try:
            session_id, user = _joined()
            if user is None:
                raise NotSignedIn(_l("Please sign in to comment and order."))
            outcome = services.take_comment(
                session_id, user, data["text"], data.get("client_id"),
                hold_hours=current_app.config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS),
                min_interval=current_app.config.get("LIVE_COMMENT_MIN_INTERVAL", 1.0),
                hidden_words=moderation.hidden_word_list(current_app.config.get("LIVE_HIDDEN_WORDS")),
                by_shop=bool(socket_session["live"].get("member")))
            ack, message = outcome.ack, outcome.message
            payload = console = None
            if message is not None:
                # Built from the objects in hand before the commit expires them: nothing is read back afterwards.
                payload = queries.message_payload(message)
                hidden = message.hidden
                if _sellers_listening(session_id):
                    console = {"message": queries.console_message_payload(message),
                               "lines": [queries.queue_line(res) for res in outcome.reservations],
                               "user_id": message.user_id}
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            return socket_error(exc)
        except OperationalError as exc:
            # The database is restarting: nothing was committed, so the same client_id can simply be re-sent.
            db.session.rollback()
            log.warning("live comment: database unavailable (%s)", type(getattr(exc, "orig", exc)).__name__)
            return socket_error(DomainError(HTTP_CODES[503][1], code="unavailable", retry=True))
        except Exception:
            db.session.rollback()
            log.exception("live comment failed")
            return socket_error(DomainError(_l("Something went wrong on our side. Please try again."),
                                            code="server_error"))
        if payload is not None:
            broadcast_comment(session_id, payload, ack, sender_sid=request.sid, hidden=hidden, stock=outcome.stock,
                              console=console)
            _announce_ended_flash_sales_now_and_then(session_id)
        return ack

    def on_seller_reply(self, data: Any = None):
        """A member answers in the chat: stored as a plain chat line, broadcast like any comment."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or len(data["text"]) > 2000:
            return socket_error(InvalidInput(_l("Send a comment as {\"text\": ..., \"client_id\": ...}.")))
        try:
            session_id, user = _joined()
            if user is None:
                raise NotSignedIn()
            message = services.post_seller_reply(user, services.get_session(session_id), data["text"],
                                                 data.get("client_id"))
            payload = queries.message_payload(message)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            return socket_error(exc)
        emit("message", payload, to=room(session_id), namespace=NAMESPACE)
        return {"ok": True, "message_id": payload["id"]}

    def on_mute_user(self, data: Any = None):
        def act(live, user):
            mute = moderation.mute_user(user, live, data.get("user_id"), data.get("minutes"))
            return "user_muted", {"user_id": mute.user_id, "until": mute.until.isoformat()}
        return _seller_action(data, act, to_sellers=True)

    def on_unmute_user(self, data: Any = None):
        def act(live, user):
            moderation.unmute_user(user, live, data.get("user_id"))
            return "user_unmuted", {"user_id": data.get("user_id")}
        return _seller_action(data, act, to_sellers=True)

    def on_ban_user(self, data: Any = None):
        def act(live, user):
            ban = moderation.ban_user(user, live, data.get("user_id"))
            return "user_banned", {"user_id": ban.user_id, "name": ban.user.name}
        return _seller_action(data, act, to_sellers=True)

    def on_unban_user(self, data: Any = None):
        def act(live, user):
            moderation.unban_user(user, live, data.get("user_id"))
            return "user_unbanned", {"user_id": data.get("user_id")}
        return _seller_action(data, act, to_sellers=True)

    def on_start_flash_sale(self, data: Any = None):
        def act(live, user):
            sale = flash_sales.start_flash_sale(user, live, data.get("code"), price=data.get("price"),
                                                seconds=data.get("seconds"), per_buyer_cap=data.get("per_buyer_cap"))
            return "flash_sale", flash_sales.payload(sale)
        return _seller_action(data, act)

    def on_stop_flash_sale(self, data: Any = None):
        def act(live, user):
            sale = flash_sales.stop_flash_sale(user, live, data.get("code"))
            sale.end_announced = True
            buyer_news.flash_sale_ended(sale)
            return "flash_sale_ended", flash_sales.ended_payload(sale)
        return _seller_action(data, act)

    def on_console_tick(self, data: Any = None):
        """The console asks every few seconds: ends flash sales that ran out, answers with fresh stats and the queue."""
        try:
            session_id, user = _joined()
            if user is None:
                raise NotSignedIn()
            live = services.open_console(user, services.get_session(session_id))
            silenced = moderation.silenced(live)
        except DomainError as exc:
            db.session.rollback()
            return socket_error(exc)
        db.session.rollback()
        announce_ended_flash_sales(session_id)
        # The whole held queue: the console replaces its own with it, keeping lines above queue_upto that an
        # `order` may have brought while this was read; lines checked out or expired leave the console here.
        upto = queries.last_reservation_id(session_id)
        held = [queries.queue_line(r) for r in queries.held_queue(session_id)]
        stats = stats_payload(session_id)
        db.session.rollback()
        return {"ok": True, "stats": stats, "queue": held, "queue_upto": upto, "muted": silenced["muted"],
                "banned": sorted(silenced["banned"]),
                "blocked": [{"user_id": uid, "name": name} for uid, name in silenced["banned"].items()]}

    def on_hide_message(self, data: Any = None):
        def act(live, user):
            message = services.hide_message(user, live, data.get("message_id"))
            return "message_hidden", {"id": message.id}
        return _seller_action(data, act)

    def on_pin_product(self, data: Any = None):
        def act(live, user):
            lp = services.pin_product(user, live, data.get("code"), bool(data.get("pinned", True)))
            return "pinned", {"code": lp.live_code if lp.pinned else None}
        return _seller_action(data, act)

    def on_end_live(self, data: Any = None):
        def act(live, user):
            services.end_live(user, live)
            return "live_ended", {"session_id": live.id}
        return _seller_action(data if isinstance(data, dict) else {}, act)

    def on_start_live(self, data: Any = None):
        def act(live, user):
            services.start_live(user, live)
            return "live_started", {"session_id": live.id}
        return _seller_action(data if isinstance(data, dict) else {}, act)

    def on_set_slow_mode(self, data: Any = None):
        def act(live, user):
            services.set_slow_mode(user, live, data.get("seconds"))
            return "slow_mode", {"seconds": live.slow_mode_seconds}
        return _seller_action(data, act)

    def on_cancel_reservation(self, data: Any = None):
        def act(live, user):
            res = services.cancel_reservation(user, services.get_reservation(live, data.get("reservation_id")),
                                              data.get("reason"))
            return "reservation_cancelled", {"id": res.id, "code": res.live_product.live_code}
        result = _seller_action(data, act, to_sellers=True)
        if result.get("ok"):
            _emit_stock(_joined()[0])
        return result

    def on_confirm_buyer(self, data: Any = None):
        """Confirm every held line of one buyer in one tap; the buyer is told (buyer_notice)."""
        def act(live, user):
            lines = services.confirm_buyer_lines(user, live, data.get("user_id"))
            return "buyer_confirmed", {"user_id": lines[0].user_id, "ids": [r.id for r in lines],
                                       "confirmed_at": lines[0].confirmed_at.isoformat()}
        return _seller_action(data, act, to_sellers=True)


def _seller_action(data: Any, act, to_sellers: bool = False) -> dict:
    """Seller events: the service checks membership (require_org_role); a buyer gets forbidden."""
    if not isinstance(data, dict):
        return socket_error(InvalidInput())
    try:
        session_id, user = _joined()
        if user is None:
            raise NotSignedIn()
        live = services.open_console(user, services.get_session(session_id))  # members only, before any lookup
        event, payload = act(live, user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return socket_error(exc)
    emit(event, payload, to=seller_room(session_id) if to_sellers else room(session_id), namespace=NAMESPACE)
    return {"ok": True}


def _emit_stock(session_id: int) -> None:
    stock = queries.remaining_by_code(session_id)
    db.session.rollback()
    emit("stock", stock, to=room(session_id), namespace=NAMESPACE)


def _sellers_listening(session_id: int) -> bool:
    """Whether anyone may be in the live's sellers' room. With a message queue (REDIS_URL) the room's members may be
    on another process, so always; on a single process, the Socket.IO manager's room table says (a dict look-up)."""
    if current_app.config.get("REDIS_URL"):
        return True
    manager = current_app.extensions["socketio"].server.manager
    if isinstance(manager, PubSubManager):
        return True
    return bool(manager.rooms.get(NAMESPACE, {}).get(seller_room(session_id)))


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
        message = db.session.get(ChatMessage, payload["id"]) if _sellers_listening(session_id) else None
        if message is not None:
            console = {"message": queries.console_message_payload(message),
                       "lines": queries.comment_lines(message.id) if ack.get("reserved") else [],
                       "user_id": message.user_id}
    if hidden is None:
        hidden = console["message"]["hidden"] if console is not None else \
            db.session.scalar(select(ChatMessage.hidden).where(ChatMessage.id == payload["id"]))
    if not hidden:
        emit("message", payload, to=room(session_id), namespace=NAMESPACE)
    elif sender_sid is not None:
        emit("message", payload, to=sender_sid, namespace=NAMESPACE)
    if ack.get("reserved") or ack.get("cancelled"):
        if stock is None:
            stock = queries.remaining_by_code(session_id)
        if ack.get("reserved"):
            emit("ticker", ticker_payload(payload["user"], ack["reserved"], stock), to=room(session_id),
                 namespace=NAMESPACE)
        else:
            emit("stock", stock, to=room(session_id), namespace=NAMESPACE)
    if console is not None:
        _emit_order_detail(session_id, console, ack)
    db.session.rollback()


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
    db.session.rollback()
    emit("order", detail, to=seller_room(session_id), namespace=NAMESPACE)


def _viewers() -> viewers.ViewerRegistry:
    return viewers.registry(current_app.config.get("REDIS_URL"))


def _track_buyer(user_id: int, joined: bool) -> None:
    """Whether a buyer has a live page open decides if their news is an unread notification (buyer_news)."""
    try:
        registry = _viewers()
        (registry.user_join if joined else registry.user_leave)(user_id, request.sid)
    except Exception:  # noqa: BLE001
        log.warning("presence of user %s not updated", user_id, exc_info=True)


def _track_viewer(session_id: int, joined: bool) -> int | None:
    """Add or remove this socket in the live's viewer registry; a Redis hiccup costs the count, never the viewer."""
    try:
        registry = _viewers()
        return registry.join(session_id, request.sid) if joined else registry.leave(session_id, request.sid)
    except Exception:  # noqa: BLE001
        log.warning("viewer count for live %s not updated", session_id, exc_info=True)
        return None


def stats_payload(session_id: int) -> dict:
    stats = queries.live_stats(session_id)
    try:
        stats["viewers"] = _viewers().count(session_id)
    except Exception:  # noqa: BLE001
        log.warning("viewer count for live %s unavailable", session_id, exc_info=True)
        stats["viewers"] = None
    return stats


# Per process: live id → when an `order` last carried the stats strip. Cleared when a member opens the console, so the
# first order a console sees always brings fresh stats; several processes each send theirs at most every interval.
_order_stats_at: dict[int, float] = {}


def _order_stats_due(session_id: int) -> bool:
    interval = float(current_app.config.get("LIVE_STATS_INTERVAL", 2))
    now = time.monotonic()
    last = _order_stats_at.get(session_id)
    if interval > 0 and last is not None and now - last < interval:
        return False
    if len(_order_stats_at) > 1000:  # lives long over: forget them
        for live_id, at in list(_order_stats_at.items()):
            if now - at >= interval:
                _order_stats_at.pop(live_id, None)
    _order_stats_at[session_id] = now
    return True


def _emit_stats(session_id: int) -> None:
    """The stats strip for the sellers' room after joins and leaves, at most once per LIVE_STATS_INTERVAL seconds
    (2 by default) per live, across processes with Redis."""
    if not _sellers_listening(session_id):
        return
    interval = float(current_app.config.get("LIVE_STATS_INTERVAL", 2))
    try:
        if interval > 0 and not _viewers().allow(f"stats:{session_id}", interval):
            return
    except Exception:  # noqa: BLE001 - no throttle without Redis: skip this refresh, the console asks anyway
        return
    stats = stats_payload(session_id)
    db.session.rollback()
    emit("stats", stats, to=seller_room(session_id), namespace=NAMESPACE)


# Per process: live id → when a comment last looked for ended flash sales. A storm's comments look at most once a
# FLASH_END_LOOK_SECONDS per live (the console's tick and the 5-second job look every time); the countdown each client
# runs from `ends_at` shows the end on time anyway, and a reservation reads the end time itself.
FLASH_END_LOOK_SECONDS = 1.0
_flash_end_looked_at: dict[int, float] = {}


def _announce_ended_flash_sales_now_and_then(session_id: int) -> None:
    now = time.monotonic()
    last = _flash_end_looked_at.get(session_id)
    if last is not None and now - last < FLASH_END_LOOK_SECONDS:
        return
    if len(_flash_end_looked_at) > 1000:
        for live_id, at in list(_flash_end_looked_at.items()):
            if now - at >= FLASH_END_LOOK_SECONDS:
                _flash_end_looked_at.pop(live_id, None)
    _flash_end_looked_at[session_id] = now
    announce_ended_flash_sales(session_id)


def announce_ended_flash_sales(session_id: int | None = None) -> int:
    """Emit flash_sale_ended for flash sales past their end time; each one once, whichever process sees it first.

    Correctness never waits for this: a reservation reads the end time itself."""
    ended = flash_sales.claim_ended(session_id, utcnow())
    payloads = [(sale.session_id, flash_sales.ended_payload(sale)) for sale in ended]
    for sale in ended:
        buyer_news.flash_sale_ended(sale)  # their lines keep the flash price: each buyer hears it once
    db.session.commit()
    for live_id, body in payloads:
        socketio.emit("flash_sale_ended", body, to=room(live_id), namespace=NAMESPACE)
    return len(payloads)


def register_namespace(_state=None) -> None:
    """Called each time the blueprint is registered: every app (its SocketIO server) gets the namespace."""
    socketio.on_namespace(LiveNamespace(NAMESPACE))


# Comments and the console's tick notice ended flash sales too; the job tells a quiet live on time.
register_job("livestream.flash-sales-ended", announce_ended_flash_sales, every_seconds=5)
# A seller confirms a live cart's order in the shop (which knows nothing of lives): the buyer hears it within 30 s.
register_job("livestream.orders-confirmed", buyer_news.orders_confirmed, every_seconds=30)
