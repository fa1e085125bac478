"""The after-commit queue (app/core/uow.py) and domain signals (app/core/signals.py): after the commit, never on
rollback, never inside the transaction, plain payloads, one failing receiver isolated."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import signals, uow
from app.core.signals import send_after_commit


@pytest.fixture
def heard(app):
    """Every delivery of `order_paid` to this app, with whether a transaction was open when it arrived."""
    from app.extensions import db

    calls = []

    def receiver(sender, **payload):
        calls.append((sender, payload, db.session().in_transaction()))

    signals.order_paid.connect(receiver, sender=app)
    yield calls
    signals.order_paid.disconnect(receiver, sender=app)


def _touch(db):
    """Any statement, so the session has a transaction open."""
    db.session.execute(select(func.count(User.id)))


def test_queued_work_runs_after_the_commit_in_order(app, db):
    ran = []
    _touch(db)
    uow.after_commit(ran.append, 1)
    uow.after_commit(lambda: ran.append(2))
    assert ran == [] and uow.pending() == 2
    db.session.commit()
    assert ran == [1, 2] and uow.pending() == 0
    db.session.commit()  # an empty commit later runs nothing again
    assert ran == [1, 2]


def test_work_is_dropped_on_rollback(app, db):
    ran = []
    _touch(db)
    uow.after_commit(ran.append, "rolled back")
    db.session.rollback()
    db.session.commit()
    assert ran == [] and uow.pending() == 0


def test_work_of_a_rolled_back_savepoint_is_dropped_the_rest_runs(app, db):
    ran = []
    _touch(db)
    uow.after_commit(ran.append, "outer")
    with db.session.begin_nested():
        uow.after_commit(ran.append, "kept savepoint")
    try:
        with db.session.begin_nested():
            uow.after_commit(ran.append, "refused line")
            with db.session.begin_nested():
                uow.after_commit(ran.append, "inner of the refused line")
            raise RuntimeError("out of stock")
    except RuntimeError:
        pass
    assert ran == []  # a released savepoint is not a commit
    db.session.commit()
    assert ran == ["outer", "kept savepoint"]


def test_a_released_savepoint_then_a_rolled_back_transaction_runs_nothing(app, db):
    ran = []
    _touch(db)
    with db.session.begin_nested():
        uow.after_commit(ran.append, "x")
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_work_queued_before_any_transaction_runs_after_the_next_commit(app, db):
    ran = []
    db.session.commit()  # nothing open now
    assert not db.session().in_transaction()
    uow.after_commit(ran.append, "early")
    db.session.commit()
    assert ran == ["early"]


def test_work_runs_for_a_session_begin_block_too(app, db):
    ran = []
    db.session.commit()
    with db.session.begin():
        uow.after_commit(ran.append, "begin block")
        assert ran == []
    assert ran == ["begin block"]


def test_queued_work_may_use_the_database_and_commit_its_own_unit(app, db, factory):
    user = factory.user("Người Thứ Nhất")
    seen, later = [], []

    def rename():
        db.session.get(User, user.id).name = "Đã đổi sau commit"
        uow.after_commit(later.append, "after the second commit")
        db.session.commit()
        seen.append(db.session.scalar(select(User.name).where(User.id == user.id)))

    _touch(db)
    uow.after_commit(rename)
    db.session.commit()
    assert seen == ["Đã đổi sau commit"] and later == ["after the second commit"]
    db.session.remove()
    assert db.session.get(User, user.id).name == "Đã đổi sau commit"


def test_a_failing_call_is_logged_and_the_others_still_run(app, db, caplog):
    ran = []

    def broken():
        db.session.execute(select(func.count(User.id)))  # leaves a transaction open, then fails
        raise ValueError("receiver bug")

    _touch(db)
    uow.after_commit(ran.append, 1)
    uow.after_commit(broken)
    uow.after_commit(ran.append, 3)
    with caplog.at_level(logging.ERROR, logger="app.core.uow"):
        db.session.commit()  # does not raise
    assert ran == [1, 3]
    assert "receiver bug" in caplog.text and "broken" in caplog.text
    assert not db.session().in_transaction()  # the failed call's transaction was rolled back
    db.session.execute(select(1))  # the session is usable


def test_after_commit_refuses_what_cannot_be_called(app):
    with pytest.raises(TypeError):
        uow.after_commit("not callable")


# Signals -------------------------------------------------------------------------------------------------------

PAYLOAD = dict(order_id=7, number="CLABC123", organisation_id=3, buyer_id=None, total=90000,
               payment_method="vietqr", provider="bank", paid_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC))


def test_a_signal_is_delivered_after_the_commit_never_inside_the_transaction(app, db, heard):
    _touch(db)
    send_after_commit(signals.order_paid, **PAYLOAD)
    db.session.flush()
    assert heard == []
    db.session.commit()
    assert len(heard) == 1
    sender, payload, in_transaction = heard[0]
    assert sender is app and payload == PAYLOAD and in_transaction is False


def test_a_signal_is_not_delivered_on_rollback(app, db, heard):
    _touch(db)
    send_after_commit(signals.order_paid, **PAYLOAD)
    db.session.rollback()
    db.session.commit()
    assert heard == []


def test_a_signal_inside_a_rolled_back_savepoint_is_not_delivered(app, db, heard):
    _touch(db)
    try:
        with db.session.begin_nested():
            send_after_commit(signals.order_paid, **PAYLOAD)
            raise RuntimeError
    except RuntimeError:
        pass
    db.session.commit()
    assert heard == []


def test_a_failing_receiver_does_not_stop_the_others_nor_the_caller(app, db, heard, caplog):
    def broken(sender, **payload):
        raise RuntimeError("subscriber bug")

    signals.order_paid.connect(broken, sender=app)
    try:
        _touch(db)
        send_after_commit(signals.order_paid, **PAYLOAD)
        with caplog.at_level(logging.ERROR, logger="app.core.signals"):
            db.session.commit()
    finally:
        signals.order_paid.disconnect(broken, sender=app)
    assert len(heard) == 1 and "subscriber bug" in caplog.text


def test_receivers_of_another_app_do_not_hear_this_one(app, db):
    other, mine = [], []
    stranger = object()

    def to_other(sender, **_):
        other.append(sender)

    def to_me(sender, **_):
        mine.append(sender)

    signals.order_paid.connect(to_other, sender=stranger)
    signals.order_paid.connect(to_me, sender=app)
    try:
        _touch(db)
        send_after_commit(signals.order_paid, **PAYLOAD)
        db.session.commit()
    finally:
        signals.order_paid.disconnect(to_other, sender=stranger)
        signals.order_paid.disconnect(to_me, sender=app)
    assert other == [] and mine == [app]


@pytest.mark.parametrize("bad", [object(), {"nested": object()}, [1, object()], {1: "int key"}])
def test_payloads_hold_plain_values_only(app, db, bad):
    with pytest.raises(TypeError):
        send_after_commit(signals.order_paid, order_id=1, extra=bad)


def test_an_orm_object_is_refused_as_payload(app, db, factory):
    user = factory.user()
    with pytest.raises(TypeError, match="not a plain value"):
        send_after_commit(signals.order_paid, order_id=1, buyer=user)
    assert uow.pending() == 0


def test_every_signal_is_documented_in_the_module():
    assert len(signals.ALL) >= 18
    for signal in signals.ALL:
        assert signal.name in signals.__doc__, signal.name
        assert getattr(signals, signal.name) is signal


# The committing callers of core: jobs (and through them the CLI). --------------------------------------------

def test_a_job_run_commits_and_then_runs_its_queued_work_a_failing_run_drops_it(app, db):
    from app.core import jobs

    ran = []

    def tidy():
        _touch(db)
        uow.after_commit(ran.append, "tidied")
        return "ok"

    def broken():
        _touch(db)
        uow.after_commit(ran.append, "never")
        raise RuntimeError("job failed")

    jobs.register_job("test.tidy", tidy, every_seconds=60)
    jobs.register_job("test.broken", broken, every_seconds=60)
    try:
        assert jobs.run_job(app, "test.tidy").ran and ran == ["tidied"]
        with pytest.raises(RuntimeError):
            jobs.run_job(app, "test.broken")
        result = app.test_cli_runner().invoke(args=["jobs", "run", "test.tidy"])
        assert result.exit_code == 0, result.output
    finally:
        jobs._registry.pop("test.tidy", None)
        jobs._registry.pop("test.broken", None)
    assert ran == ["tidied", "tidied"]


def test_an_in_transaction_receiver_writes_with_the_sender_and_rolls_back_with_it(app, db, factory):
    """The outbox and the ledger connect in the transaction: their rows commit or vanish with the change."""
    user = factory.user(name="Người mua")

    def rename(sender, **payload):
        db.session.get(User, user.id).name = f"paid {payload['number']}"

    signals.connect_in_transaction(signals.order_paid, rename, app)
    try:
        send_after_commit(signals.order_paid, **PAYLOAD)
        db.session.rollback()
        assert db.session.get(User, user.id).name == "Người mua"
        send_after_commit(signals.order_paid, **PAYLOAD)
        db.session.commit()
        assert db.session.get(User, user.id).name == f"paid {PAYLOAD['number']}"
    finally:
        signals.disconnect_in_transaction(signals.order_paid, rename, app)


def test_an_in_transaction_receiver_that_fails_fails_the_sender(app, db):
    def broken(sender, **payload):
        raise RuntimeError("ledger bug")

    signals.connect_in_transaction(signals.order_paid, broken, app)
    try:
        with pytest.raises(RuntimeError, match="ledger bug"):
            send_after_commit(signals.order_paid, **PAYLOAD)
        signals.connect_in_transaction(signals.order_paid, broken, object())  # another app's: not called here
        signals.disconnect_in_transaction(signals.order_paid, broken, app)
        send_after_commit(signals.order_paid, **PAYLOAD)
    finally:
        signals.disconnect_in_transaction(signals.order_paid, broken, app)
