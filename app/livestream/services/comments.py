"""A chat comment: stored once per client_id, rate-limited, parsed, and turned into reservations; the ack it gets."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...accounts.models import User
from ...core.dbtypes import utcnow
from ...core.text import squeeze
from ...errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn, RateLimited
from ...extensions import db
from ...shop.models import Product
from .. import buyer_news, moderation, queries
from .. import flash as flash_sales
from ..models import MAX_MESSAGE, ChatMessage, LiveCommentGate, LiveProduct, LiveReservation, LiveSession
from ..parser import ParsedComment, order_text, parse_comment
from .reservations import cancel_held_lines, reserve_line
from .sessions import LiveNotOnAir, get_session, is_seller

DEFAULT_HOLD_HOURS = 24
T = TypeVar("T")
MAX_CLIENT_ID = 64


class CommentRaced(Conflict):
    """The same client_id came in on another connection and was stored first (its insert won the unique index).

    The unit of work is spoilt (PostgreSQL refuses every statement after the failed insert), so the caller rolls
    back and answers with the first comment's ack (`replayed_ack`), as for any re-sent client_id. A SAVEPOINT around
    the insert would let the service recover by itself, at two statements on every comment of a storm."""

    code = "comment_raced"


def clean_text(text: Any) -> str:
    """A chat line as stored: no control or invisible characters, whitespace collapsed."""
    if not isinstance(text, str):
        raise InvalidInput(_l("The message must be text."), field="text")
    if len(text) > MAX_MESSAGE * 4:  # do not even clean a flood
        raise InvalidInput(_l("The message is too long (500 characters at most)."), field="text")
    line = squeeze(text)
    if not line:
        raise InvalidInput(_l("The message is empty."), field="text")
    if len(line) > MAX_MESSAGE:
        raise InvalidInput(_l("The message is too long (500 characters at most)."), field="text")
    return line


def clean_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= MAX_CLIENT_ID or not client_id.isprintable():
        raise InvalidInput(_l("Each comment needs a client_id (a unique text of up to 64 characters)."),
                           field="client_id")
    return client_id


def _stored_ack(session_id: int, user_id: int, client_id: str) -> dict[str, Any] | None:
    ack = db.session.scalar(select(ChatMessage.ack_json).where(
        ChatMessage.session_id == session_id, ChatMessage.user_id == user_id, ChatMessage.client_id == client_id))
    return json.loads(ack) if ack else None


def replayed_ack(session_id: int, user: User, client_id: str) -> dict[str, Any]:
    """After CommentRaced and the caller's rollback: the ack of the comment that won."""
    stored = _stored_ack(session_id, user.id, client_id)
    if stored is None:
        raise CommentRaced()
    return stored


def _earlier(live_id: int, user_id: int, client_id: str) -> tuple[dict[str, Any] | None, datetime | None]:
    """One statement for the idempotency look-up and the rate check: (the stored ack of this client_id, when this
    buyer last commented in this live). Two scalar subqueries, each on its own index."""
    ack_json, last = db.session.execute(select(
        select(ChatMessage.ack_json).where(ChatMessage.session_id == live_id, ChatMessage.user_id == user_id,
                                           ChatMessage.client_id == client_id).scalar_subquery(),
        select(func.max(ChatMessage.created_at)).where(ChatMessage.session_id == live_id,
                                                       ChatMessage.user_id == user_id).scalar_subquery())).one()
    return (json.loads(ack_json) if ack_json else None), last


# The rate limit -------------------------------------------------------------------------------------------

def _interval(live: LiveSession, min_interval: float) -> float:
    return max(float(min_interval), float(live.slow_mode_seconds or 0))


def rate_refusal(live: LiveSession, last: datetime | None, now: datetime, min_interval: float) -> RateLimited | None:
    """The refusal of a comment at `now` from a buyer who last commented at `last` (None: not too soon)."""
    interval = _interval(live, min_interval)
    if interval <= 0:
        return None
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is not None and (now - last).total_seconds() < interval:
        wait = max(1, int(interval - (now - last).total_seconds() + 0.999))
        if live.slow_mode_seconds:
            message = _l("Slow mode is on: please wait %(n)s s before your next comment.", n=wait)
        else:
            message = _l("You are commenting too fast. Please wait %(n)s s.", n=wait)
        return RateLimited(message, retry_after=wait)
    return None


