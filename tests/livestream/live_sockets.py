"""Socket helpers for the chat-safety tests: test-client connections as a watcher, a buyer or the seller."""
from __future__ import annotations

import pytest

from app.extensions import socketio
from tests.conftest import AuthActions

NS = "/live"


def arg(event):
    """The test client unwraps the argument of an event named "message" and keeps a list for the others."""
    return event["args"] if event["name"] == "message" else event["args"][0]


def events(client, name):
    return [arg(e) for e in client.get_received(NS) if e["name"] == name]


def names(client):
    """Event names received, without the console's stats strip (throttled, so present or not by timing)."""
    return [e["name"] for e in client.get_received(NS) if e["name"] != "stats"]


def comment(client, text, client_id="c1"):
    return client.emit("comment", {"text": text, "client_id": client_id}, namespace=NS, callback=True)


def seller_event(client, name, payload=None):
    return client.emit(name, payload if payload is not None else {}, namespace=NS, callback=True)


@pytest.fixture
def connect(app):
    """connect(live_id, user=None, **auth): a /live test client, signed in through the real login when user is given."""
    clients = []

    def make(live_id=None, user=None, **auth):
        if live_id is not None:
            auth["session_id"] = live_id
        flask_client = None
        if user is not None:
            flask_client = app.test_client()
            AuthActions(flask_client, None).login_as(user)
        client = socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=flask_client)
        clients.append(client)
        return client

    yield make
    for c in clients:
        if c.is_connected(NS):
            c.disconnect(namespace=NS)
