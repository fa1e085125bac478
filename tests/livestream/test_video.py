"""Live video: stream keys, nginx-rtmp callbacks and the grace period; then real nginx + ffmpeg on loopback:
a push becomes HLS under the public name, the room hears it, a wrong key writes nothing, the recording replays."""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.core.dbtypes import utcnow
from app.livestream import recordings, services, video
from app.livestream.models import LiveRecording, LiveSession, LiveStream
from tests.support.net import free_port, wait_for
from tests.support.skips import skip_or_fail

from ..conftest import ROOT

RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def publish(client, name, addr="127.0.0.1", call="publish", app_name="ingest", **extra):
    """What nginx-rtmp POSTs to on_publish (and friends)."""
    data = {"call": call, "app": app_name, "name": name, "addr": "198.51.100.7", "tcurl": "rtmp://x/ingest", **extra}
    token = current_app.config.get("VIDEO_CALLBACK_TOKEN")
    return client.post(f"/live/video/rtmp/{call}", data=data, environ_base={"REMOTE_ADDR": addr},
                       query_string={"token": token} if token else None)


def key_for(db, live, actor):
    _, key = video.issue_stream_key(actor, live)
    db.session.commit()
    return key


def stream(db, live) -> LiveStream:
    db.session.rollback()  # a fresh snapshot: on SQLite a read transaction would keep seeing the old rows
    return db.session.scalar(select(LiveStream).where(LiveStream.session_id == live.id))


# Keys and callbacks without nginx -------------------------------------------------------------------

def test_callbacks_only_from_loopback_or_the_configured_nginx(app, client, make_live, seller, db, monkeypatch):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    assert publish(client, key, addr="203.0.113.9").status_code == 403
    assert publish(client, key, addr="10.1.2.3", call="publish_done").status_code == 403
    assert stream(db, live).video_state == "waiting" and db.session.get(LiveSession, live.id).state == "scheduled"

    monkeypatch.setitem(app.config, "VIDEO_CALLBACK_ALLOW", "127.0.0.1, 10.1.0.0/16")
    assert video.callback_allowed("10.1.2.3") and video.callback_allowed("::ffff:127.0.0.1")
    assert not video.callback_allowed("10.2.0.1") and not video.callback_allowed("not an ip")
    assert not video.callback_allowed(None)
    assert publish(client, key, addr="10.1.2.3").status_code == 302


def test_callbacks_need_the_shared_token_when_one_is_set(app, client, make_live, seller, db, monkeypatch):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    monkeypatch.setitem(app.config, "VIDEO_CALLBACK_TOKEN", "s3cret-token")
    form = {"call": "publish", "app": "ingest", "name": key}
    local = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.post("/live/video/rtmp/publish", data=form, environ_base=local).status_code == 403
    assert client.post("/live/video/rtmp/publish?token=s3cret-tokeN", data=form, environ_base=local).status_code == 403
    assert stream(db, live).video_state == "waiting"
    assert client.post("/live/video/rtmp/publish?token=s3cret-token", data=form, environ_base=local).status_code == 302


def test_publish_with_the_key_goes_on_air_and_redirects_to_the_public_name(client, make_live, seller, db):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    s = stream(db, live)
    # Only the hash is stored: the key is in no column.
    assert s.key_hash == video.hash_key(key) and key not in json.dumps(
        {c.name: str(getattr(s, c.name)) for c in LiveStream.__table__.columns})

    response = publish(client, key)
    assert response.status_code == 302
    assert response.headers["Location"] == f"rtmp://127.0.0.1:1935/relay/{s.public_name}"
    assert key not in response.headers["Location"]
    s = stream(db, live)
    assert (s.video_state, s.session.state, s.publish_count) == ("on_air", "live", 1)
    assert s.on_air_at is not None and s.session.started_at is not None


