"""Write-side live operations: schedule and run a live, and turn a chat comment into reservations."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import Organisation, User
from ..accounts.selling import require_may_sell
from ..accounts.services import require_org_role
from ..core.dbtypes import utcnow
from ..errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn, OutOfStock, RateLimited
from ..extensions import db
from ..shop import inventory
from ..shop.models import Product
from ..shop.services import check_price, normalise_code
from . import flash as flash_sales
from . import moderation, queries
from . import signals as live_signals
from .models import MAX_MESSAGE, ChatMessage, FlashSale, LiveCommentGate, LiveProduct, LiveReservation, LiveSession
from .parser import ParsedItem, parse_comment

DEFAULT_HOLD_HOURS = 24
MAX_CLIENT_ID = 64
MAX_TITLE = 160
MAX_URL = 500
MAX_PER_BUYER = 999
# C0/C1 controls, zero-width and bidi overrides: invisible, and used to disguise text in chat.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class LiveNotOnAir(DomainError):
    status = 409
    code = "live_not_on_air"
    default_message = _l("This live is not on air, so orders cannot be taken now.")


class LimitExceeded(DomainError):
    status = 409
    code = "limit_exceeded"
    default_message = _l("You have reached the limit for this product in this live.")


# Sessions and their products ------------------------------------------------------------------------

def get_session(session_id: Any) -> LiveSession:
    if isinstance(session_id, bool) or not isinstance(session_id, (int, str)) or not str(session_id).isdigit():
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    live = db.session.get(LiveSession, int(session_id)) if int(session_id) < 2**31 else None
    if live is None:
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    return live


def _clean_stream_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > MAX_URL or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        raise InvalidInput(_l("Enter the stream link starting with https://, for example a YouTube link."),
                           code="invalid_url", field="external_stream_url")
    return url


def schedule_live(actor: User | None, org: Organisation, *, title: str | None, scheduled_at: datetime | None,
                  description: str | None = None, external_stream_url: str | None = None,
                  slow_mode_seconds: int = 0) -> LiveSession:
    """A new live in the scheduled state; only the organisation's members may schedule it."""
    require_org_role(actor, org, "staff")
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(_l("Please give the live a title (up to 160 characters)."), code="invalid_title",
                           field="title")
    if not isinstance(scheduled_at, datetime):
        raise InvalidInput(_l("Please choose when the live starts."), code="invalid_time", field="scheduled_at")
    if isinstance(slow_mode_seconds, bool) or not isinstance(slow_mode_seconds, int) or not 0 <= slow_mode_seconds <= 3600:
        raise InvalidInput(_l("Slow mode must be between 0 and 3600 seconds."), code="invalid_slow_mode")
    live = LiveSession(organisation=org, organisation_id=org.id, title=title,
                       description=(description or "").strip() or None, scheduled_at=scheduled_at,
                       external_stream_url=_clean_stream_url(external_stream_url),
                       slow_mode_seconds=slow_mode_seconds, created_by_id=actor.id, state="scheduled")
    db.session.add(live)
    db.session.flush()
    live_signals.live_state(live, actor)
    return live


def add_live_product(actor: User | None, live: LiveSession, product: Product, *, live_code: str | None = None,
                     live_price: int | None = None, per_buyer_limit: int | None = None,
                     allotment: int | None = None) -> LiveProduct:
    """Put one of the organisation's products on the live; the allotment defaults to what is in stock now."""
    require_org_role(actor, live.organisation, "staff")
    if product.organisation_id != live.organisation_id:
        raise Forbidden(_l("That product belongs to another organisation."), code="foreign_product")
    if live.state == "ended":
        raise LiveNotOnAir(_l("This live has ended."))
    code = normalise_code(live_code if live_code is not None else product.code)
    live_price = check_price(live_price, field="live_price", allow_none=True)
    if per_buyer_limit is not None and (isinstance(per_buyer_limit, bool) or not isinstance(per_buyer_limit, int)
                                        or not 1 <= per_buyer_limit <= MAX_PER_BUYER):
        raise InvalidInput(_l("The limit per buyer must be between 1 and 999."), code="invalid_limit",
                           field="per_buyer_limit")
    if allotment is None:
        allotment = product.available
    if isinstance(allotment, bool) or not isinstance(allotment, int) or not 0 <= allotment <= inventory.MAX_QTY:
        raise InvalidInput(_l("The quantity for the live must be a whole number, zero or more."),
                           code="invalid_quantity", field="allotment")
    taken = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)).all()
    if any(lp.live_code == code for lp in taken):
        raise Conflict(_l("The code %(code)s is already used in this live.", code=code), code="code_taken")
    if any(lp.product_id == product.id for lp in taken):
        raise Conflict(_l("This product is already on the live."), code="product_taken")
    lp = LiveProduct(session=live, product=product, live_code=code, live_price=live_price,
                     per_buyer_limit=per_buyer_limit, allotment=allotment, allotment_used=0, position=len(taken))
    db.session.add(lp)
    db.session.flush()
    return lp


