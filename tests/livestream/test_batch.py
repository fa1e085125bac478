"""Group commit of live comments (livestream/batch.py): one transaction and one COMMIT per batch, arrival order, acks
only after the commit, a failing comment rolled back alone, a lost database answered `unavailable` for all."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.livestream import batch
from app.livestream.models import ChatMessage, LiveProduct, LiveReservation
from app.shop.models import StockMovement, Variant
from tests.livestream.live_sockets import NS, comment, connect  # noqa: F401

CODES = ("A12", "B3", "C7", "D1", "E5")


@contextmanager
def counted(db):
    """The statements sent inside the block (SAVEPOINTs included) and the DBAPI COMMITs of transactions that wrote
    (the after-commit work may open read-only transactions of its own: the flash-sale look, a stats read)."""
    seen: list[str] = []
    commits: list[int] = []
    wrote = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        seen.append(" ".join(statement.split())[:160])
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            wrote.append(1)

    def committed(_conn):
        if wrote:
            commits.append(len(wrote))
        wrote.clear()

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "commit", committed)
    try:
        yield seen, commits
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "commit", committed)
        if os.environ.get("SHOW_SQL"):
            print(f"\n{len(seen)} statements:\n" + "\n".join(seen))


def write(app, items):
    """Run one batch as the writer does: its own thread, its own application context (and so its own session)."""
    failure = []

    def run():
        try:
            with app.app_context():
                batch.write_batch(items)
        except BaseException as exc:  # reported to the test below
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failure, failure
    return [item.ack for item in items]


def pending(live, user, text, client_id, locale="vi"):
    return batch.PendingComment(session_id=live.id, user_id=user.id, text=text, client_id=client_id, by_shop=False,
                                sender_sid=None, locale=locale)


def fresh(db):
    db.session.rollback()  # end the test session's read snapshot: the writer committed on its own connection
    db.session.expire_all()


def counts(db, live):
    fresh(db)
    return (db.session.scalar(select(func.count(ChatMessage.id)).where(ChatMessage.session_id == live.id)),
            db.session.scalar(select(func.count(LiveReservation.id)).where(LiveReservation.session_id == live.id)))


# Per order comment in a batch: SAVEPOINT and RELEASE, the earlier ack and last comment, ban and mute, the message,
# the reservation (its SAVEPOINT, allotment, stock, ledger, line, RELEASE), the stock left, the ack: 13 (16 one at a
# time before #14, plus the COMMIT). Per batch: BEGIN IMMEDIATE (SQLite) or the row locks (PostgreSQL: 2), the
# buyers, and per live its row, its catalog and its flash sales. The batch takes away the commit and the lock queue
# per comment and the live's reads; the writes of a comment are still its own statements.
PER_COMMENT = 13
PER_BATCH = 7
# A run of the fast lane (batch_fast.py), whatever its length: stored acks, last comments, gates, bans, mutes, the
# counters (2), the held quantities; SAVEPOINT, chat lines, gates, ledger, lines, options, live products, acks, RELEASE.
FAST_RUN = 17


@pytest.mark.parametrize("fast", [False, True])
def test_a_batch_of_fifty_orders_over_five_codes_commits_once(app, db, make_live, factory, no_rate_limit, monkeypatch,
                                                              fast):
    monkeypatch.setitem(app.config, "LIVE_BATCH_FAST", fast)
    live = make_live([(code, f"Hàng {code}", 100, None) for code in CODES])
    buyers = [factory.user(f"Người mua {n}") for n in range(10)]
    items = [pending(live, b, f"chốt {code} x2", f"{b.id}-{code}") for b in buyers for code in CODES]
    with counted(db) as (seen, commits):
        acks = write(app, items)
    assert len(commits) == 1, "one COMMIT for the whole batch's writes"
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
    if fast:  # batch_fast.py: a few reads and one statement per table for the whole run
        assert len(seen) <= PER_BATCH + FAST_RUN, "\n".join(seen)
        assert sum(1 for s in seen if s.startswith("INSERT INTO live_chat_messages")) == 1
    else:
        assert len(seen) <= PER_BATCH + PER_COMMENT * len(items), "\n".join(seen)
        assert sum(1 for s in seen if s.startswith("INSERT INTO live_chat_messages")) == 50
    # Arrival order: each code's `remaining` goes down by 2 per buyer, in the order the comments came.
    for code in CODES:
        assert [a["reserved"][0]["remaining"] for a in acks if a["reserved"][0]["code"] == code] == \
            list(range(98, 78, -2))
    assert counts(db, live) == (50, 50)
    for lp in db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)):
        assert lp.allotment_used == 20
        variant = lp.product.variants[0]
        assert (variant.available, variant.reserved) == (80, 20)
        assert variant.received == variant.available + variant.reserved + variant.sold


def test_arrival_order_decides_who_gets_the_last_units(app, db, make_live, factory, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 3, None)])
    buyers = [factory.user(f"Khách {n}") for n in range(5)]
    acks = write(app, [pending(live, b, "chốt A12", f"c{b.id}") for b in buyers])
    assert [a["ok"] for a in acks] == [True, True, True, False, False]
    assert [a["error"]["code"] for a in acks[3:]] == ["out_of_stock", "out_of_stock"]
    assert [r.user_id for r in db.session.scalars(select(LiveReservation).order_by(LiveReservation.id))] == \
        [b.id for b in buyers[:3]]
    variant = db.session.scalar(select(Variant))
    assert (variant.available, variant.reserved) == (0, 3)  # 0 oversold
    # The refused comments are stored as chat lines all the same (as one at a time), with their refusal as the ack.
    assert counts(db, live) == (5, 3)


def test_a_client_id_sent_twice_in_one_batch_is_one_order(app, db, make_live, buyer, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    first, again = write(app, [pending(live, buyer, "chốt A12 x2", "same"), pending(live, buyer, "chốt A12 x2", "same")])
    assert first["ok"] is True and again == first
    assert counts(db, live) == (1, 1)
    assert db.session.scalar(select(Variant.reserved)) == 2


def test_a_refused_or_failing_comment_rolls_back_alone(app, db, make_live, factory, monkeypatch):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    lan, hung, mai = factory.user("Lan"), factory.user("Hùng"), factory.user("Mai")
    real = batch.services.take_comment

    def breaks_for_hung(session_id, user, *args, **kwargs):
        outcome = real(session_id, user, *args, **kwargs)  # everything written, then the failure
        if user.id == hung.id:
            raise RuntimeError("injected")
        return outcome

    real_write = batch.batch_fast._write

    def fast_run_breaks_for_hung(run, *args, **kwargs):
        real_write(run, *args, **kwargs)  # the run's rows all written, then the failure: the run goes one by one
        if any(d.cand.user.id == hung.id for d in run):
            raise RuntimeError("injected")

    monkeypatch.setattr(batch.services, "take_comment", breaks_for_hung)
    monkeypatch.setattr(batch.batch_fast, "_write", fast_run_breaks_for_hung)
    acks = write(app, [pending(live, lan, "chốt A12 x2", "l1"), pending(live, lan, "chốt A12", "l2"),
                       pending(live, hung, "chốt A12 x3", "h1"), pending(live, mai, "chốt A12", "m1"),
                       pending(live, mai, "  ", "m2")])
    assert acks[0]["ok"] is True
    assert acks[1]["error"]["code"] == "rate_limited"  # Lan's second comment within the interval
    assert acks[2]["error"]["code"] == "server_error"
    assert acks[3]["ok"] is True and acks[3]["reserved"][0]["remaining"] == 7  # Hùng's 3 units were never taken
    assert acks[4]["error"]["code"] == "invalid_input"
    assert counts(db, live) == (2, 2)
    assert db.session.scalar(select(Variant.reserved)) == 3
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "reserve")) == 2


def test_each_comment_is_answered_in_its_own_language(app, db, make_live, factory, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 1, None)])
    first, vi_buyer, en_buyer = factory.user("A"), factory.user("B"), factory.user("C")
    acks = write(app, [pending(live, first, "chốt A12", "a"), pending(live, vi_buyer, "chốt A12", "b", "vi"),
                       pending(live, en_buyer, "chốt A12", "c", "en")])
    assert acks[0]["ok"] is True
    assert "hết" in acks[1]["error"]["message"].lower()
    assert "sold out" in acks[2]["error"]["message"].lower() or "left" in acks[2]["error"]["message"].lower()


def test_a_lost_database_at_the_commit_keeps_nothing_and_answers_unavailable(app, db, make_live, factory,
                                                                             no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    buyers = [factory.user(f"Khách {n}") for n in range(3)]

    def gone(_session):
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    event.listen(Session, "before_commit", gone)  # only the writer commits while it is listened to
    try:
        acks = write(app, [pending(live, b, "chốt A12", f"c{b.id}") for b in buyers])
    finally:
        event.remove(Session, "before_commit", gone)
    assert [a["error"]["code"] for a in acks] == ["unavailable"] * 3
    assert all(a["error"]["details"]["retry"] is True for a in acks)
    assert counts(db, live) == (0, 0)
    assert db.session.scalar(select(Variant.reserved)) == 0
    # The clients send the same client_ids again: now kept, once.
    acks = write(app, [pending(live, b, "chốt A12", f"c{b.id}") for b in buyers])
    assert all(a["ok"] for a in acks) and counts(db, live) == (3, 3)


def test_comments_from_many_sockets_are_batched_and_acked_after_their_commit(app, db, make_live, factory, connect,
                                                                              monkeypatch, no_rate_limit):
    monkeypatch.setitem(app.config, "LIVE_BATCH_MS", 300)  # a wide window, so the comments below share batches
    live = make_live([("A12", "Bưởi Diễn", 6, None)])
    sockets = [connect(live.id, factory.user(f"Khách {n}")) for n in range(8)]
    stats = batch.writer(app).stats
    before = stats.batches
    start = threading.Barrier(len(sockets))
    acks: dict[int, dict] = {}

    def send(n, sio):
        start.wait()
        acks[n] = comment(sio, "chốt A12", f"s{n}")

    threads = [threading.Thread(target=send, args=(n, s)) for n, s in enumerate(sockets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a["ok"] for a in acks.values()) == [False, False] + [True] * 6
    assert stats.batches - before < len(sockets), "at least two comments shared a batch"
    fresh(db)
    # Every acknowledged order is there (nothing acked before its commit), and no more than the stock.
    kept = {m.client_id for m in db.session.scalars(select(ChatMessage).join(
        LiveReservation, LiveReservation.message_id == ChatMessage.id))}
    assert kept == {f"s{n}" for n, a in acks.items() if a["ok"]}
    assert db.session.scalar(select(Variant.available)) == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_socket_path_gives_the_same_ack_with_or_without_group_commit(app, db, make_live, buyer, connect,
                                                                        monkeypatch, enabled):
    monkeypatch.setitem(app.config, "LIVE_GROUP_COMMIT", enabled)
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    sio = connect(live.id, buyer)
    ack = comment(sio, "chốt A12 x2", "one")
    assert ack["ok"] is True and ack["reserved"][0]["remaining"] == 8
    assert comment(sio, "chốt A12 x2", "one") == ack
    watcher = connect(live.id)
    assert comment(watcher, "chốt A12", "w")["error"]["code"] == "not_signed_in"


def test_a_comment_whose_handler_stopped_waiting_is_not_written(app, db, make_live, buyer, factory, monkeypatch):
    """An overloaded writer: the handler answered `unavailable` after LIVE_BATCH_WAIT_SECONDS; the comment, still
    queued, is left out of the next batch rather than written (the client sends it again with its client_id)."""
    import queue

    monkeypatch.setitem(app.config, "LIVE_BATCH_WAIT_SECONDS", 0)
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    writer = batch.CommentWriter(app)  # not started: nothing takes the comments until the test asks
    monkeypatch.setattr(writer, "_ensure_running", lambda: None)
    writer.queue, writer.empty = queue.Queue(), queue.Empty
    late = pending(live, buyer, "chốt A12", "late")
    body = writer.submit(late)
    assert body["error"]["code"] == "unavailable" and late.abandoned is True
    waiting = pending(live, factory.user("Khách"), "chốt A12", "waiting")
    writer.queue.put(waiting)
    assert writer.next_batch() == [waiting]
    write(app, [waiting])
    assert waiting.ack["ok"] is True and counts(db, live) == (1, 1)