@pytest.mark.parametrize("case", ["wrong", "old_after_regeneration", "ended", "member_removed", "short", "missing"])
def test_publish_refusals_change_nothing(case, client, make_live, seller, factory, db):
    owner, org = seller
    live = make_live(state="scheduled")
    staff = factory.user("Lê Văn Phụ")
    from app.accounts import services as accounts

    accounts.add_staff(owner, org, staff.phone)
    db.session.commit()
    key = key_for(db, live, staff)
    name = {"wrong": key[:-1] + ("A" if key[-1] != "A" else "B"), "short": "abc", "missing": None}.get(case, key)
    if case == "old_after_regeneration":
        key_for(db, live, owner)
    if case == "ended":
        services.end_live(owner, db.session.get(LiveSession, live.id))
        db.session.commit()
    if case == "member_removed":
        accounts.remove_member(owner, org, staff.id)
        db.session.commit()
    state_before = db.session.get(LiveSession, live.id).state
    response = publish(client, name) if name is not None else client.post(
        "/live/video/rtmp/publish", data={"call": "publish"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 403
    s = stream(db, live)
    assert s.video_state == "waiting" and s.publish_count == 0 and s.session.state == state_before


def test_another_organisations_member_cannot_see_or_make_the_key(client, auth, make_live, seller, factory, db):
    live = make_live(state="scheduled")
    other = factory.user("Phạm Thị Khác")
    factory.org(other, name="HTX Khác")
    auth.login_as(other)
    assert client.get(f"/live/{live.id}/stream-key").status_code == 403
    assert client.post(f"/live/{live.id}/stream-key").status_code == 403
    assert stream(db, live) is None


def test_seller_makes_copies_and_regenerates_the_key(client, auth, make_live, seller, db):
    live = make_live(state="scheduled")
    auth.login_as(seller[0])
    page = client.get(f"/live/{live.id}/stream-key").get_data(as_text=True)
    assert 'data-testid="stream-key"' not in page and "rtmp://127.0.0.1:1935/ingest" in page

    response = client.post(f"/live/{live.id}/stream-key")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)  # shown in the answer itself, never kept in the session
    first = stream(db, live)
    shown = page.split('id="stream-key" value="', 1)[1].split('"', 1)[0]
    assert video.hash_key(shown) == first.key_hash and f'data-copy="{shown}"' in page
    # Shown once: the next visit only gives the hint.
    again = client.get(f"/live/{live.id}/stream-key").get_data(as_text=True)
    assert shown not in again and first.key_hint in again
    first_hash = first.key_hash

    client.post(f"/live/{live.id}/stream-key")
    assert stream(db, live).key_hash != first_hash
    assert publish(client, shown).status_code == 403


def test_live_page_player_for_members_and_viewers(client, auth, make_live, seller, buyer, db):
    owner, org = seller
    live = services.schedule_live(owner, org, title="Phiên có YouTube", scheduled_at=utcnow() + timedelta(hours=1),
                                  external_stream_url="https://www.youtube.com/watch?v=abcdefghijk")
    db.session.commit()
    # No stream key yet: viewers get the external embed as before, members also a way to set up the phone.
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert "youtube-nocookie.com/embed/abcdefghijk" in page and "video-setup-link" not in page
    auth.login_as(owner)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert "youtube-nocookie.com/embed/abcdefghijk" in page
    assert f'href="/live/{live.id}/stream-key" data-testid="video-setup-link"' in page

    key = key_for(db, live, owner)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    public = stream(db, live).public_name
    assert f'data-hls="/live/video/hls/{public}.m3u8"' in page and "youtube-nocookie" not in page
    assert key not in page and f"/live/{live.id}/stream-key" in page
    auth.logout()
    auth.login_as(buyer)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="video-state" data-state="waiting"' in page and f"/live/{live.id}/stream-key" not in page


def test_the_ended_live_gets_no_new_key(client, auth, make_live, seller, db):
    live = make_live(state="ended")
    auth.login_as(seller[0])
    response = client.post(f"/live/{live.id}/stream-key", follow_redirects=True)
    assert response.status_code == 200
    assert stream(db, live) is None


def test_interrupted_then_resumed_then_ended_after_the_grace_period(app, client, make_live, seller, db, monkeypatch):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    assert publish(client, key).status_code == 302
    assert publish(client, key, call="publish_done").status_code == 200
    s = stream(db, live)
    assert (s.video_state, s.session.state) == ("interrupted", "live")

    assert publish(client, key).status_code == 302  # back within the grace period
    s = stream(db, live)
    assert (s.video_state, s.session.state, s.publish_count, s.interrupted_at) == ("on_air", "live", 2, None)

    publish(client, key, call="publish_done")
    db.session.rollback()
    later = utcnow() + timedelta(seconds=video.DEFAULTS["VIDEO_GRACE_SECONDS"] + 1)
    assert video.expire_interrupted(now=utcnow()) == []  # still within grace
    assert video.expire_interrupted(now=later) == [live.id]
    db.session.commit()
    s = stream(db, live)
    assert (s.video_state, s.session.state) == ("ended", "ended")
    assert publish(client, key).status_code == 403


def test_grace_period_ends_the_live_even_if_the_keys_maker_has_left(client, make_live, seller, factory, db):
    owner, org = seller
    from app.accounts import services as accounts

    staff = factory.user("Lê Văn Phụ")
    accounts.add_staff(owner, org, staff.phone)
    live = make_live(state="scheduled")
    key = key_for(db, live, staff)
    publish(client, key)
    publish(client, key, call="publish_done")
    accounts.remove_member(owner, org, staff.id)
    db.session.commit()
    assert video.expire_interrupted(now=utcnow() + timedelta(hours=1)) == [live.id]
    db.session.commit()
    s = stream(db, live)
    assert (s.video_state, s.session.state) == ("ended", "ended") and s.session.ended_at == s.interrupted_at


def test_the_live_page_settles_an_expired_interruption_lazily(app, client, make_live, seller, db, monkeypatch):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    publish(client, key)
    publish(client, key, call="publish_done")
    monkeypatch.setitem(app.config, "VIDEO_GRACE_SECONDS", 0)
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'data-testid="video-state" data-state="ended"' in page
    assert stream(db, live).session.state == "ended"


def test_update_drops_a_publisher_after_regeneration_or_when_the_seller_ends(client, make_live, seller, db):
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    publish(client, key)
    assert publish(client, key, call="update").status_code == 200
    key_for(db, live, seller[0])
    assert publish(client, key, call="update").status_code == 403
    # publish_done still finds the live by the key that was publishing.
    publish(client, key, call="publish_done")
    assert stream(db, live).video_state == "interrupted"

    live2 = make_live((("B7", "Gà Mía", 5, None),), state="scheduled")
    key2 = key_for(db, live2, seller[0])
    publish(client, key2)
    services.end_live(seller[0], db.session.get(LiveSession, live2.id))
    db.session.commit()
    assert publish(client, key2, call="update").status_code == 403
    publish(client, key2, call="publish_done")
    assert stream(db, live2).video_state == "ended"


def test_record_done_only_takes_files_from_the_recordings_folder(app, client, make_live, seller, db, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "VIDEO_DIR", str(tmp_path))
    live = make_live(state="scheduled")
    key_for(db, live, seller[0])
    public = stream(db, live).public_name
    (tmp_path / "rec").mkdir()
    for path in (f"/etc/{public}-1795885514.flv", str(tmp_path / "rec" / "../x" / f"{public}-1795885514.flv"),
                 str(tmp_path / "rec" / "other-1795885514.flv")):
        publish(client, public, call="record_done", app_name="hls", path=path)
    assert db.session.scalars(select(LiveRecording)).all() == []
    publish(client, public, call="record_done", app_name="hls", path=str(tmp_path / "rec" / f"{public}-1795885514.flv"))
    assert [r.file_name for r in db.session.scalars(select(LiveRecording))] == [f"{public}-1795885514.flv"]


def test_a_broken_recording_fails_once_and_is_not_retried(app, make_live, seller, db, tmp_path, monkeypatch):
    if shutil.which("ffmpeg") is None:
        skip_or_fail("ffmpeg is not installed (apt-get install ffmpeg)")
    from app.core.jobs import get_job
    from app.livestream.recordings import build_pending_replays

    assert get_job("livestream.video-replays") and get_job("livestream.video-grace")
    monkeypatch.setitem(app.config, "VIDEO_DIR", str(tmp_path))
    live = make_live(state="scheduled")
    key_for(db, live, seller[0])
    public = stream(db, live).public_name
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / f"{public}-1795885514.flv").write_bytes(b"not a video")
    db.session.add(LiveRecording(session_id=live.id, file_name=f"{public}-1795885514.flv",
                                 started_at=utcnow(), state="recorded"))
    services.end_live(seller[0], db.session.get(LiveSession, live.id))
    db.session.commit()
    assert build_pending_replays() == 0
    db.session.rollback()
    assert [r.state for r in db.session.scalars(select(LiveRecording))] == ["failed"]
    assert stream(db, live).replay_file is None and recordings.lives_needing_replay() == []
    assert not list((tmp_path / "replay").glob("*.mp4"))


