"""The batch's fast lane: a run of plain comments decided in memory, in arrival order, and written set-based.

batch.write_batch hands over the batch from a position; `run` takes the longest run of comments from there that it
can decide exactly as services.take_comment would, and returns how many it took (0: the next comment goes through
take_comment in its SAVEPOINT, then the fast lane is asked again from the one after it). A comment is taken when:

- its buyer is signed in, its text and client_id are valid, the live is on air and not a practice live, and it is
  not written by a member of the shop (those lines speak as the shop);
- it is a chat line or question, or an order of codes of the live whose products have exactly one active option,
  with nothing cancelled, no name fitting several products, no unknown code, no hidden word, no flash sale running
  on a product it orders;
- its buyer has no stored comment with this client_id (nor an earlier one in the run), is neither banned nor
  muted, and passes the rate gate (the last comment and the gate row, read once for the run, moved on in memory by
  the buyer's earlier comments in the run). One that fails only the rate gate is answered here too, with
  take_comment's refusal (batch_reads.too_soon), and nothing of it is written: a buyer typing "chốt" again and again
  during a flash sale costs a dictionary look-up, not a SAVEPOINT and five statements.

For the run, a few statements (batch_reads.py) read what take_comment reads per comment (stored acks, last
comments, gates, bans and mutes, the counters of the lives' products and options, what each buyer holds of each
capped product); every comment is then decided in memory in arrival order (allotment, per-buyer limit, shelf, the
stock left for its ack and the ticker), and the run is written inside one SAVEPOINT with one statement per table:
the chat lines (INSERT ... RETURNING), the gates (one conditional upsert), the live products' allotments and the
options' counters with their ledger lines (allotment.take_many, inventory.reserve_many), the reservations (INSERT
... RETURNING), the acks (one UPDATE). The acks, payloads, signals and broadcasts are built by the same functions as
on the per-comment path, in the same order. The rows locked by batch._begin (PostgreSQL) or the write lock (SQLite)
keep what was read true until the commit.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Table, case, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..core.sockets import database_unavailable
from ..errors import DomainError, OutOfStock, socket_error
from ..extensions import db
from ..shop import inventory
from ..shop.models import Variant
from . import allotment, broadcast, moderation, services
from . import flash as flash_sales
from . import signals as live_signals
from .batch_reads import Candidate, RunState, passes, too_soon
from .models import ChatMessage, LiveCommentGate, LiveProduct, LiveReservation
from .parser import parse_comment
from .services import comments as comment_service
from .services.comments import _error, _interval, _live_products, _remembered, comment_ack, reserved_line
from .services.reservations import limit_exceeded

log = logging.getLogger(__name__)
_State = RunState  # the run's reads (batch_reads.py); a module name tests replace

MESSAGES = cast(Table, ChatMessage.__table__)
GATES = cast(Table, LiveCommentGate.__table__)
RESERVATIONS = cast(Table, LiveReservation.__table__)


class RateGateMoved(Exception):
    """A buyer's gate row moved between the run's read and its write: the run goes through the per-comment path."""


@dataclass
class Decided:
    """A candidate decided: its lines taken, its refusals, the stock left after it."""

    cand: Candidate
    taken: list[tuple[LiveProduct, Variant, int, int]]  # lp, variant, quantity, unit price
    reserved: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    stock: dict[str, int] | None
    interval: float
    message: ChatMessage | None = None
    ack: dict[str, Any] | None = None


def _candidate(index: int, item: Any, user: User | None, memo: dict[Any, Any],
               hidden_words: tuple[str, ...]) -> Candidate | None:
    """The comment, if nothing but the database can still send it to the per-comment path."""
    if user is None or not getattr(user, "is_authenticated", False) or item.by_shop:
        return None
    try:
        client_id = services.clean_client_id(item.client_id)
        text = moderation.reject_flood(services.clean_text(moderation.reject_binary(item.text)))
        find = comment_service.get_session  # type: ignore[attr-defined]  # as take_comment finds it
        live = _remembered(memo, ("live", item.session_id), lambda: find(item.session_id))
    except DomainError:
        return None
    if live.is_practice or live.state != "live":
        return None
    products = _remembered(memo, ("products", live.id), lambda: _live_products(live))
    by_code = _remembered(memo, ("fast-by-code", live.id), lambda: {lp.live_code: lp for lp in products})
    catalog = _remembered(memo, ("fast-catalog", live.id), lambda: services.live_catalog(products))
    parsed = parse_comment(text, catalog)
    if parsed.cancels or parsed.cancel_all or parsed.ambiguous or parsed.order_hint or parsed.unknown_codes:
        return None
    if moderation.hidden_word(text, hidden_words):
        return None
    now = utcnow()
    kind = "order" if parsed.items else "question" if parsed.is_question else "chat"
    cand = Candidate(index, item, user, live, text, client_id, now, parsed, kind, by_code)
    if parsed.items:
        sales = _remembered(memo, ("flash", live.id), lambda: flash_sales.flash_sales_from(live.id, now))
        running = {f.live_product_id for f in sales if f.starts_at <= now < f.ends_at}
        for line in parsed.items:
            lp = by_code.get(line.code)
            if lp is None or lp.id in running:
                return None
            variants = lp.product.active_variants
            qty = line.quantity
            if len(variants) != 1 or isinstance(qty, bool) or not isinstance(qty, int) \
                    or not 0 < qty <= inventory.MAX_QTY:
                return None
            cand.lines.append((lp, variants[0], qty))
    return cand


def _decide(cand: Candidate, state: RunState, hold_until: datetime, min_interval: float) -> Decided:
    """reserve_line for each line, in memory: allotment, per-buyer limit, shelf; a refused line takes nothing."""
    taken: list[tuple[LiveProduct, Variant, int, int]] = []
    reserved: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for lp, variant, qty in cand.lines:
        # In reserve_line's order: the allotment, the per-buyer limit, the shelf. When the shelf refuses, the
        # allotment was already taken inside the line's SAVEPOINT as the refusal counts what is left: so here too.
        if state.used[lp.id] + qty > state.granted[lp.id]:
            errors.append(_error(OutOfStock.left(lp.product.name, state.left(lp.id, lp.product_id, variant.id)),
                                 lp.live_code))
            continue
        held = state.held.get((lp.id, cand.user.id), 0)
        if lp.per_buyer_limit is not None and held + qty > lp.per_buyer_limit:
            errors.append(_error(limit_exceeded(lp, held), lp.live_code))
            continue
        if state.on_shelf[variant.id] < qty:
            errors.append(_error(OutOfStock.left(lp.product.name, state.left(lp.id, lp.product_id, variant.id, qty)),
                                 lp.live_code))
            continue
        if lp.per_buyer_limit is not None:
            state.held[(lp.id, cand.user.id)] = held + qty
        state.used[lp.id] += qty
        state.on_shelf[variant.id] -= qty
        price = lp.price_of(variant)
        taken.append((lp, variant, qty, price))
        reserved.append(reserved_line(lp, qty, variant.label, price, hold_until, False))
    if taken:
        state.taken({lp.product_id for lp, _, _, _ in taken})
    stock = state.stock(cand.live.id) if reserved else None
    for line in reserved:
        line["remaining"] = stock.get(line["code"], 0) if stock is not None else 0
    return Decided(cand, taken, reserved, errors, stock, _interval(cand.live, min_interval))


def _id(decided: Decided) -> int:
    assert decided.message is not None
    return decided.message.id


def _write(run: list[Decided], hold_hours: float) -> None:
    """The run's rows, one statement per table, in the order the per-comment path writes them."""
    conn = db.session.connection()
    messages = [ChatMessage(session_id=d.cand.live.id, user_id=d.cand.user.id, text=d.cand.text, kind=d.cand.kind,
                            client_id=d.cand.client_id, created_at=d.cand.now, by_shop=False, hidden=False)
                for d in run]
    # One multi-row INSERT ... RETURNING (sort_by_parameter_order would send one row at a time on SQLite, which
    # has no sentinel for it): each id found by the row's unique key instead.
    returned = conn.execute(insert(MESSAGES).returning(MESSAGES.c.id, MESSAGES.c.session_id, MESSAGES.c.user_id,
                                                       MESSAGES.c.client_id), [
        {"session_id": m.session_id, "user_id": m.user_id, "text": m.text, "public_text": m.public_text,
         "by_shop": False, "kind": m.kind, "hidden": False, "hidden_reason": None, "client_id": m.client_id,
         "ack_json": None, "created_at": m.created_at} for m in messages]).all()
    by_key = {(sid, uid, cid): mid for mid, sid, uid, cid in returned}
    ids = [by_key[(m.session_id, m.user_id, m.client_id)] for m in messages]
    for d, message, mid in zip(run, messages, ids, strict=True):
        message.id, message.user = mid, d.cand.user
        d.message = message
    # The rate gates, one upsert per interval (one, as a rule): moved to each comment's time only where at least the
    # interval old, as _pass_gate does, with the run's earliest time for the cutoff (stricter by milliseconds). A row
    # that did not move (another process's comment of the same buyer got there first) sends the run one by one.
    by_interval: dict[float, list[Decided]] = {}
    for d in run:
        if d.interval > 0:
            by_interval.setdefault(d.interval, []).append(d)
    for interval, group in by_interval.items():
        upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(GATES)
        cutoff = min(d.cand.now for d in group) - timedelta(seconds=interval)
        moved = conn.execute(upsert.values([
            {"session_id": d.cand.live.id, "user_id": d.cand.user.id, "last_comment_at": d.cand.now} for d in group])
            .on_conflict_do_update(index_elements=["session_id", "user_id"],
                                   set_={"last_comment_at": upsert.excluded.last_comment_at},
                                   where=GATES.c.last_comment_at <= cutoff)
            .returning(GATES.c.user_id)).all()
        if len(moved) != len(group):
            raise RateGateMoved()
    lines = [(d, lp, variant, qty, price) for d in run for lp, variant, qty, price in d.taken]
    reservations: list[LiveReservation] = []
    if lines:
        # The counters through their ledger modules, as reserve_line does per line: the live allotment, then the
        # shelf and its ledger lines (one statement each for the run), then the reservations.
        by_lp: dict[int, int] = {}
        for _, lp, _, qty, _ in lines:
            by_lp[lp.id] = by_lp.get(lp.id, 0) + qty
        if not allotment.take_many(by_lp):
            raise OutOfStock()  # the memory disagreed with the locked rows: the run goes one by one
        inventory.reserve_many([(variant.id, qty, f"live {d.cand.live.id} message {_id(d)}", d.cand.user.id)
                                for d, _, variant, qty, _ in lines])
        rows = [{"session_id": d.cand.live.id, "user_id": d.cand.user.id, "live_product_id": lp.id,
                 "variant_id": variant.id, "quantity": qty, "unit_price": price, "status": "held",
                 "hold_until": d.cand.now + timedelta(hours=float(hold_hours)), "message_id": _id(d),
                 "created_at": utcnow(), "flash_sale_id": None, "cancel_reason": None, "confirmed_at": None}
                for d, lp, variant, qty, price in lines]
        # Per message, its lines' ids in ascending order are its lines in order (one INSERT numbers its rows in
        # the order of its VALUES, on SQLite and PostgreSQL alike).
        per_message: dict[int, list[int]] = {}
        for rid, mid in conn.execute(insert(RESERVATIONS).returning(RESERVATIONS.c.id, RESERVATIONS.c.message_id),
                                     rows):
            per_message.setdefault(mid, []).append(rid)
        pools = {mid: iter(sorted(found)) for mid, found in per_message.items()}
        for row, (d, lp, variant, _, _) in zip(rows, lines, strict=True):
            # Transient (never added to the session: no relationship here has a backref that could cascade it).
            res = LiveReservation(**row)
            res.id = next(pools[_id(d)])
            res.user, res.live_product, res.variant = d.cand.user, lp, variant
            reservations.append(res)
    # The acks now that the ids are known, and the after-commit work, comment by comment as take_comment leaves it.
    taken_res = iter(reservations)
    ack_json: dict[int, str] = {}
    for d in run:
        cand, stored = d.cand, d.message
        assert stored is not None
        message = stored
        with force_locale(cand.item.locale):
            d.ack = comment_ack(message.id, cand.kind, d.reserved, d.errors, [], cand.parsed, cand.by_code)
            message.ack_json = ack_json[message.id] = json.dumps(d.ack, ensure_ascii=False)
            mine = [next(taken_res) for _ in d.taken]
            for res in mine:
                live_signals.hold_placed(res, "comment")
            broadcast.comment_taken(cand.live.id, message, mine, d.ack, d.stock, cand.item.sender_sid)
    table = MESSAGES
    conn.execute(update(table).where(table.c.id.in_(ack_json)).values(
        ack_json=case(ack_json, value=table.c.id)))


