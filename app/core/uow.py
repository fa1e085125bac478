"""The unit of work's after-commit queue: work queued during a transaction runs once it commits, never on rollback.

    from app.core.uow import after_commit
    after_commit(broadcast_stock, live_id, stock)      # inside a service, a handler, a job...
    db.session.commit()                                # ...and it runs here, after the COMMIT returned

Why. Emits, notifications, cache bumps and calls to outside services must never announce what a rollback then
takes back (DESIGN.md, invariant 3). Queuing them where the change is made, and running them only after the
commit, keeps that true for every caller without each caller knowing what to do after its commit: HTML views
(`core.web.unit_of_work`), socket handlers, webhooks, CLI commands and jobs all end with `db.session.commit()`,
and `with session.begin():` blocks work the same way, because the queue hangs on SQLAlchemy's session events, not
on a particular caller.

How. Each queued call belongs to the innermost transaction open when it was queued (a SAVEPOINT of
`begin_nested()` included). When a savepoint is released its calls pass to the enclosing transaction; when it is
rolled back they are dropped with it, so an order line refused inside its savepoint announces nothing while the
rest of the comment's work still does. When the outermost transaction commits, its calls run in the order they
were queued; when it rolls back (or the session closes without committing) they are dropped. Work queued while
no transaction is open belongs to the next one the session begins.

Where they run. Not in SQLAlchemy's `after_commit` event, where the session may not emit SQL, but in
`after_transaction_end` of the committed outermost transaction: the session has no transaction then, so a call
may read the database (the session begins a new transaction, as any read does) and may write and commit its own
unit of work, whose own queued calls then run after that commit. Each call runs in the caller's thread and
application context, right after the commit, before `commit()` returns.

Failures. A call that raises is logged with its traceback and does not stop the calls after it, nor reach the
committing caller: the commit has happened and the caller's answer must say so. If it raised inside a
transaction of its own, that transaction is rolled back, so the caller's session stays usable.

Delivery is at most once: a process that dies between the commit and the calls loses them. Work that must not
be lost (an outbox row, a ledger line) belongs in the transaction itself, written by the service.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db

log = logging.getLogger(__name__)

INFO_KEY = "cholive.after_commit"
_NO_TRANSACTION = None  # the bucket of work queued while the session had no transaction open


Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]  # fn, args, kwargs


class _Queue:
    """One session's queued calls, per open transaction, and the transactions that committed but have not ended."""

    __slots__ = ("work", "committed")

    def __init__(self) -> None:
        self.work: dict[SessionTransaction | None, list[Call]] = {}
        self.committed: set[SessionTransaction] = set()


def _queue(session: Session) -> _Queue | None:
    queue: _Queue | None = session.info.get(INFO_KEY)
    return queue


def _make_queue(session: Session) -> _Queue:
    queue = _queue(session)
    if queue is None:
        queue = session.info[INFO_KEY] = _Queue()
    return queue


def _current(session: Session) -> SessionTransaction | None:
    """The innermost open transaction: the savepoint in progress, else the outermost transaction."""
    return session.get_nested_transaction() or session.get_transaction()


def after_commit(fn: Callable[..., Any], *args: Any, session: Session | None = None, **kwargs: Any) -> None:
    """Run `fn(*args, **kwargs)` after the current transaction commits; drop it if the transaction rolls back.

    `session` defaults to the app's scoped session (`db.session`)."""
    if not callable(fn):
        raise TypeError("after_commit needs a callable")
    session = session if session is not None else db.session()
    queue = _make_queue(session)
    queue.work.setdefault(_current(session), []).append((fn, args, kwargs))


def pending(session: Session | None = None) -> int:
    """How many calls wait for a commit in this session (for tests and debugging)."""
    queue = _queue(session if session is not None else db.session())
    return sum(len(calls) for calls in queue.work.values()) if queue else 0


def _run(session: Session, calls: list[Call]) -> None:
    for fn, args, kwargs in calls:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("after-commit call %s failed; the commit stands and the other calls still run",
                          getattr(fn, "__qualname__", fn))
            if session.in_transaction():
                try:
                    session.rollback()  # only the failed call's own work can be open here
                except Exception:
                    log.exception("after-commit: could not roll back after a failed call")


@event.listens_for(Session, "after_transaction_create")
def _adopt_early_work(session: Session, transaction: SessionTransaction) -> None:
    """Work queued while no transaction was open belongs to the next outermost transaction."""
    if transaction.parent is None:
        queue = _queue(session)
        if queue is not None and _NO_TRANSACTION in queue.work:
            queue.work.setdefault(transaction, []).extend(queue.work.pop(_NO_TRANSACTION))


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    """Fired for the outermost COMMIT and for every released SAVEPOINT, before the transaction ends; no SQL here."""
    queue = _queue(session)
    if queue is not None:
        transaction = _current(session)
        if transaction is not None:
            queue.committed.add(transaction)


@event.listens_for(Session, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    queue = _queue(session)
    if queue is None:
        return
    committed = transaction in queue.committed
    queue.committed.discard(transaction)
    calls = queue.work.pop(transaction, None)
    if not calls:
        return
    if not committed:
        log.debug("after-commit: %d call(s) dropped with a rolled-back transaction", len(calls))
    elif transaction.parent is not None:
        queue.work.setdefault(transaction.parent, []).extend(calls)  # a released savepoint: the outer one decides
    else:
        _run(session, calls)