def test_replay_offsets_follow_the_recorded_pieces():
    t0 = utcnow()
    pieces = [LiveRecording(started_at=t0, duration_ms=10_000), LiveRecording(started_at=t0 + timedelta(seconds=30),
                                                                              duration_ms=5_000)]
    at = recordings._video_offset
    assert at(pieces, t0 - timedelta(seconds=3)) == 0
    assert at(pieces, t0 + timedelta(seconds=4)) == 4
    assert at(pieces, t0 + timedelta(seconds=20)) == 10  # in the gap: shown when the next piece starts
    assert at(pieces, t0 + timedelta(seconds=32)) == 12
    assert at(pieces, t0 + timedelta(seconds=60)) is None


def test_rendered_nginx_config_keeps_the_key_out_of_hls(tmp_path):
    render = _render_module()
    text = render.render(tmp_path / "p", tmp_path / "v", rtmp_port=19999, app_url="http://127.0.0.1:5999")
    ingest = text.split("application ingest {", 1)[1].split("}", 1)[0]
    assert "hls off;" in ingest and "deny play all;" in ingest
    assert "on_publish http://127.0.0.1:5999/live/video/rtmp/publish;" in ingest
    with_token = render.render(tmp_path / "p", tmp_path / "v", app_url="http://127.0.0.1:5999", callback_token="a b&c")
    assert "on_publish_done http://127.0.0.1:5999/live/video/rtmp/publish_done?token=a%20b%26c;" in with_token
    relay = text.split("application relay {", 1)[1].split("}", 1)[0]
    assert "allow publish 127.0.0.1;" in relay and "deny publish all;" in relay and "record all;" in relay
    assert "push rtmp://127.0.0.1:19999/hls;" in relay and "exec_push" not in relay
    hls = text.split("application hls {", 1)[1].split("}", 1)[0]
    assert "allow publish 127.0.0.1;" in hls and "deny publish all;" in hls and "hls on;" in hls
    assert "listen 127.0.0.1:19999;" in text
    ladder = render.render(tmp_path / "p", tmp_path / "v", rtmp_port=19999, ladder="on")
    relay = ladder.split("application relay {", 1)[1].split("}", 1)[0]
    assert "exec_push /usr/bin/ffmpeg" in relay and "rtmp://127.0.0.1:19999/hls/$name_240" in relay
    with pytest.raises(ValueError):
        render.render(tmp_path, tmp_path, rtmp_prot=1)
    with pytest.raises(ValueError):
        render.render(tmp_path, tmp_path, ladder="maybe")