def _check_rate(live: LiveSession, last: datetime | None, now: datetime, min_interval: float) -> None:
    """`last`: when this buyer last commented in this live (from _earlier, read before anything was written, so two
    comments racing in from two connections may both pass here: _pass_gate settles that inside the write)."""
    refusal = rate_refusal(live, last, now, min_interval)
    if refusal is not None:
        raise refusal


def _pass_gate(live: LiveSession, user: User, now: datetime, min_interval: float) -> None:
    """The rate limit inside the write: one conditional upsert of the buyer's gate row for this live, which moves
    `last_comment_at` to now only if it is at least the interval old. Of two comments racing in from two connections
    of one buyer, the second waits on the first one's row lock (PostgreSQL) or write lock (SQLite) and then finds the
    row fresh: it is refused, and its caller rolls back the message it had written."""
    interval = _interval(live, min_interval)
    if interval <= 0:
        return
    cutoff = now - timedelta(seconds=interval)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(LiveCommentGate).values(session_id=live.id, user_id=user.id, last_comment_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[LiveCommentGate.session_id, LiveCommentGate.user_id],
                                      set_={"last_comment_at": stmt.excluded.last_comment_at},
                                      where=LiveCommentGate.last_comment_at <= cutoff)
    if db.session.execute(stmt.returning(LiveCommentGate.user_id)).first() is not None:
        return
    last = db.session.scalar(select(LiveCommentGate.last_comment_at).where(
        LiveCommentGate.session_id == live.id, LiveCommentGate.user_id == user.id))
    # Refused with the time left; if the row moved on while this was read, as if the buyer had just commented.
    _check_rate(live, last if last is not None and last > cutoff else now, now, min_interval)


# The comment --------------------------------------------------------------------------------------------

def _live_products(live: LiveSession) -> list[LiveProduct]:
    """The live's products with their product and variants, in one statement (joined: one round trip per comment)."""
    return list(db.session.scalars(
        select(LiveProduct).where(LiveProduct.session_id == live.id).order_by(LiveProduct.position, LiveProduct.id)
        .options(joinedload(LiveProduct.product).joinedload(Product.variants))).unique())


def _remembered(memo: dict[Any, Any] | None, key: Any, load: Callable[[], T]) -> T:
    """load(), or what it gave for `key` earlier in the same batch. The memo also holds the objects themselves, so
    the session's (weak) identity map keeps them between the batch's comments."""
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    found: T = memo[key]
    return found


def live_catalog(products: list[LiveProduct]) -> dict[str, dict[str, Any]]:
    """The parser's catalog: {live code: {"variants": [labels], "name": product name}}, so buyers can order by name."""
    return {lp.live_code: {"variants": [v.label for v in lp.product.active_variants if v.label],
                           "name": lp.product.name} for lp in products}


def _name_help(parsed: ParsedComment, by_code: dict[str, LiveProduct]) -> dict[str, Any]:
    """For the sender only: a question with one button per product when a name fits several ("Bạn muốn chốt A12
    Bưởi Diễn hay A13 Bưởi Diễn hộp quà Tết?"), or how to order when an order named nothing the live sells."""
    if parsed.ambiguous:
        choice = parsed.ambiguous[0]
        options = [{"code": code, "name": by_code[code].product.name, "quantity": choice.quantity,
                    "text": order_text(code, choice.quantity)} for code in choice.codes]
        named = [f"{o['code']} {o['name']}" for o in options]
        either = _l("%(first)s or %(last)s", first=", ".join(named[:-1]), last=named[-1])
        return {"choose": {"message": str(_l("Do you want to order %(choices)s?", choices=str(either))),
                           "options": options}}
    if parsed.order_hint:
        example = order_text(next(iter(by_code), "A12"), 2)
        return {"hint": {"message": str(_l("To order, type “chốt” and the product code, for example “%(example)s”. "
                                            "Codes in this live: %(codes)s.", example=example,
                                            codes=", ".join(by_code) or "—")), "example": example}}
    return {}