def run(batch: list[Any], start: int, users: dict[int, User], memo: dict[Any, Any],
        acks: list[dict[str, Any]]) -> int:
    """Decide and write the longest run of fast-lane comments from batch[start]; their acks appended; how many
    (0: batch[start] is not for the fast lane; -n: the run of n failed, nothing of it kept)."""
    config = current_app.config
    hidden_words = moderation.hidden_word_list(config.get("LIVE_HIDDEN_WORDS"))
    min_interval = config.get("LIVE_COMMENT_MIN_INTERVAL", 1.0)
    hold_hours = config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS)
    cands: list[Candidate] = []
    for index in range(start, len(batch)):
        item = batch[index]
        with force_locale(item.locale):
            cand = _candidate(index, item, users.get(item.user_id), memo, hidden_words)
        if cand is None:
            break
        cands.append(cand)
    if not cands:
        return 0
    state = _State(cands)
    outcomes: list[Decided | dict[str, Any]] = []  # in arrival order: decided, or refused as too soon (its answer)
    for cand in cands:
        refusal = too_soon(cand, state, min_interval)
        if refusal is not None:
            with force_locale(cand.item.locale):
                outcomes.append(socket_error(refusal))
            continue
        if not passes(cand, state, min_interval):
            break
        with force_locale(cand.item.locale):
            hold_until = cand.now + timedelta(hours=float(hold_hours))
            outcomes.append(_decide(cand, state, hold_until, min_interval))
    if not outcomes:
        return 0
    decided = [o for o in outcomes if isinstance(o, Decided)]
    try:
        if decided:
            with db.session.begin_nested():  # a run failing is rolled back alone; its comments go one by one
                _write(decided, hold_hours)
    except RateGateMoved:
        log.info("live comment fast lane: a rate gate moved under a run of %d; its comments go one by one",
                 len(outcomes))
        return -len(outcomes)
    except Exception as exc:
        if database_unavailable(exc):
            raise
        log.exception("live comment fast lane: a run of %d failed; its comments go one by one", len(outcomes))
        return -len(outcomes)
    for outcome in outcomes:
        if isinstance(outcome, Decided):
            assert outcome.ack is not None
            acks.append(outcome.ack)
        else:
            acks.append(outcome)
    return len(outcomes)
