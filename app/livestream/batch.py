"""Group commit of live comments: one writer per process decides a batch of comments in one transaction, commits once.

A comment that reaches `on_comment` is put on the process's queue (`submit`) and its handler waits. One writer (a
Socket.IO background task: a thread under `threading`, a greenlet under gevent) takes the first comment waiting, then
more until LIVE_BATCH_MAX comments or LIVE_BATCH_MS milliseconds, and runs the batch as one unit of work:

- BEGIN (on SQLite `BEGIN IMMEDIATE`: the write lock first, so the batch never fails to upgrade a read snapshot);
- the batch's buyers in one statement; on PostgreSQL the live products, then the variants, of every live in the
  batch locked once, in id order (`SELECT ... FOR UPDATE`), so two processes' batches queue behind each other
  instead of deadlocking;
- the comments in arrival order: runs of plain ones (chat lines, orders of one-option products; batch_fast.py)
  decided in memory from a few reads and written with one statement per table, inside one SAVEPOINT per run; every
  other comment inside its own SAVEPOINT, by the same `take_comment` as before (stock through shop/inventory.py,
  the allotment through allotment.py, per-buyer and flash caps, idempotency by client_id, mute and ban, the rate
  gate). A comment refused or failing rolls back alone (a run that fails is rolled back and its comments go one by
  one), the comments after it see what the ones before it wrote, so arrival order decides who gets the last unit;
- one COMMIT; the after-commit queue (core.uow) then runs every comment's broadcasts, signals and buyer news;
- only then each handler gets its ack (invariant 5: nothing acknowledged before its commit).

If the database is lost during the batch or its commit, the whole batch is rolled back and every comment in it gets
`unavailable` with `retry`: nothing was kept, and the client sends the same client_id again.

What the batch saves is the commit (one fsync, one lock hand-over) and the lock queue per comment; the fast lane also
saves the statements per comment: a run of plain orders costs the same ~20 statements whatever its length
(docs/benchmarks.md has the CPU per order of each path).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select, text

from ..accounts.models import User
from ..core.sockets import database_unavailable, server_error, unavailable_error
from ..core.uow import after_commit
from ..errors import DomainError, NotSignedIn, socket_error
from ..extensions import db, socketio
from ..shop.models import Variant
from . import batch_fast, broadcast, moderation, services
from .models import LiveProduct

log = logging.getLogger(__name__)

EXTENSION_KEY = "cholive.live_batch"


@dataclass
class PendingComment:
    """One comment waiting for its batch: what the handler knew, and the ack once the batch has committed."""

    session_id: int
    user_id: int
    text: str
    client_id: Any
    by_shop: bool
    sender_sid: str | None
    locale: str
    done: Any = None  # an Event of the server's async mode
    ack: dict[str, Any] | None = None
    queued_at: float = field(default_factory=time.monotonic)
    abandoned: bool = False  # its handler stopped waiting (and answered `unavailable`): not written if not begun


@dataclass
class BatchStats:
    """What the writer has done in this process (for tests and the benchmarks)."""

    batches: int = 0
    comments: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)


class CommentWriter:
    """The process's queue of comments and the one task that writes them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.queue: Any = None
        self.empty: type[BaseException] = Exception
        self.pid: int | None = None
        self.start_lock = threading.Lock()
        self.stats = BatchStats()

    def _ensure_running(self) -> None:
        if self.pid == os.getpid():
            return
        with self.start_lock:
            if self.pid == os.getpid():
                return
            eio = socketio.server.eio
            self.queue = eio.create_queue()
            self.empty = eio.get_queue_empty_exception()
            socketio.start_background_task(self._run_forever)
            self.pid = os.getpid()

    def submit(self, item: PendingComment) -> dict[str, Any]:
        """Queue one comment and wait for its batch's commit; the comment's ack (or its error body)."""
        self._ensure_running()
        item.done = socketio.server.eio.create_event()
        self.queue.put(item)
        wait = float(self.app.config.get("LIVE_BATCH_WAIT_SECONDS", 30))
        if not item.done.wait(timeout=wait) or item.ack is None:
            # Still queued: the writer skips it (an overloaded writer does not spend itself on answers nobody waits
            # for). Already in a batch: it may still commit, and the client's retry with the same client_id gets
            # that comment's ack.
            item.abandoned = True
            log.warning("live comment: no answer from the batch writer within %s s", wait)
            return socket_error(unavailable_error())
        return item.ack

    def _take_batch(self) -> list[PendingComment]:
        first = self.queue.get()
        batch = [first]
        most = max(1, int(self.app.config.get("LIVE_BATCH_MAX", 200)))
        deadline = time.monotonic() + max(0.0, float(self.app.config.get("LIVE_BATCH_MS", 5))) / 1000
        while len(batch) < most:
            left = deadline - time.monotonic()
            try:
                batch.append(self.queue.get(timeout=left) if left > 0 else self.queue.get_nowait())
            except self.empty:
                break
        return batch

    def next_batch(self) -> list[PendingComment]:
        """The next batch, without the comments whose handlers have stopped waiting (possibly none)."""
        return [item for item in self._take_batch() if not item.abandoned]

    def _run_forever(self) -> None:
        while True:
            batch = self.next_batch()
            if not batch:
                continue
            try:
                with self.app.app_context():
                    write_batch(batch)
            except BaseException:  # never let the writer die: answer the batch and carry on
                log.exception("live comment batch of %d failed outside its own error handling", len(batch))
                for item in batch:
                    if item.ack is None:
                        item.ack = {"ok": False, "error": {"code": "server_error", "message": "server error"}}
            finally:
                self.stats.batches += 1
                self.stats.comments += len(batch)
                self.stats.largest = max(self.stats.largest, len(batch))
                self.stats.sizes = (self.stats.sizes + [len(batch)])[-1000:]
                for item in batch:
                    item.done.set()


