"""Socket.IO namespace /live: join a live, replay missed messages, comment to order, seller actions.

Thin handlers: each is one unit of work (core.sockets.socket_unit_of_work): services do the work, the wrapper commits
once, the emits queued in broadcast go out after the commit, and every failure is answered the same way."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from flask import request as _request
from flask import session as socket_session
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_socketio import Namespace, join_room

from ..accounts.models import User
from ..accounts.services import user_for_api_token, user_for_login_session
from ..core.sockets import server_error, socket_unit_of_work
from ..core.uow import after_commit
from ..errors import DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn, socket_error
from ..extensions import db, socketio
from . import batch, broadcast, buyer_news, moderation, queries, services, viewers
from . import flash as flash_sales
from .broadcast import NAMESPACE, room, seller_room
from .models import LiveSession
from .trust import overlays

log = logging.getLogger(__name__)
request: Any = _request  # Flask-SocketIO adds request.sid, which Flask's own types do not know

MAX_TEXT = 2000  # a comment's payload; the service cuts at 500 characters, this only refuses a flood unread


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


def _buyer() -> tuple[int, User]:
    session_id, user = _joined()
    if user is None:
        raise NotSignedIn(_l("Please sign in to comment and order."))
    return session_id, user


def _console(data: Any) -> tuple[LiveSession, User]:
    """Seller events: a dict payload, a signed-in member of the live's organisation (checked before any lookup
    the payload names; anyone else gets not_a_member)."""
    if not isinstance(data, dict):
        raise InvalidInput()
    session_id, user = _joined()
    if user is None:
        raise NotSignedIn()
    return services.open_console(user, services.get_session(session_id)), user


def _comment_text(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or len(data["text"]) > MAX_TEXT:
        raise InvalidInput(_l("Send a comment as {\"text\": ..., \"client_id\": ...}."))
    return data["text"]


def _connecting_user(auth: dict) -> User | None:
    if auth.get("token") is not None:
        user = user_for_api_token(auth["token"]) if isinstance(auth["token"], str) else None
        if user is None:
            raise NotSignedIn(_l("Your sign-in has expired. Please sign in again."), code="invalid_token")
        return user
    # The browser's login session, read from the cookie session directly: Flask-Login caches the user in g, which is
    # not per-socket when handlers share an application context.
    return user_for_login_session(socket_session.get("_user_id"))


def comment_to_batch(app: Flask, state: Any, sid: str, data: Any) -> dict[str, Any]:
    """`comment` under group commit, without Flask-SocketIO's per-event request context (a request object, the
    cookie session, the signed-in user loaded again, the teardown): the handler reads nothing but the connection's own
    state, set when it joined, and hands the comment to the process's batch writer (batch.py), which answers once its
    batch has committed. Errors are answered as socket_unit_of_work answers them, in the connection's language."""
    try:
        text = _comment_text(data)
        if not isinstance(state, dict):
            raise NotFound(_l("Join a live first."), code="unknown_live")
        if not state.get("user_id"):
            raise NotSignedIn(_l("Please sign in to comment and order."))
        return batch.writer(app).submit(batch.PendingComment(
            session_id=state["session_id"], user_id=state["user_id"], text=text, client_id=data.get("client_id"),
            by_shop=bool(state.get("member")), sender_sid=sid, locale=state["locale"]))
    except DomainError as exc:
        error = exc
    except Exception:  # as socket_unit_of_work: logged, answered
        log.exception("live comment failed before its batch")
        error = server_error()
    with app.app_context(), force_locale(state["locale"] if isinstance(state, dict) else None):
        return socket_error(error)


