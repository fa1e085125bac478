"""After-commit calls: run once after the commit, never after a rollback, kept across a rolled-back SAVEPOINT."""
from __future__ import annotations

from sqlalchemy import text

from app.core.uow import after_commit, pending


def test_runs_after_the_commit_once(db):
    calls = []
    after_commit(calls.append, "a")
    after_commit(calls.append, "b")
    db.session.execute(text("SELECT 1"))
    assert calls == [] and pending() == 2
    db.session.commit()
    assert calls == ["a", "b"] and pending() == 0
    db.session.commit()
    assert calls == ["a", "b"]


def test_a_rollback_forgets_them(db):
    calls = []
    db.session.execute(text("SELECT 1"))
    after_commit(calls.append, "x")
    db.session.rollback()
    db.session.commit()
    assert calls == [] and pending() == 0


def test_a_rolled_back_savepoint_keeps_the_outer_calls(db, factory):
    calls = []
    factory.user("Người A")
    after_commit(calls.append, "outer")
    try:
        with db.session.begin_nested():
            db.session.execute(text("SELECT 1"))
            raise RuntimeError("inner step refused")
    except RuntimeError:
        pass
    db.session.commit()
    assert calls == ["outer"]


def test_a_failing_call_does_not_stop_the_rest(db):
    calls = []

    def boom():
        raise ValueError("no socket")

    after_commit(boom)
    after_commit(calls.append, "next")
    db.session.execute(text("SELECT 1"))
    db.session.commit()  # the commit stands and nothing reaches the caller
    assert calls == ["next"]
