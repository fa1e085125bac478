"""The unit of work's after-commit queue: work queued during a transaction runs once it commits, never on rollback.

A service that wants a buyer told "your line was cancelled" cannot emit inside the transaction (the emit could go
out and the transaction still roll back), and should not make every caller remember to emit afterwards either:

    after_commit(socketio.emit, "buyer_notice", payload, to=room, namespace="/live")

queues the call on the current session; whichever caller commits (a view's unit_of_work, a socket handler, the job
runner) runs it right after the COMMIT, and a rollback forgets it. A failing callback is logged, never raised: the
work it follows is already committed. This module is core: it knows no feature. (A fuller version with the same
after_commit/pending API, savepoint-aware, came to main with the domain signals; at merge, main's file wins.)
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)

KEY = "cholive.after_commit"


def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run func(*args, **kwargs) once the current session's transaction commits; never if it rolls back."""
    db.session.info.setdefault(KEY, []).append((func, args, kwargs))


def pending(session: Session | None = None) -> int:
    """How many calls wait for the commit (tests and diagnostics)."""
    return len((session or db.session).info.get(KEY, ()))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for func, args, kwargs in session.info.pop(KEY, ()):
        try:
            func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the commit stands; an emit that fails is only news lost
            log.exception("after-commit call %s failed", getattr(func, "__name__", func))


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    # Only a rollback of the whole transaction: a SAVEPOINT rolled back inside it keeps what the rest queued.
    if not session.in_nested_transaction():
        session.info.pop(KEY, None)
