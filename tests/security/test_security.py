"""Security checks across the stack: socket origins and sizes, headers on every kind of response."""
from __future__ import annotations

import io

import pytest
import socketio
from PIL import Image
from sqlalchemy import func, select

from app.livestream.models import ChatMessage

FOREIGN = "http://evil.example"


def _client() -> socketio.Client:
    return socketio.Client(reconnection=False, request_timeout=5)


# The test server (werkzeug, threading) speaks long-polling only; the origin check runs in Engine.IO's
# handshake, before any transport upgrade, so one transport proves it. Websocket is covered under gunicorn.
def test_socket_handshake_from_a_foreign_origin_is_refused(live_server, real_socketio, make_live):
    live = make_live()
    sio = _client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(live_server, namespaces=["/live"], transports=["polling"], wait_timeout=20,
                    headers={"Origin": FOREIGN}, auth={"session_id": live.id})
    assert not sio.connected


def test_socket_handshake_from_the_site_itself_is_accepted(live_server, real_socketio, make_live):
    live = make_live()
    sio = _client()
    sio.connect(live_server, namespaces=["/live"], transports=["polling"], wait_timeout=20,
                headers={"Origin": live_server}, auth={"session_id": live.id})
    try:
        assert sio.connected
    finally:
        sio.disconnect()


def test_a_2mb_socket_message_is_refused_and_nothing_is_stored(live_server, real_socketio, make_live, db, factory):
    live = make_live()
    from app.accounts.services import issue_api_token

    token, _ = issue_api_token(factory.user("Khách lớn"), days=1)
    db.session.commit()
    auth = {"session_id": live.id, "token": token}
    sio = _client()
    sio.connect(live_server, namespaces=["/live"], transports=["polling"], wait_timeout=20,
                headers={"Origin": live_server}, auth=auth)
    try:
        with pytest.raises(socketio.exceptions.TimeoutError):
            # The server drops a frame over its 64 KB buffer limit without handling it: no ack ever comes.
            sio.call("comment", {"text": "chốt A12 " + "x" * (2 * 1024 * 1024), "client_id": "huge"},
                     namespace="/live", timeout=3)
    finally:
        sio.disconnect()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 0


def _assert_hardened(response, csp="default-src 'self'"):
    assert csp in response.headers.get("Content-Security-Policy", ""), response.request.path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.request.path
    assert response.headers.get("X-Frame-Options") == "DENY", response.request.path
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", response.request.path


@pytest.mark.parametrize("path", ["/", "/shop/", "/live/", "/training/", "/login", "/static/css/app.css",
                                  "/static/js/app.js", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_on_pages_static_files_api_and_errors(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    _assert_hardened(response)


def test_security_headers_on_uploaded_files(app, client):
    from app.core.storage import get_storage

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    with app.app_context():
        key = get_storage().save(buffer.getvalue(), prefix="test", extension="jpg", content_type="image/jpeg")
    response = client.get(f"/media/{key}")
    assert response.status_code == 200
    _assert_hardened(response, csp="default-src 'none'; sandbox")  # uploads: nothing runs (tests/security/test_uploads.py)


@pytest.mark.parametrize("path", ["/api/v1/products/2147483648", "/shop/p/99999999999999999999",
                                  "/live/99999999999999999999"])
def test_ids_past_the_largest_key_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_nul_characters_are_refused_everywhere_with_a_clear_message(client, db, factory):
    from app.accounts.models import User

    before = db.session.scalar(select(func.count()).select_from(User))
    json_reply = client.post("/api/v1/auth/register", json={"name": "A\x00B", "login": "0912345678",
                                                            "password": "matkhau-dai-123"})
    assert json_reply.status_code == 400
    assert json_reply.json["code"] == "invalid_characters"
    assert client.get("/shop/?q=bu%00oi").status_code == 400
    page = client.post("/register", data={"name": "A\x00B"})
    assert page.status_code == 400
    assert "ký tự không được phép" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before
