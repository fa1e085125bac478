"""Stream keys stay secret: never in the session cookie, never in nginx-rtmp's access log."""
from __future__ import annotations

import contextlib
import subprocess
import uuid
from pathlib import Path

from app.livestream import video
from app.livestream.models import LiveStream
from tests.livestream.test_video import _render_module, _require_video_tools, running_nginx

SYSTEM_ACCESS_LOG = Path("/var/log/nginx/access.log")  # where Debian's nginx-rtmp logs when nothing says otherwise


def _cookie_payload(app, client) -> str:
    """The session cookie as anyone holding it can read it (it is signed, not encrypted)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return repr(data)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_a_new_stream_key_is_shown_once_and_never_put_in_the_session(app, client, auth, make_live, seller, db):
    live = make_live(state="scheduled")
    auth.login_as(seller[0])
    response = client.post(f"/live/{live.id}/stream-key")
    db.session.rollback()
    stream = db.session.query(LiveStream).filter_by(session_id=live.id).one()
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}
    assert not [s for s in _strings(session) if video.hash_key(s) == stream.key_hash], "the key is in the cookie"
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    key = page.split('id="stream-key" value="', 1)[1].split('"', 1)[0]
    assert video.hash_key(key) == stream.key_hash
    assert 'data-replace-history' in page  # the browser forgets the POST: a reload is a plain visit
    assert key not in _cookie_payload(app, client) and key not in (response.headers.get("Set-Cookie") or "")
    again = client.get(f"/live/{live.id}/stream-key").get_data(as_text=True)
    assert key not in again and stream.key_hint in again
    assert key not in _cookie_payload(app, client)


def test_the_rtmp_config_keeps_no_access_log(tmp_path):
    text = _render_module().render(tmp_path / "p", tmp_path / "v", rtmp_port=19999, app_url="http://127.0.0.1:5999")
    rtmp = text.split("rtmp {", 1)[1].split("\nhttp {", 1)[0]
    assert "\n    access_log off;\n" in rtmp
    assert rtmp.count("access_log") == 1  # no server or application turns it back on


def test_a_publish_leaves_no_key_in_any_log(tmp_path):
    """A real nginx-rtmp: a publish (refused here: nothing answers its callback) logs nothing with the key."""
    _require_video_tools()
    key = "sec-" + uuid.uuid4().hex + uuid.uuid4().hex
    with running_nginx("http://127.0.0.1:9", tmp_path) as nginx:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=d=1:s=160x120",
                        "-c:v", "libx264", "-f", "flv", f"{nginx['rtmp']}/{key}"], capture_output=True, timeout=60)
        prefix = nginx["prefix"]
    # nginx has stopped: whatever it would log is written.
    written = [p for p in prefix.rglob("*") if p.is_file() and p.name != "nginx.conf"]
    assert not any(key in p.read_text(errors="replace") for p in written)
    if SYSTEM_ACCESS_LOG.is_file():
        with contextlib.suppress(PermissionError):
            assert key not in SYSTEM_ACCESS_LOG.read_text(errors="replace")