def writer(app: Flask | None = None) -> CommentWriter:
    """The app's comment writer (one per app and process, started on its first comment)."""
    app = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = app.extensions[EXTENSION_KEY] = CommentWriter(app)
    return found


def submit(item: PendingComment) -> dict[str, Any]:
    return writer().submit(item)


# The batch ---------------------------------------------------------------------------------------------------------

def _begin(live_ids: Iterable[int]) -> None:
    """Open the batch's transaction: the write lock on SQLite; the lives' rows locked in a fixed order on PostgreSQL."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        db.session.execute(text("BEGIN IMMEDIATE"))
        return
    lives = sorted(set(live_ids))
    if dialect == "postgresql" and lives:
        # Live product before variant, as everywhere (allotment.py); each in id order.
        db.session.execute(select(LiveProduct.id).where(LiveProduct.session_id.in_(lives))
                           .order_by(LiveProduct.id).with_for_update()).all()
        db.session.execute(select(Variant.id).where(Variant.product_id.in_(
            select(LiveProduct.product_id).where(LiveProduct.session_id.in_(lives))))
            .order_by(Variant.id).with_for_update()).all()


def _error_body(exc: DomainError) -> dict[str, Any]:
    return socket_error(exc)  # the message is rendered here, in the comment's own language


def _decide(item: PendingComment, user: User | None, memo: dict[Any, Any]) -> dict[str, Any]:
    """One comment inside its SAVEPOINT: its ack, or its error body (and nothing of it kept)."""
    config = current_app.config
    if user is None:
        return _error_body(NotSignedIn())
    try:
        with db.session.begin_nested():
            outcome = services.take_comment(
                item.session_id, user, item.text, item.client_id,
                hold_hours=config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS),
                min_interval=config.get("LIVE_COMMENT_MIN_INTERVAL", 1.0),
                hidden_words=moderation.hidden_word_list(config.get("LIVE_HIDDEN_WORDS")),
                by_shop=item.by_shop, memo=memo)
            if outcome.message is not None:
                broadcast.comment_taken(item.session_id, outcome.message, outcome.reservations, outcome.ack,
                                        outcome.stock, item.sender_sid)
        return outcome.ack
    except services.CommentRaced:
        # The same client_id was stored by another process first (its insert won the unique index): its ack.
        try:
            return services.replayed_ack(item.session_id, user, item.client_id)
        except DomainError as exc:
            return _error_body(exc)
    except DomainError as exc:
        return _error_body(exc)
    except Exception as exc:
        if database_unavailable(exc):
            raise  # the whole batch is lost: every comment in it is answered `unavailable`
        log.exception("live comment %r failed; the rest of its batch goes on", item.client_id)
        return _error_body(server_error())


def write_batch(batch: list[PendingComment]) -> None:
    """Decide every comment of the batch in arrival order, commit once, then set each one's ack."""
    acks: list[dict[str, Any]] = []
    try:
        _begin(item.session_id for item in batch)
        ids = {item.user_id for item in batch}
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        memo: dict[Any, Any] = {}  # the lives and their catalogs, read once for the whole batch
        fast = bool(current_app.config.get("LIVE_BATCH_FAST", True))
        position, slow_until = 0, 0
        while position < len(batch):
            # A run of plain comments decided in memory and written set-based (batch_fast.py), then the next
            # comment it would not take through the per-comment path, and so on: arrival order throughout. A run
            # that failed (rolled back alone) goes through the per-comment path, where a failing comment is alone.
            taken = batch_fast.run(batch, position, users, memo, acks) if fast and position >= slow_until else 0
            if taken < 0:
                slow_until, taken = position - taken, 0
            position += taken
            if taken == 0:
                item = batch[position]
                with force_locale(item.locale):
                    acks.append(_decide(item, users.get(item.user_id), memo))
                position += 1
        lives = {item.session_id for item, ack in zip(batch, acks, strict=True) if ack.get("message_id")}
        for live_id in sorted(lives):
            after_commit(broadcast.announce_ended_flash_sales_now_and_then, live_id)
        db.session.commit()  # the queued broadcasts run here, after the COMMIT returned
    except Exception as exc:
        try:
            db.session.rollback()
        except Exception:
            log.warning("live comment batch: rollback failed", exc_info=True)
        if database_unavailable(exc):
            log.warning("live comment batch of %d: database unavailable (%s)", len(batch),
                        type(getattr(exc, "orig", None) or exc).__name__)
            error = unavailable_error()
        else:
            log.exception("live comment batch of %d failed", len(batch))
            error = server_error()
        for item in batch:
            with force_locale(item.locale):
                item.ack = _error_body(error)
        return
    finally:
        if db.session().in_transaction():
            db.session.rollback()  # reads of the after-commit work
    for item, ack in zip(batch, acks, strict=True):
        item.ack = ack