# Real nginx + ffmpeg on loopback --------------------------------------------------------------------

def _render_module():
    spec = importlib.util.spec_from_file_location("render_nginx", ROOT / "deploy" / "nginx" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _require_video_tools():
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is not installed (apt-get install ffmpeg)")
    if not os.path.exists(NGINX):
        skip_or_fail("nginx is not installed (apt-get install nginx libnginx-mod-rtmp)")
    if not os.path.exists(RTMP_MODULE):
        skip_or_fail("the nginx RTMP module is not installed (apt-get install libnginx-mod-rtmp)")


@contextlib.contextmanager
def running_nginx(app_url: str, base: Path, **values):  # values: render.py settings, e.g. ladder="on"
    """nginx with the RTMP module on free loopback ports, calling back app_url, as a child; stopped on exit."""
    prefix, video_root = base / "nginx", base / "video"
    rtmp_port, http_port = free_port(), free_port()
    conf = _render_module().prepare(prefix, video_root, rtmp_port=rtmp_port, http_port=http_port, app_url=app_url,
                                    fragment_seconds=1, playlist_seconds=6, update_seconds=3, **values)
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(prefix), "-e", str(prefix / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def listening():
            if process.poll() is not None:
                pytest.fail("nginx exited: " + process.stderr.read().decode(errors="replace")[-1500:])
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", rtmp_port)) == 0

        wait_for(listening, 10, "nginx to listen")
        yield {"rtmp": f"rtmp://127.0.0.1:{rtmp_port}/ingest", "dir": video_root, "prefix": prefix,
               "relay": f"rtmp://127.0.0.1:{rtmp_port}/relay", "http": f"http://127.0.0.1:{http_port}"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def nginx_rtmp(_app, live_server, tmp_path_factory):
    """One nginx for the module, and the app pointed at its folders and relay."""
    _require_video_tools()
    saved = {k: _app.config.get(k) for k in ("VIDEO_DIR", "VIDEO_RTMP_URL", "VIDEO_RELAY_URL", "VIDEO_CALLBACK_TOKEN")}
    token = "tok-" + os.urandom(8).hex()
    with running_nginx(live_server, tmp_path_factory.mktemp("video"), callback_token=token) as nginx:
        _app.config.update(VIDEO_DIR=str(nginx["dir"]), VIDEO_RTMP_URL=nginx["rtmp"], VIDEO_RELAY_URL=nginx["relay"],
                           VIDEO_CALLBACK_TOKEN=token)
        try:
            yield nginx
        finally:
            _app.config.update(saved)


def push(rtmp_url: str, seconds: int = 6) -> subprocess.Popen:
    """ffmpeg publishing a synthetic test pattern and tone (H.264 640x360 + AAC), in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", rtmp_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         capture_output=True, timeout=20, check=True).stdout
    return json.loads(out)


def packets(path: Path, kind: str) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", kind, "-show_entries", "packet=pts",
                          "-of", "csv=p=0", str(path)], capture_output=True, timeout=20, check=True).stdout
    return len(out.split())


@pytest.fixture
def room_listener(live_server, real_socketio):
    """A real Socket.IO client in a live's room, collecting video_state events."""
    import socketio

    clients = []

    def join(session_id: int):
        events: list[dict] = []
        arrived = threading.Condition()
        sio = socketio.Client(reconnection=False)

        @sio.on("video_state", namespace="/live")
        def _video_state(data):
            with arrived:
                events.append(data)
                arrived.notify_all()

        sio.connect(live_server, namespaces=["/live"], auth={"session_id": session_id}, transports=["polling"],
                    wait_timeout=10)
        clients.append(sio)

        def wait_state(state: str, seconds: float = 15):
            with arrived:
                if not arrived.wait_for(lambda: any(e.get("state") == state for e in events), timeout=seconds):
                    pytest.fail(f"the room never got video_state {state}: {events}")

        return wait_state

    yield join
    for sio in clients:
        sio.disconnect()


def test_wrong_key_is_refused_and_nothing_is_written(nginx_rtmp, make_live, seller, db):
    live = make_live(state="scheduled")
    key_for(db, live, seller[0])
    ffmpeg = push(f"{nginx_rtmp['rtmp']}/not-the-key-{'x' * 24}", seconds=2)
    assert ffmpeg.wait(timeout=20) != 0
    assert list((nginx_rtmp["dir"] / "hls").iterdir()) == []
    assert list((nginx_rtmp["dir"] / "rec").iterdir()) == []
    s = stream(db, live)
    assert (s.video_state, s.session.state) == ("waiting", "scheduled")


def test_push_becomes_hls_then_interrupted_then_replay(nginx_rtmp, room_listener, client, make_live, seller, buyer,
                                                       db, no_rate_limit):
    owner = seller[0]
    live = make_live(state="scheduled")
    key = key_for(db, live, owner)
    public = stream(db, live).public_name
    wait_state = room_listener(live.id)
    hls_dir = nginx_rtmp["dir"] / "hls"

    ffmpeg = push(f"{nginx_rtmp['rtmp']}/{key}", seconds=6)
    try:
        playlist = wait_for(lambda: (hls_dir / f"{public}.m3u8").is_file() and hls_dir / f"{public}.m3u8", 15,
                            "the HLS playlist")
        wait_state("on_air")
        s = stream(db, live)
        assert (s.video_state, s.session.state) == ("on_air", "live")
        # The key is in no file name nginx wrote.
        assert not [p for p in nginx_rtmp["dir"].rglob("*") if key in p.name]

        # A comment and an order while on air, for the replay.
        services.post_comment(live.id, buyer, "Bưởi ngọt không chị?", "q1", min_interval=0)
        services.post_comment(live.id, buyer, "chốt A12 x1", "o1", min_interval=0)
        db.session.commit()

        # The app serves the playlist and segments in development too.
        served = client.get(f"/live/video/hls/{public}.m3u8")
        assert served.status_code == 200 and served.mimetype == "application/vnd.apple.mpegurl"
        assert client.get(f"/live/video/hls/{key}.m3u8").status_code == 404
        segment = wait_for(lambda: sorted(hls_dir.glob(f"{public}-*.ts")), 10, "a segment")[0]
        assert segment.name in playlist.read_text()
        streams = {s["codec_type"]: s for s in ffprobe(segment)["streams"]}
        assert (streams["video"]["codec_name"], streams["video"]["width"], streams["video"]["height"]) == ("h264", 640, 360)
        assert streams["audio"]["codec_name"] == "aac"
    finally:
        rc = ffmpeg.wait(timeout=30)
    assert rc == 0, ffmpeg.stderr.read().decode(errors="replace")[-1000:]

    wait_state("interrupted")
    assert stream(db, live).video_state == "interrupted"
    recording = wait_for(lambda: db.session.scalar(select(LiveRecording).where(LiveRecording.session_id == live.id))
                         or db.session.rollback(), 15, "the recording callback")
    assert (nginx_rtmp["dir"] / "rec" / recording.file_name).is_file() and recording.duration_ms > 3000

    # The replay page waits for the end; the seller ends the live; the job joins the recording.
    assert client.get(f"/live/{live.id}/replay.json").status_code == 404
    services.end_live(owner, db.session.get(LiveSession, live.id))
    db.session.commit()
    from app.livestream.recordings import build_pending_replays

    assert build_pending_replays() == 1
    s = stream(db, live)
    mp4 = nginx_rtmp["dir"] / "replay" / s.replay_file
    probed = ffprobe(mp4)
    assert {x["codec_name"] for x in probed["streams"]} == {"h264", "aac"}

    page = client.get(f"/live/{live.id}/replay").get_data(as_text=True)
    assert f'src="/live/{live.id}/replay.mp4"' in page and 'data-testid="replay-buy"' in page
    data = client.get(f"/live/{live.id}/replay.json").get_json()
    assert [m["text"] for m in data["chat"]] == ["Bưởi ngọt không chị?", "chốt A12 x1"]
    assert all(0 <= m["at"] <= data["duration"] for m in data["chat"])
    assert data["chat"][0]["user"] == "Lan ***"
    assert [(t["code"], t["quantity"]) for t in data["ticker"]] == [("A12", 1)]
    ranged = client.get(f"/live/{live.id}/replay.mp4", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100
    assert publish(client, key).status_code == 403  # the live is over


def test_ladder_makes_360p_240p_and_audio_only_rungs(app, live_server, make_live, seller, db, tmp_path, monkeypatch):
    _require_video_tools()
    live = make_live(state="scheduled")
    key = key_for(db, live, seller[0])
    public = stream(db, live).public_name
    with running_nginx(live_server, tmp_path, ladder="on",
                       callback_token=app.config.get("VIDEO_CALLBACK_TOKEN") or "") as nginx:
        monkeypatch.setitem(app.config, "VIDEO_DIR", str(nginx["dir"]))
        monkeypatch.setitem(app.config, "VIDEO_RELAY_URL", nginx["relay"])
        hls_dir = nginx["dir"] / "hls"
        ffmpeg = push(f"{nginx['rtmp']}/{key}", seconds=6)
        try:
            master = wait_for(lambda: (hls_dir / f"{public}.m3u8").is_file() and (hls_dir / f"{public}.m3u8").read_text(),
                              20, "the master playlist")
            assert [line for line in master.splitlines() if line.endswith(".m3u8")] == [
                f"{public}_src.m3u8", f"{public}_360.m3u8", f"{public}_240.m3u8", f"{public}_audio.m3u8"]
            low = wait_for(lambda: sorted(hls_dir.glob(f"{public}_240-*.ts")), 20, "a 240p segment")[0]
            audio = wait_for(lambda: sorted(hls_dir.glob(f"{public}_audio-*.ts")), 20, "an audio-only segment")[0]
            video_stream = next(x for x in ffprobe(low)["streams"] if x["codec_type"] == "video")
            assert (video_stream["codec_name"], video_stream["height"]) == ("h264", 240)
            # nginx declares a video track in every TS; the audio rung's carries no video packet.
            assert packets(audio, "v") == 0 and packets(audio, "a") > 0
        finally:
            ffmpeg.wait(timeout=30)
        # One recording of the source (not of each rung), registered before nginx stops.
        wait_for(lambda: db.session.rollback() or db.session.scalar(select(LiveRecording)), 15, "the recording")
        assert len(list((nginx["dir"] / "rec").iterdir())) == 1
        assert not [p for p in nginx["dir"].rglob("*") if key in p.name]
