"""One unit of work for every Socket.IO handler: commit once, emit after the commit, answer every failure the same way.

    class LiveNamespace(Namespace):
        @socket_unit_of_work
        def on_pin_product(self, data=None):
            lp = services.pin_product(user, live, data.get("code"))      # services add, flush and raise
            broadcast.to_live(live.id, "pinned", {"code": lp.live_code})  # queued with core.uow.after_commit
            return {"ok": True}                                           # the ack

What the client gets, whichever handler it called (DESIGN.md, invariants 3 and 5):
- the handler's return value, once the commit is done and the emits queued during the work have gone out
  (`core.uow`): nothing is announced that a rollback takes back, and an ack means the change is kept;
- a DomainError: rolled back, `{"ok": false, "error": {"code", "message", "details"}}` (errors.socket_error);
- the database out of reach (a restart, a failover: an OperationalError, or a DBAPIError whose connection was lost):
  rolled back, code `unavailable` with `details.retry`: nothing was kept, the client sends the same again;
- anything else: rolled back, logged with its traceback, code `server_error`.
A connect handler (`@socket_unit_of_work(connect=True)`) refuses the connection instead: the same three bodies go
out in a ConnectionRefusedError, and one the handler raises itself passes through after the rollback.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast, overload

from flask_socketio import ConnectionRefusedError
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import HTTP_CODES, DomainError, socket_error
from ..extensions import db

log = logging.getLogger(__name__)
Handler = TypeVar("Handler", bound=Callable[..., Any])


def database_unavailable(exc: BaseException) -> bool:
    """The error says the database could not be reached, not that the statement was wrong: worth a retry."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and bool(exc.connection_invalidated))


def unavailable_error() -> DomainError:
    return DomainError(HTTP_CODES[503][1], code="unavailable", retry=True)


def server_error() -> DomainError:
    return DomainError(HTTP_CODES[500][1], code="server_error")


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; the pool replaces it (core/dbping.py)
        log.warning("socket handler: rollback failed", exc_info=True)


def _end_reads() -> None:
    """Work run after the commit (a broadcast reading the stock) may have opened a read transaction: end it."""
    if db.session().in_transaction():
        db.session.rollback()


def _run(handler: Callable[..., Any], args: tuple[Any, ...], connect: bool) -> Any:
    name = getattr(handler, "__qualname__", "socket handler")
    try:
        result = handler(*args)
        db.session.commit()  # the queued emits run here, after the COMMIT returned
        _end_reads()
        return result
    except ConnectionRefusedError:
        _rollback()
        raise
    except DomainError as exc:
        _rollback()
        error = exc
    except Exception as exc:  # every failure becomes an answer; the unexpected ones are logged
        _rollback()
        if database_unavailable(exc):
            log.warning("%s: database unavailable (%s)", name, type(getattr(exc, "orig", None) or exc).__name__)
            error = unavailable_error()
        else:
            log.exception("%s failed", name)
            error = server_error()
    if connect:
        raise ConnectionRefusedError(error.to_dict())
    return socket_error(error)


@overload
def socket_unit_of_work(handler: Handler, *, connect: bool = False) -> Handler: ...


@overload
def socket_unit_of_work(handler: None = None, *, connect: bool = False) -> Callable[[Handler], Handler]: ...


def socket_unit_of_work(handler: Handler | None = None, *,
                        connect: bool = False) -> Handler | Callable[[Handler], Handler]:
    """Decorate a Socket.IO handler (a function or a Namespace method) to run as one unit of work, as above."""
    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def run(*args: Any) -> Any:
            return _run(fn, args, connect)
        return cast(Handler, run)

    return wrap(handler) if handler is not None else wrap
