"""Shared fixtures: app, db, client, runner, auth, factories, a live server; SQLite or PostgreSQL per run."""
from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Testing
from app.extensions import db as _db
from app.extensions import limiter
from tests.support import PASSWORD
from tests.support.net import free_port
from tests.support.skips import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


def reachable_redis_url() -> str:
    """REDIS_URL, else the local Redis (the SQLite pass unsets REDIS_URL), pinged; skip_or_fail when unreachable."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=1).ping()
    except Exception:  # any failure to reach it
        skip_or_fail(f"Redis is not reachable at {url}")
    return url


def _create_postgres_database(url: str) -> tuple[str, str]:
    import psycopg

    base = make_url(url.replace("postgresql+psycopg://", "postgresql://", 1))
    name = f"cholive_test_{uuid.uuid4().hex[:10]}"
    admin = base.set(database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    test_url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    return test_url, name


def _drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    base = make_url(url.replace("postgresql+psycopg://", "postgresql://", 1)).set(database="postgres")
    with psycopg.connect(base.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this run: PostgreSQL when DATABASE_URL names one, else a SQLite file."""
    env_url = os.environ.get("DATABASE_URL", "")
    if env_url.startswith(("postgres://", "postgresql")):
        url, name = _create_postgres_database(env_url)
        yield url
        _drop_postgres_database(env_url, name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    """One app per run, migrated with the real Alembic revisions (never create_all)."""
    uploads = tmp_path_factory.mktemp("uploads")
    config = type("TestConfig", (Testing,), {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_LOCAL_DIR": uploads,
        "REDIS_URL": None,
    })
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _clean_tables() -> None:
    _db.session.rollback()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture(autouse=True)
def _socketio_stays_with_the_session_app(_app):
    """A test that builds another app (create_app) rebinds the one SocketIO object to it; emits would then miss
    the live server's clients. Give SocketIO back to the session's app after every test."""
    from app.extensions import socketio

    saved = dict(socketio.__dict__)
    yield
    if socketio.server is not saved["server"]:
        socketio.__dict__.clear()
        socketio.__dict__.update(saved)


@pytest.fixture
def app(_app):
    """The app with an application context pushed and empty tables afterwards."""
    with _app.app_context():
        yield _app
        _db.session.remove()
        _clean_tables()
    limiter.reset()


@pytest.fixture
def db(app):
    return _db


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (its own g and db session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Small builders for the objects most tests need, going through the real services."""

    password = PASSWORD

    def __init__(self):
        self._phone = 912000000

    def phone(self) -> str:
        self._phone += 1
        return f"0{self._phone}"

    def user(self, name: str = "Nguyễn Thị Test", login: str | None = None, password: str | None = None, **attrs):
        from app.accounts import services

        user = services.register_user(name, login or self.phone(), password or self.password)
        for key, value in attrs.items():
            setattr(user, key, value)
        _db.session.commit()
        return user

    def org(self, owner=None, name: str = "HTX Thử nghiệm", kind: str = "cooperative", **fields):
        from app.accounts import services
        from app.core.addresses import find_commune

        owner = owner or self.user()
        org = services.create_organisation(owner, name=name, kind=kind, province_code=1,
                                           commune_code=fields.pop("commune_code", find_commune("Xã Ô Diên")), **fields)
        _db.session.commit()
        return org


@pytest.fixture
def factory(app):
    return Factory()


class AuthActions:
    """Sign in and out through the real pages, as a browser would."""

    def __init__(self, client, factory: Factory):
        self.client = client
        self.factory = factory

    def login(self, login: str, password: str = Factory.password, follow: bool = False):
        return self.client.post("/login", data={"login": login, "password": password}, follow_redirects=follow)

    def login_as(self, user, password: str = Factory.password):
        response = self.login(user.phone or user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, factory):
    return AuthActions(client, factory)


@pytest.fixture(scope="session")
def live_server(_app):
    """The app served over HTTP and Socket.IO (threading mode) on a free loopback port."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def real_socketio(app):
    """Undo what Flask-SocketIO's test client patches on the shared server, so real clients get packets."""
    from app.extensions import socketio

    server = socketio.server
    for name in ("_send_packet", "_send_eio_packet"):
        server.__dict__.pop(name, None)
    server.async_handlers = True
    server.eio.async_handlers = True
    return socketio


class HeardSignals(list):
    """Every domain signal (app.core.signals) delivered to the test's app, as (signal name, payload), in order."""

    def names(self) -> list[str]:
        return [name for name, _ in self]

    def of(self, name: str) -> list[dict]:
        return [payload for heard, payload in self if heard == name]


@pytest.fixture
def heard_signals(app):
    from app.core import signals

    heard = HeardSignals()
    receivers = []
    for signal in signals.ALL:
        def receiver(sender, _name=signal.name, **payload):
            heard.append((_name, payload))

        signal.connect(receiver, sender=app)
        receivers.append((signal, receiver))
    yield heard
    for signal, receiver in receivers:
        signal.disconnect(receiver, sender=app)