def _error(exc: DomainError, live_code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
    if live_code:
        body["live_code"] = live_code
    if exc.details:
        body["details"] = {k: v for k, v in exc.details.items() if isinstance(v, (int, str, list))}
    return body


def post_comment(session_id: Any, user: User | None, text: Any, client_id: Any, *,
                 hold_hours: float = DEFAULT_HOLD_HOURS, min_interval: float = 1.0,
                 now: datetime | None = None, allow_practice: bool = False) -> dict[str, Any]:
    """Store one chat comment and reserve what it orders; returns the ack the buyer sees.

    A re-sent client_id returns the first ack and changes nothing. Refusals that store nothing
    (not signed in, bad input, rate limit, live over) raise domain errors; per-item problems are
    listed in the ack, which is ok=false only when the comment ordered or cancelled and nothing worked."""
    return submit_comment(session_id, user, text, client_id, hold_hours=hold_hours, min_interval=min_interval,
                          now=now, allow_practice=allow_practice)[0]


def submit_comment(session_id: Any, user: User | None, text: Any, client_id: Any, *,
                   hold_hours: float = DEFAULT_HOLD_HOURS, min_interval: float = 1.0,
                   now: datetime | None = None, allow_practice: bool = False,
                   hidden_words: tuple[str, ...] | None = None) -> tuple[dict[str, Any], ChatMessage | None]:
    """post_comment, also giving the new message (None when the ack is a replay, so nothing is broadcast again).

    A practice live takes comments only from its simulated buyers (allow_practice, set by training's driver)."""
    outcome = take_comment(session_id, user, text, client_id, hold_hours=hold_hours, min_interval=min_interval,
                           now=now, allow_practice=allow_practice, hidden_words=hidden_words)
    return outcome.ack, outcome.message


def comment_ack(message_id: int, kind: str, reserved: list[dict[str, Any]], errors: list[dict[str, Any]],
                cancelled: list[dict[str, Any]], parsed: ParsedComment,
                by_code: dict[str, LiveProduct]) -> dict[str, Any]:
    """The ack of a stored comment: ok=false only when it ordered or cancelled and nothing worked."""
    ack: dict[str, Any] = {"ok": True, "message_id": message_id, "kind": kind, "reserved": reserved,
                           "errors": errors, **_name_help(parsed, by_code)}
    if cancelled:
        ack["cancelled"] = cancelled
    if errors and not reserved and not cancelled:
        first = {k: v for k, v in errors[0].items() if k in ("code", "message", "details")}
        ack = {"ok": False, "message_id": message_id, "kind": kind, "error": first, "errors": errors}
    return ack


def reserved_line(lp: LiveProduct, quantity: int, variant_label: str | None, price: int, hold_until: datetime,
                  flash: bool) -> dict[str, Any]:
    """One reserved line as the ack lists it (its `remaining` is added once the comment's lines are all taken)."""
    return {"code": lp.live_code, "name": lp.product.name, "quantity": quantity, "variant": variant_label,
            "price": price, "hold_until": hold_until.isoformat(), "hold_until_text": buyer_news.local_time(hold_until),
            "flash": flash}


@dataclass
class CommentOutcome:
    """What one comment did, for the socket handler: the ack, the new message (None for a replayed ack), the lines
    it reserved (still attached to the session until the commit) and, when it reserved or cancelled, the stock left
    per live code as this unit of work leaves it (the ack's `remaining` and the ticker come from it)."""

    ack: dict[str, Any]
    message: ChatMessage | None = None
    reservations: list[LiveReservation] = field(default_factory=list)
    stock: dict[str, int] | None = None


def take_comment(session_id: Any, user: User | None, text: Any, client_id: Any, *,
                 hold_hours: float = DEFAULT_HOLD_HOURS, min_interval: float = 1.0,
                 now: datetime | None = None, allow_practice: bool = False,
                 hidden_words: tuple[str, ...] | None = None, by_shop: bool | None = None,
                 memo: dict[Any, Any] | None = None) -> CommentOutcome:
    """submit_comment with everything the live's broadcast needs, so the handler reads nothing back after its commit.

    by_shop: whether the commenter is a member of the live's organisation (their line shows as the shop); the socket
    handler knows it from the connection, other callers leave it None and it is looked up.
    memo: shared by the comments of one batch (livestream/batch.py, one transaction): the live and its catalog are
    read once per batch, not once per comment."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to comment and order."))
    client_id = clean_client_id(client_id)
    text = moderation.reject_flood(clean_text(moderation.reject_binary(text)))
    live = _remembered(memo, ("live", session_id), lambda: get_session(session_id))
    if live.is_practice and not allow_practice:
        raise Forbidden(_l("This is a private practice live: only its simulated buyers can comment."),
                        code="practice_live")
    stored, last = _earlier(live.id, user.id, client_id)
    if stored is not None:
        return CommentOutcome(stored)
    if live.state == "ended":
        raise LiveNotOnAir(_l("This live has ended."))
    now = now or utcnow()
    moderation.check_may_comment(live, user, now)
    _check_rate(live, last, now, min_interval)

    products = _remembered(memo, ("products", live.id), lambda: _live_products(live))
    by_code = {lp.live_code: lp for lp in products}
    parsed = parse_comment(text, live_catalog(products))
    ordering = bool(parsed.items or parsed.cancels or parsed.cancel_all)
    if ordering and live.state != "live":
        raise LiveNotOnAir()
    kind = "order" if ordering else "question" if parsed.is_question else "chat"

    if by_shop is None:
        by_shop = is_seller(user, live)
    message = ChatMessage(session_id=live.id, user_id=user.id, text=text, kind=kind, client_id=client_id,
                          created_at=now, by_shop=bool(by_shop))
    if moderation.hidden_word(text, moderation.DEFAULT_HIDDEN_WORDS if hidden_words is None else hidden_words):
        # Stored and answered as usual, shown to the sender and the console only: the room never sees it.
        moderation.mark_hidden(message, "words")
    db.session.add(message)
    try:
        # The first write of the unit of work: on SQLite it also takes the write lock before anything is read.
        db.session.flush()
    except IntegrityError:
        raise CommentRaced() from None
    _pass_gate(live, user, now, min_interval)

    errors: list[dict[str, Any]] = []
    cancelled: list[dict[str, Any]] = []
    if parsed.cancel_all:
        cancelled += cancel_held_lines(live, user, None, message)
    for code in parsed.cancels:
        lines = cancel_held_lines(live, user, by_code[code], message)
        if not lines:
            errors.append(_error(Conflict(_l("You have no order of %(code)s to cancel.", code=code),
                                          code="nothing_to_cancel"), code))
        cancelled += lines
    if parsed.cancel_all and not cancelled:
        errors.append(_error(Conflict(_l("You have no order in this live to cancel."), code="nothing_to_cancel")))

    reserved: list[dict[str, Any]] = []
    reservations: list[LiveReservation] = []
    hold_until = now + timedelta(hours=float(hold_hours))
    flashes: dict[int, Any] = {}
    if parsed.items and memo is None:
        flashes = flash_sales.active_flash_sales(live.id, now)
    elif parsed.items:
        # Once per batch: the live's flash sales not over when first asked, each comment keeping those running at its
        # own `now` (a flash sale started or stopped while the batch runs counts from the next batch, milliseconds on).
        sales = _remembered(memo, ("flash", live.id), lambda: flash_sales.flash_sales_from(live.id, now))
        flashes = {f.live_product_id: f for f in sales if f.starts_at <= now < f.ends_at}
    for item in parsed.items:
        lp = by_code[item.code]
        try:
            res = reserve_line(live, lp, item, user, message, hold_until, flashes.get(lp.id))
        except DomainError as exc:
            errors.append(_error(exc, lp.live_code))
            continue
        reservations.append(res)
        reserved.append(reserved_line(lp, res.quantity, res.variant.label, res.unit_price, hold_until,
                                      res.flash_sale_id is not None))
    # What is left of every code once this comment's lines are taken: one statement for the ack and the ticker.
    stock = queries.remaining_by_code(live.id) if reserved or cancelled else None
    for line in reserved:
        line["remaining"] = stock.get(line["code"], 0) if stock is not None else 0
    if not parsed.is_question:
        codes = ", ".join(by_code) or "—"
        for unknown in parsed.unknown_codes:
            errors.append(_error(NotFound(_l("%(code)s is not in this live. Codes in this live: %(codes)s.",
                                             code=unknown, codes=codes),
                                          code="unknown_code", live_codes=list(by_code)), unknown))

    ack = comment_ack(message.id, kind, reserved, errors, cancelled, parsed, by_code)
    message.ack_json = json.dumps(ack, ensure_ascii=False)
    db.session.flush()
    return CommentOutcome(ack, message, reservations, stock)