def start_live(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    if live.state != "scheduled":
        raise Conflict(_l("Only a scheduled live can go on air."), code="invalid_state")
    require_may_sell(live.organisation, "go_live", actor)  # every way on air passes here: console, RTMP, API
    live.state, live.started_at = "live", now or utcnow()
    db.session.flush()
    live_signals.live_state(live, actor)
    from .follows import notify_followers

    notify_followers(live)  # same unit of work: on air and followers told, or neither
    return live


def end_live(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise Conflict(_l("This live has already ended."), code="invalid_state")
    live.state, live.ended_at = "ended", now or utcnow()
    db.session.flush()
    live_signals.live_state(live, actor)
    return live


# Comments -------------------------------------------------------------------------------------------

def clean_text(text: Any) -> str:
    """A chat line as stored: no control or invisible characters, whitespace collapsed."""
    if not isinstance(text, str):
        raise InvalidInput(_l("The message must be text."), field="text")
    if len(text) > MAX_MESSAGE * 4:  # do not even clean a flood
        raise InvalidInput(_l("The message is too long (500 characters at most)."), field="text")
    text = " ".join(CONTROL_CHARS.sub(" ", text).split())
    if not text:
        raise InvalidInput(_l("The message is empty."), field="text")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(_l("The message is too long (500 characters at most)."), field="text")
    return text


def clean_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= MAX_CLIENT_ID or not client_id.isprintable():
        raise InvalidInput(_l("Each comment needs a client_id (a unique text of up to 64 characters)."),
                           field="client_id")
    return client_id


def _stored_ack(session_id: int, user_id: int, client_id: str) -> dict | None:
    ack = db.session.scalar(select(ChatMessage.ack_json).where(
        ChatMessage.session_id == session_id, ChatMessage.user_id == user_id, ChatMessage.client_id == client_id))
    return json.loads(ack) if ack else None


def _earlier(live_id: int, user_id: int, client_id: str) -> tuple[dict | None, datetime | None]:
    """One statement for the idempotency look-up and the rate check: (the stored ack of this client_id, when this
    buyer last commented in this live). Two scalar subqueries, each on its own index."""
    ack_json, last = db.session.execute(select(
        select(ChatMessage.ack_json).where(ChatMessage.session_id == live_id, ChatMessage.user_id == user_id,
                                           ChatMessage.client_id == client_id).scalar_subquery(),
        select(func.max(ChatMessage.created_at)).where(ChatMessage.session_id == live_id,
                                                       ChatMessage.user_id == user_id).scalar_subquery())).one()
    return (json.loads(ack_json) if ack_json else None), last


def _interval(live: LiveSession, min_interval: float) -> float:
    return max(float(min_interval), float(live.slow_mode_seconds or 0))


def _check_rate(live: LiveSession, last: datetime | None, now: datetime, min_interval: float) -> None:
    """`last`: when this buyer last commented in this live (from _earlier, read before anything was written, so two
    comments racing in from two connections may both pass here: _pass_gate settles that inside the write)."""
    interval = _interval(live, min_interval)
    if interval <= 0:
        return
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is not None and (now - last).total_seconds() < interval:
        wait = max(1, int(interval - (now - last).total_seconds() + 0.999))
        if live.slow_mode_seconds:
            message = _l("Slow mode is on: please wait %(n)s s before your next comment.", n=wait)
        else:
            message = _l("You are commenting too fast. Please wait %(n)s s.", n=wait)
        raise RateLimited(message, retry_after=wait)


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


def _live_products(live: LiveSession) -> list[LiveProduct]:
    """The live's products with their product and variants, in one statement (joined: one round trip per comment)."""
    return list(db.session.scalars(
        select(LiveProduct).where(LiveProduct.session_id == live.id).order_by(LiveProduct.position, LiveProduct.id)
        .options(joinedload(LiveProduct.product).joinedload(Product.variants))).unique())


def live_catalog(products: list[LiveProduct]) -> dict[str, list[str]]:
    """The parser's catalog: {live code: [variant labels]}."""
    return {lp.live_code: [v.label for v in lp.product.active_variants if v.label] for lp in products}


def _error(exc: DomainError, live_code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
    if live_code:
        body["live_code"] = live_code
    if exc.details:
        body["details"] = {k: v for k, v in exc.details.items() if isinstance(v, (int, str, list))}
    return body


def _pick_variant(lp: LiveProduct, label: str | None):
    variants = lp.product.active_variants
    if label is not None:
        for v in variants:
            if v.label == label:
                return v
    labelled = [v for v in variants if v.label]
    if not variants:
        raise OutOfStock(_l("Sorry, %(name)s is sold out.", name=lp.product.name), available=0)
    if len(variants) == 1:
        return variants[0]
    raise InvalidInput(_l("Please say which option of %(code)s you want: %(labels)s.", code=lp.live_code,
                          labels=", ".join(v.label for v in labelled)),
                       code="variant_required", options=[v.label for v in labelled])


def remaining(lp: LiveProduct, variant_id: int | None = None) -> int:
    """Units a buyer can still order on the live: the allotment left, and never more than the shelf holds."""
    used, allotment = db.session.execute(
        select(LiveProduct.allotment_used, LiveProduct.allotment).where(LiveProduct.id == lp.id)).one()
    from ..shop.models import Variant

    stmt = select(func.coalesce(func.sum(Variant.available), 0)).where(Variant.product_id == lp.product_id,
                                                                       Variant.is_active.is_(True))
    if variant_id is not None:
        stmt = stmt.where(Variant.id == variant_id)
    return max(0, min(allotment - used, int(db.session.scalar(stmt))))


def _out_of_stock(lp: LiveProduct, variant_id: int) -> OutOfStock:
    left = remaining(lp, variant_id)
    name = lp.product.name
    if left <= 0:
        return OutOfStock(_l("Sorry, %(name)s is sold out.", name=name), available=0)
    return OutOfStock(_l("Sorry, only %(n)s of %(name)s are left.", n=left, name=name), available=left)


def _reserve(live: LiveSession, lp: LiveProduct, item: ParsedItem, user: User, message: ChatMessage,
             hold_until: datetime, flash: FlashSale | None = None) -> LiveReservation:
    """One item inside its own SAVEPOINT: live allotment, per-buyer limit (and flash cap), shop stock, claim-log row."""
    variant = _pick_variant(lp, item.variant)
    qty = item.quantity
    try:
        with db.session.begin_nested():
            taken = db.session.execute(
                update(LiveProduct)
                .where(LiveProduct.id == lp.id, LiveProduct.allotment_used + qty <= LiveProduct.allotment)
                .values(allotment_used=LiveProduct.allotment_used + qty)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise _out_of_stock(lp, variant.id)
            if lp.per_buyer_limit is not None:
                # Read after the allotment UPDATE, which holds this live product's row lock until commit.
                held = db.session.scalar(select(func.coalesce(func.sum(LiveReservation.quantity), 0)).where(
                    LiveReservation.live_product_id == lp.id, LiveReservation.user_id == user.id,
                    LiveReservation.status.in_(("held", "checked_out"))))
                if held + qty > lp.per_buyer_limit:
                    raise LimitExceeded(
                        _l("You can order at most %(limit)s of %(code)s in this live (you already have %(held)s).",
                           limit=lp.per_buyer_limit, code=lp.live_code, held=held),
                        limit=lp.per_buyer_limit, held=int(held))
            if flash is not None:
                flash_held = flash_sales.flash_taken(flash, user.id)
                if flash_held + qty > flash.per_buyer_cap:
                    raise LimitExceeded(
                        _l("The flash price of %(code)s is limited to %(limit)s per buyer (you already have %(held)s).",
                           limit=flash.per_buyer_cap, code=lp.live_code, held=flash_held),
                        limit=flash.per_buyer_cap, held=flash_held)
            try:
                inventory.reserve_stock(variant.id, qty, reason=f"live {live.id} message {message.id}", actor=user)
            except OutOfStock:
                raise _out_of_stock(lp, variant.id) from None
            reservation = LiveReservation(session_id=live.id, user_id=user.id, live_product_id=lp.id,
                                          variant_id=variant.id, quantity=qty,
                                          unit_price=flash.price if flash is not None else lp.price_of(variant),
                                          status="held", hold_until=hold_until, message_id=message.id,
                                          flash_sale_id=flash.id if flash is not None else None)
            db.session.add(reservation)
            db.session.flush()
            live_signals.hold_placed(reservation, "comment")
    finally:
        db.session.expire(lp, ["allotment_used"])
    reservation.variant, reservation.live_product = variant, lp  # the console's line reads them: no lazy load
    return reservation


def release_reservation(reservation: LiveReservation, status: str, reason: str, actor: User | None = None) -> bool:
    """Give a held line back: status first (so two cancels never release twice), then the live allotment,
    then the shelf — the same lock order as a reservation (live product before variant)."""
    changed = db.session.execute(
        update(LiveReservation).where(LiveReservation.id == reservation.id, LiveReservation.status == "held")
        .values(status=status).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        return False
    db.session.execute(
        update(LiveProduct)
        .where(LiveProduct.id == reservation.live_product_id, LiveProduct.allotment_used >= reservation.quantity)
        .values(allotment_used=LiveProduct.allotment_used - reservation.quantity)
        .execution_options(synchronize_session=False))
    inventory.release_stock(reservation.variant_id, reservation.quantity, reason, actor=actor)
    db.session.expire(reservation, ["status"])
    live_signals.hold_released(reservation, "held", status)
    return True


def _cancel(live: LiveSession, user: User, lp: LiveProduct | None, message: ChatMessage) -> list[dict]:
    stmt = select(LiveReservation).where(LiveReservation.session_id == live.id, LiveReservation.user_id == user.id,
                                         LiveReservation.status == "held").order_by(LiveReservation.id)
    if lp is not None:
        stmt = stmt.where(LiveReservation.live_product_id == lp.id)
    lines = []
    for res in db.session.scalars(stmt).all():
        if release_reservation(res, "cancelled", f"live {live.id} message {message.id}: cancelled", actor=user):
            lines.append({"code": res.live_product.live_code, "quantity": res.quantity,
                          "variant": res.variant.label})
            db.session.expire(res.live_product, ["allotment_used"])
    return lines


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
                 hidden_words: tuple[str, ...] | None = None, by_shop: bool | None = None) -> CommentOutcome:
    """submit_comment with everything the live's broadcast needs, so the handler reads nothing back after its commit.

    by_shop: whether the commenter is a member of the live's organisation (their line shows as the shop); the socket
    handler knows it from the connection, other callers leave it None and it is looked up."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to comment and order."))
    client_id = clean_client_id(client_id)
    text = moderation.reject_flood(clean_text(moderation.reject_binary(text)))
    live = get_session(session_id)
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

    products = _live_products(live)
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
        # The same client_id raced in from another connection and won; the caller's unit holds nothing else yet.
        db.session.rollback()
        stored = _stored_ack(live.id, user.id, client_id)
        if stored is not None:
            return CommentOutcome(stored)
        raise
    _pass_gate(live, user, now, min_interval)

    errors: list[dict] = []
    cancelled: list[dict] = []
    if parsed.cancel_all:
        cancelled += _cancel(live, user, None, message)
    for code in parsed.cancels:
        lines = _cancel(live, user, by_code[code], message)
        if not lines:
            errors.append(_error(Conflict(_l("You have no order of %(code)s to cancel.", code=code),
                                          code="nothing_to_cancel"), code))
        cancelled += lines
    if parsed.cancel_all and not cancelled:
        errors.append(_error(Conflict(_l("You have no order in this live to cancel."), code="nothing_to_cancel")))

    reserved: list[dict] = []
    reservations: list[LiveReservation] = []
    hold_until = now + timedelta(hours=float(hold_hours))
    flashes = flash_sales.active_flash_sales(live.id, now) if parsed.items else {}
    for item in parsed.items:
        lp = by_code[item.code]
        try:
            res = _reserve(live, lp, item, user, message, hold_until, flashes.get(lp.id))
        except DomainError as exc:
            errors.append(_error(exc, lp.live_code))
            continue
        reservations.append(res)
        reserved.append({"code": lp.live_code, "name": lp.product.name, "quantity": res.quantity,
                         "variant": res.variant.label, "price": res.unit_price,
                         "hold_until": hold_until.isoformat(), "flash": res.flash_sale_id is not None})
    # What is left of every code once this comment's lines are taken: one statement for the ack and the ticker.
    stock = queries.remaining_by_code(live.id) if reserved or cancelled else None
    for line in reserved:
        line["remaining"] = stock.get(line["code"], 0)
    if not parsed.is_question:
        codes = ", ".join(by_code) or "—"
        for unknown in parsed.unknown_codes:
            errors.append(_error(NotFound(_l("%(code)s is not in this live. Codes in this live: %(codes)s.",
                                             code=unknown, codes=codes),
                                          code="unknown_code", live_codes=list(by_code)), unknown))

    ack: dict[str, Any] = {"ok": True, "message_id": message.id, "kind": kind, "reserved": reserved,
                           "errors": errors}
    if cancelled:
        ack["cancelled"] = cancelled
    if errors and not reserved and not cancelled:
        first = {k: v for k, v in errors[0].items() if k in ("code", "message", "details")}
        ack = {"ok": False, "message_id": message.id, "kind": kind, "error": first, "errors": errors}
    message.ack_json = json.dumps(ack, ensure_ascii=False)
    db.session.flush()
    return CommentOutcome(ack, message, reservations, stock)


# Seller actions -------------------------------------------------------------------------------------

def hide_message(actor: User | None, live: LiveSession, message_id: Any) -> ChatMessage:
    require_org_role(actor, live.organisation, "staff")
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) and 0 < message_id < 2**31 else None
    if message is None or message.session_id != live.id:
        raise NotFound(_l("We could not find that message."))
    moderation.mark_hidden(message, "seller")
    db.session.flush()
    return message


def pin_product(actor: User | None, live: LiveSession, live_code: Any, pinned: bool = True) -> LiveProduct:
    """Pin one product (the card viewers see); pinning unpins the others."""
    require_org_role(actor, live.organisation, "staff")
    code = live_code.strip().upper() if isinstance(live_code, str) else ""
    products = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)).all()
    target = next((lp for lp in products if lp.live_code == code), None)
    if target is None:
        raise NotFound(_l("%(code)s is not in this live.", code=code or "?"), code="unknown_code")
    for lp in products:
        lp.pinned = bool(pinned) and lp is target
    db.session.flush()
    return target


def open_console(actor: User | None, live: LiveSession) -> LiveSession:
    """The seller console is for the organisation's members only."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    require_org_role(actor, live.organisation, "staff")
    return live


def is_seller(actor: User | None, live: LiveSession) -> bool:
    try:
        require_org_role(actor, live.organisation, "staff")
    except Forbidden:
        return False
    return True


def require_viewer(actor: User | None, live: LiveSession) -> LiveSession:
    """Anyone may open a live, except a practice live: the trainee who ran it, its organisation's members and
    trainers only (404 to others, so a private rehearsal is not even confirmed to exist)."""
    if live.is_practice and not (is_seller(actor, live) or getattr(actor, "is_trainer", False)
                                 or getattr(actor, "is_admin", False)
                                 or (getattr(actor, "id", None) is not None and actor.id == live.created_by_id)):
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    return live


def post_seller_reply(actor: User | None, live: LiveSession, text: Any, client_id: Any = None, *,
                      now: datetime | None = None) -> ChatMessage:
    """A member of the organisation answers in the chat (never parsed as an order); a re-sent client_id changes nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise LiveNotOnAir(_l("This live has ended."))
    client_id = clean_client_id(client_id) if client_id is not None else None
    text = clean_text(text)
    if client_id is not None:
        earlier = db.session.scalar(select(ChatMessage).where(
            ChatMessage.session_id == live.id, ChatMessage.user_id == actor.id, ChatMessage.client_id == client_id))
        if earlier is not None:
            return earlier
    message = ChatMessage(session_id=live.id, user_id=actor.id, text=text, kind="chat", client_id=client_id,
                          created_at=now or utcnow(), by_shop=True)
    message.ack_json = json.dumps({"ok": True, "kind": "chat", "reserved": [], "errors": [], "seller": True})
    db.session.add(message)
    db.session.flush()
    return message


def get_reservation(live: LiveSession, reservation_id: Any) -> LiveReservation:
    reservation = (db.session.get(LiveReservation, reservation_id)
                   if isinstance(reservation_id, int) and not isinstance(reservation_id, bool)
                   and 0 < reservation_id < 2**31 else None)
    if reservation is None or reservation.session_id != live.id:
        raise NotFound(_l("We could not find that order line."), code="unknown_reservation")
    return reservation


def cancel_reservation(actor: User | None, reservation: LiveReservation) -> LiveReservation:
    """The seller cancels one held line of a buyer's live cart: stock and allotment go back, as a buyer's cancel."""
    require_org_role(actor, reservation.session.organisation, "staff")
    if not release_reservation(reservation, "cancelled", f"live {reservation.session_id} reservation "
                               f"{reservation.id}: cancelled by the seller", actor=actor):
        raise Conflict(_l("This order line is no longer held."), code="not_held")
    db.session.expire(reservation.live_product, ["allotment_used"])
    return reservation


def set_slow_mode(actor: User | None, live: LiveSession, seconds: Any) -> LiveSession:
    """Seller-controlled slow mode: each buyer may comment once every N seconds (0 turns it off)."""
    require_org_role(actor, live.organisation, "staff")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 3600:
        raise InvalidInput(_l("Slow mode must be between 0 and 3600 seconds."), code="invalid_slow_mode")
    live.slow_mode_seconds = seconds
    db.session.flush()
    return live
