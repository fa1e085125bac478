"""The pool's liveness check, only for a connection that sat idle: `pool_pre_ping` without a round trip per request.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` on every checkout, so a page of one statement pays two round trips.
A pooled connection goes stale when the database restarted or dropped it while it sat in the pool; a connection
checked in a moment ago by a busy worker is as alive as the ping would say. So the check runs only when the
connection has been idle for `DB_PING_AFTER_IDLE_SECONDS` (1 s by default): an outage (a restart takes longer than
that) still finds every pooled connection pinged and replaced before use, as with `pool_pre_ping`. A failed ping
raises `DisconnectionError`, on which the pool throws the connection away and checks out another (SQLAlchemy's
documented pessimistic check). What is left: a restart shorter than the threshold under load may reach a request
with a stale connection; that request gets the 503 "try again" answer (errors.py) and SQLAlchemy, seeing a
disconnect, renews the whole pool.
"""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_SINCE = "idle_since"


def install(engine: Engine, after_idle_seconds: float) -> None:
    """Ping a connection at checkout when it was checked in more than `after_idle_seconds` ago."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from_now(dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(IDLE_SINCE, None)
        if since is None or time.monotonic() - since < after_idle_seconds:
            return  # a new connection, or one a request gave back a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"pooled connection failed its ping: {type(error).__name__}") from error
