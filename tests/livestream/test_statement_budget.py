"""SQL statements per join: a budget, so a regression in the storm path shows here (orders: test_batch.py)."""
from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy import event

from tests.livestream.live_sockets import NS, connect  # noqa: F401


@contextmanager
def counted(db):
    """The statements sent to the database inside the block (BEGIN/COMMIT are not cursor executes)."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        seen.append(" ".join(statement.split())[:160])

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        if os.environ.get("SHOW_SQL"):
            print(f"\n{len(seen)} statements:\n" + "\n".join(seen))


# The statements of an order comment are counted per batch in test_batch.py (group commit, issue #14).


def test_a_join_below_the_peak_writes_nothing(make_live, connect, db):
    from app.livestream.models import LiveSession

    live = make_live()
    first, second = connect(live.id), connect(live.id)
    second.disconnect(namespace=NS)
    with counted(db) as seen:
        connect(live.id)  # two viewers again: the peak is already 2
    assert not [s for s in seen if s.startswith("UPDATE")], "\n".join(seen)
    with counted(db) as seen:
        connect(live.id)  # three: a new peak, written
    assert [s for s in seen if s.startswith("UPDATE live_sessions")]
    db.session.expire_all()
    assert db.session.get(LiveSession, live.id).peak_viewers == 3
    assert first.is_connected(NS)
