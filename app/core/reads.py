"""Pages that only read: their statements in autocommit, without the BEGIN and ROLLBACK round trips around them.

    with reads.outside_a_transaction():
        item = queries.product_for_viewer(...)
        return render_template(...)

A read-only page of one statement (the uncached product page) pays three round trips to PostgreSQL for it: BEGIN
(sent by psycopg before the first statement), the SELECT, and the ROLLBACK when the session closes. One statement
is its own snapshot, so a transaction around it adds nothing. Inside the block the session's connection is in
autocommit (SQLAlchemy's documented per-connection `isolation_level`, reset when the connection goes back to the
pool); when the block ends the session commits, which sends nothing (no transaction is open) and ends the
autocommit: anything after the block runs in an ordinary transaction.

Only a fresh session is switched: one with no transaction begun and nothing loaded (a signed-in visitor's session
already holds the user, a test's session its fixtures); any other goes on as usual. A flush inside the block raises
(`ReadOnlyBlock`): a write there would be committed statement by statement, which the block is not for.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

KEY = "reads_outside_a_transaction"


class ReadOnlyBlock(RuntimeError):
    """A write was flushed inside `outside_a_transaction()`."""


@contextmanager
def outside_a_transaction() -> Iterator[bool]:
    """Run the block's statements in autocommit if the session is fresh; yields whether it is."""
    session = db.session()  # the request's Session itself (the scoped proxy has no in_transaction)
    if session.in_transaction() or session.identity_map or session.new or session.info.get(KEY):
        yield False
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[KEY] = True
    try:
        yield True
    except BaseException:
        session.info.pop(KEY, None)
        session.rollback()
        raise
    session.info.pop(KEY, None)
    session.commit()


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(KEY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyBlock("a write inside reads.outside_a_transaction(): it would be committed at once")
