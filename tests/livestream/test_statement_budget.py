"""SQL statements per live order comment and per join: a budget, so a regression in the storm path shows here."""
from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy import event

from tests.livestream.live_sockets import NS, comment, connect  # noqa: F401


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


# An accepted one-line order with the console open, rate check on: 26 statements before issue #7's pass over the
# storm path, 16 after (user, live, earlier ack + last comment, ban + mute, catalog, message, the rate gate's
# conditional upsert (#12: two sockets of one buyer cannot both pass the limit), flash sales, the SAVEPOINT'd
# reservation (6), stock left, ack). The ban and mute look-ups became one statement when the gate came in.
# A new statement here is paid by every order of a storm.
MAX_PER_ORDER = 16


def test_statements_per_accepted_order(make_live, seller, buyer, factory, connect, db):
    live = make_live([("A12", "Bưởi Diễn", 50, None), ("B3", "Cam Canh", 50, None)])
    console = connect(live.id, seller[0])
    warm = connect(live.id, factory.user("Lê Văn Hùng"))
    buyer_socket = connect(live.id, buyer)
    assert comment(warm, "chốt A12", "warm")["ok"] is True  # the stats strip rides on this one (once per interval)
    console.get_received(NS)
    buyer_socket.get_received(NS)
    with counted(db) as seen:
        ack = comment(buyer_socket, "chốt B3 x2", "o1")
    assert ack["ok"] is True and ack["reserved"][0]["quantity"] == 2 and ack["reserved"][0]["remaining"] == 48
    assert len(seen) <= MAX_PER_ORDER, "\n".join(seen)
    order = [e["args"][0] for e in console.get_received(NS) if e["name"] == "order"]
    assert len(order) == 1 and [line["quantity"] for line in order[0]["lines"]] == [2]
    assert order[0]["lines"][0]["buyer"] == buyer.name and order[0]["message"]["buyer"] == buyer.name
    ticker = [e["args"][0] for e in buyer_socket.get_received(NS) if e["name"] == "ticker"]
    assert ticker[0]["stock"] == {"A12": 49, "B3": 48}

    with counted(db) as seen:  # a re-sent client_id: the stored ack, nothing written
        assert comment(buyer_socket, "chốt B3 x2", "o1") == ack
    assert not [s for s in seen if not s.startswith("SELECT")] and len(seen) <= 3, "\n".join(seen)


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