class LiveNamespace(Namespace):
    """The /live events; docs/realtime-api.md describes each one, its payload and what it broadcasts."""

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Every event through Flask-SocketIO's request context, but `comment` under group commit (comment_to_batch):
        the busiest event of a sale, and the one whose handler needs nothing of it."""
        if event == "comment" and args:
            environ = self.socketio.server.get_environ(args[0], namespace=self.namespace) or {}
            app, session = environ.get("flask.app"), environ.get("saved_session")
            state = session.get("live") if session is not None else None
            if app is not None and app.config.get("LIVE_GROUP_COMMIT", True) and \
                    (state is None or "locale" in state):
                return comment_to_batch(app, state, args[0], args[1] if len(args) > 1 else None)
        return super().trigger_event(event, *args)

    @socket_unit_of_work(connect=True)
    def on_connect(self, auth: Any = None):
        auth = auth if isinstance(auth, dict) else {}
        live = services.get_session(auth.get("session_id"))
        user = _connecting_user(auth)
        services.require_viewer(user, live)
        live_id, peak = live.id, live.peak_viewers or 0
        member = user is not None and services.is_seller(user, live)
        if live.is_withheld and not (member or getattr(user, "is_admin", False)):
            # Stopped by the platform and not reviewed yet: no chat replay, no room (trust/stop.py).
            raise Forbidden(_l("The platform stopped this live. Contact the platform's admin."), code="live_stopped")
        # "member": this connection's comments show as the shop (looked up once here, not on every comment).
        # "locale": the language this connection's answers are written in, chosen once (comment_to_batch): the
        # account's (a token client's too), else the page's (the cookie).
        locale = getattr(user, "locale", None)
        if locale not in current_app.config["LANGUAGES"]:
            locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
        socket_session["live"] = {"session_id": live_id, "user_id": user.id if user else None, "member": member,
                                  "locale": locale}
        join_room(room(live_id))
        # The chat one event per line (older clients, the console), or coalesced into one `frame` per interval.
        join_room(broadcast.frame_room(live_id) if auth.get("frames") is True
                  else broadcast.chat_room(live_id))
        if user is not None:
            # The buyer's own connections: news about their order (buyer_news) reaches every live page they have open.
            join_room(buyer_news.buyer_room(user.id))
            viewers.track_buyer(user.id, request.sid, joined=True)
        if member:
            join_room(seller_room(live_id))
            broadcast.console_opened(live_id)
        count = viewers.track_viewer(live_id, request.sid, joined=True)
        last_id = _last_id(auth.get("last_id"))
        if last_id is not None:
            # Joined first, then replayed: a message committed in between may come twice, never zero times;
            # clients drop ids they have already shown. A member may read the full text (the console's copy).
            for message in queries.messages_after(live_id, last_id):
                broadcast.to_socket(request.sid, "message", queries.console_message_payload(message) if member
                                    else queries.message_payload(message))
        for sale in flash_sales.running(live_id):  # a flash sale already running: its countdown starts at once
            broadcast.to_socket(request.sid, "flash_sale", sale)
        if count and count > peak:
            # Only a new peak is written, last (a short write lock on SQLite), by a conditional UPDATE that racing
            # joins never lower: a reconnect or a join below the peak writes nothing.
            viewers.record_peak(live_id, count)
        after_commit(broadcast.send_stats, live_id)

    @socket_unit_of_work
    def on_disconnect(self, *_reason):
        state = socket_session.get("live")
        if isinstance(state, dict):
            viewers.track_viewer(state["session_id"], request.sid, joined=False)
            if state.get("user_id"):
                viewers.track_buyer(state["user_id"], request.sid, joined=False)
            after_commit(broadcast.send_stats, state["session_id"])

    @socket_unit_of_work
    def on_comment(self, data: Any = None):
        text = _comment_text(data)
        if current_app.config.get("LIVE_GROUP_COMMIT", True):
            # Group commit (batch.py): the process's writer decides this comment with the others of its batch,
            # commits once, runs the broadcasts, and only then answers here. This handler reads and writes nothing.
            state = socket_session.get("live")
            if not isinstance(state, dict):
                raise NotFound(_l("Join a live first."), code="unknown_live")
            if not state.get("user_id"):
                raise NotSignedIn(_l("Please sign in to comment and order."))
            return batch.submit(batch.PendingComment(
                session_id=state["session_id"], user_id=state["user_id"], text=text, client_id=data.get("client_id"),
                by_shop=bool(state.get("member")), sender_sid=request.sid, locale=str(get_locale() or "vi")))
        session_id, user = _buyer()
        client_id = data.get("client_id")
        try:
            outcome = services.take_comment(
                session_id, user, text, client_id,
                hold_hours=current_app.config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS),
                min_interval=current_app.config.get("LIVE_COMMENT_MIN_INTERVAL", 1.0),
                hidden_words=moderation.hidden_word_list(current_app.config.get("LIVE_HIDDEN_WORDS")),
                by_shop=bool(socket_session["live"].get("member")))
        except services.CommentRaced:
            # The same client_id came in on another connection and committed first: this unit keeps nothing, and
            # the buyer gets that comment's ack, as for any re-sent client_id.
            db.session.rollback()
            return services.replayed_ack(session_id, user, client_id)
        if outcome.message is not None:
            broadcast.comment_taken(session_id, outcome.message, outcome.reservations, outcome.ack, outcome.stock,
                                    request.sid)
            after_commit(broadcast.announce_ended_flash_sales_now_and_then, session_id)
        return outcome.ack

    @socket_unit_of_work
    def on_seller_reply(self, data: Any = None):
        """A member answers in the chat: stored as a plain chat line, broadcast like any comment."""
        text = _comment_text(data)
        session_id, user = _joined()
        if user is None:
            raise NotSignedIn()
        message = services.post_seller_reply(user, services.get_session(session_id), text, data.get("client_id"))
        payload = queries.message_payload(message)
        after_commit(broadcast.chat_line, session_id, payload)
        return {"ok": True, "message_id": payload["id"]}

    @socket_unit_of_work
    def on_mute_user(self, data: Any = None):
        live, user = _console(data)
        mute = moderation.mute_user(user, live, data.get("user_id"), data.get("minutes"))
        broadcast.to_sellers(live.id, "user_muted", {"user_id": mute.user_id, "until": mute.until.isoformat()})
        return {"ok": True}

    @socket_unit_of_work
    def on_unmute_user(self, data: Any = None):
        live, user = _console(data)
        moderation.unmute_user(user, live, data.get("user_id"))
        broadcast.to_sellers(live.id, "user_unmuted", {"user_id": data.get("user_id")})
        return {"ok": True}

    @socket_unit_of_work
    def on_ban_user(self, data: Any = None):
        live, user = _console(data)
        ban = moderation.ban_user(user, live, data.get("user_id"))
        broadcast.to_sellers(live.id, "user_banned", {"user_id": ban.user_id, "name": ban.user.name})
        return {"ok": True}

    @socket_unit_of_work
    def on_unban_user(self, data: Any = None):
        live, user = _console(data)
        moderation.unban_user(user, live, data.get("user_id"))
        broadcast.to_sellers(live.id, "user_unbanned", {"user_id": data.get("user_id")})
        return {"ok": True}

    @socket_unit_of_work
    def on_start_flash_sale(self, data: Any = None):
        live, user = _console(data)
        sale = flash_sales.start_flash_sale(user, live, data.get("code"), price=data.get("price"),
                                            seconds=data.get("seconds"), per_buyer_cap=data.get("per_buyer_cap"))
        broadcast.to_live(live.id, "flash_sale", flash_sales.payload(sale))
        return {"ok": True}

    @socket_unit_of_work
    def on_stop_flash_sale(self, data: Any = None):
        live, user = _console(data)
        sale = flash_sales.stop_flash_sale(user, live, data.get("code"))
        broadcast.flash_sale_ended(live.id, flash_sales.ended_payload(sale))
        return {"ok": True}

    @socket_unit_of_work
    def on_console_tick(self, data: Any = None):
        """The console asks every few seconds: ends flash sales that ran out, answers with fresh stats and the queue."""
        live, _user = _console(data if isinstance(data, dict) else {})
        silenced = moderation.silenced(live)
        broadcast.announce_ended_flash_sales(live.id)
        # The whole held queue: the console replaces its own with it, keeping lines above queue_upto that an
        # `order` may have brought while this was read; lines checked out or expired leave the console here.
        upto = queries.last_reservation_id(live.id)
        held = [queries.queue_line(r) for r in queries.held_queue(live.id)]
        return {"ok": True, "stats": broadcast.stats_payload(live.id), "queue": held, "queue_upto": upto,
                "muted": silenced["muted"], "banned": sorted(silenced["banned"]),
                "blocked": [{"user_id": uid, "name": name} for uid, name in silenced["banned"].items()]}

    @socket_unit_of_work
    def on_hide_message(self, data: Any = None):
        live, user = _console(data)
        message = services.hide_message(user, live, data.get("message_id"))
        broadcast.to_live(live.id, "message_hidden", {"id": message.id})
        return {"ok": True}

    @socket_unit_of_work
    def on_pin_product(self, data: Any = None):
        live, user = _console(data)
        lp = services.pin_product(user, live, data.get("code"), bool(data.get("pinned", True)))
        broadcast.to_live(live.id, "pinned", {"code": lp.live_code if lp.pinned else None})
        return {"ok": True}

    @socket_unit_of_work
    def on_end_live(self, data: Any = None):
        live, user = _console(data if isinstance(data, dict) else {})
        services.end_live(user, live)
        broadcast.to_live(live.id, "live_ended", {"session_id": live.id})
        return {"ok": True}

    @socket_unit_of_work
    def on_start_live(self, data: Any = None):
        live, user = _console(data if isinstance(data, dict) else {})
        services.start_live(user, live)
        broadcast.to_live(live.id, "live_started", {"session_id": live.id})
        return {"ok": True}

    @socket_unit_of_work
    def on_show_warning(self, data: Any = None):
        """The host shows a warning over the video (a preset or their own words, optionally on a product code)."""
        live, user = _console(data)
        warning = overlays.show_warning(user, live, preset=data.get("preset"), text=data.get("text"),
                                        code=data.get("code"))
        broadcast.to_live(live.id, "warning", overlays.payload(warning))
        return {"ok": True, "id": warning.id}

    @socket_unit_of_work
    def on_clear_warning(self, data: Any = None):
        live, user = _console(data if isinstance(data, dict) else {})
        overlays.clear_warning(user, live)
        broadcast.to_live(live.id, "warning", {"id": None, "text": None})  # removed
        return {"ok": True}

    @socket_unit_of_work
    def on_set_slow_mode(self, data: Any = None):
        live, user = _console(data)
        services.set_slow_mode(user, live, data.get("seconds"))
        broadcast.to_live(live.id, "slow_mode", {"seconds": live.slow_mode_seconds})
        return {"ok": True}

    @socket_unit_of_work
    def on_cancel_reservation(self, data: Any = None):
        live, user = _console(data)
        res = services.cancel_reservation(user, services.get_reservation(live, data.get("reservation_id")),
                                          data.get("reason"))
        broadcast.to_sellers(live.id, "reservation_cancelled", {"id": res.id, "code": res.live_product.live_code})
        after_commit(broadcast.send_stock, live.id)
        return {"ok": True}

    @socket_unit_of_work
    def on_confirm_buyer(self, data: Any = None):
        """Confirm every held line of one buyer in one tap; the buyer is told (buyer_notice)."""
        live, user = _console(data)
        lines = services.confirm_buyer_lines(user, live, data.get("user_id"))
        broadcast.to_sellers(live.id, "buyer_confirmed", {"user_id": lines[0].user_id, "ids": [r.id for r in lines],
                                                          "confirmed_at": lines[0].confirmed_at.isoformat()})  # type: ignore[union-attr]  # set by the confirmation
        return {"ok": True}


def register_namespace(_state=None) -> None:
    """Called each time the blueprint is registered: every app (its SocketIO server) gets the namespace."""
    socketio.on_namespace(LiveNamespace(NAMESPACE))
