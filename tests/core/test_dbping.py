"""The pool pings a connection only after it sat idle, and replaces one that fails its ping."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from app.core import dbping


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


def _engine(tmp_path, seconds, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(dbping.time, "monotonic", clock)
    engine = create_engine(f"sqlite:///{tmp_path / 'ping.db'}", poolclass=QueuePool, pool_size=1, max_overflow=0)
    dbping.install(engine, seconds)
    pings = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return engine, pings, clock


def test_a_connection_given_back_a_moment_ago_is_not_pinged(tmp_path, monkeypatch):
    engine, pings, clock = _engine(tmp_path, 1, monkeypatch)
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
        clock.now += 0.9
    assert pings == []


def test_an_idle_connection_is_pinged_before_use(tmp_path, monkeypatch):
    engine, pings, clock = _engine(tmp_path, 1, monkeypatch)
    with engine.connect() as conn:
        conn.scalar(text("SELECT 1"))
    assert pings == []  # a new connection needs no ping
    clock.now += 1.5  # idle longer than the threshold
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1
    assert len(pings) == 1


def test_a_connection_failing_its_ping_is_replaced(tmp_path, monkeypatch):
    engine, pings, clock = _engine(tmp_path, 1, monkeypatch)
    with engine.connect() as conn:
        first = conn.connection.dbapi_connection
    first.close()  # the server dropped it while it sat in the pool
    clock.now += 5
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1
        assert conn.connection.dbapi_connection is not first
    assert pings and pings[0] is first
