"""Browser: a phone watches a live fed by ffmpeg through nginx-rtmp: on-air badge from the socket, hls.js loads the
manifest (and plays where Chromium has H.264); the seller's stream key page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from ..livestream.test_video import nginx_rtmp, push  # noqa: F401  (the nginx fixture and the publisher)

pytestmark = pytest.mark.browser

PASSWORD = "matkhau123"
H264 = "MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.42E01E\"')"


@pytest.fixture
def real_socketio(app):
    """Undo what Flask-SocketIO's test client (used by socket tests earlier in the run) patches on the server."""
    from app.extensions import socketio

    for name in ("_send_packet", "_send_eio_packet"):
        socketio.server.__dict__.pop(name, None)
    socketio.server.async_handlers = True
    socketio.server.eio.async_handlers = True


@pytest.fixture
def video_live(real_socketio, app, db, factory):
    """A scheduled live with one product and a stream key, committed."""
    from app.core.dbtypes import utcnow
    from app.livestream import services, video
    from app.shop import services as shop

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(minutes=5))
    product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn loại 1", category="fruit", unit="fruit",
                                                               price=60000, code="A12", status="active"), stock=20)
    services.add_live_product(owner, live, product)
    _, key = video.issue_stream_key(owner, live)
    db.session.commit()
    return owner, live, key


def test_phone_sees_the_live_go_on_air_and_loads_the_stream(page: Page, nginx_rtmp, video_live, vi, shot):  # noqa: F811
    owner, live, key = video_live
    page.goto(f"/live/{live.id}")
    badge = page.get_by_test_id("video-state")
    expect(badge).to_have_attribute("data-state", "waiting")
    expect(page.locator("#video-player")).to_have_attribute("data-socket", "ready")

    ffmpeg = push(f"{nginx_rtmp['rtmp']}/{key}", seconds=10)
    try:
        # Pushed over the socket: no reload.
        expect(badge).to_have_attribute("data-state", "on_air", timeout=15_000)
        expect(badge).to_contain_text(vi("On air"))
        expect(page.locator("#video-player")).to_have_attribute("data-manifest", "loaded", timeout=20_000)
        if page.evaluate(H264):
            page.wait_for_function("() => document.getElementById('video-live').currentTime > 0.5", timeout=20_000)
        page.locator("#video-live").scroll_into_view_if_needed()
        shot(page, "live-video-on-air")
        # The secret key is nowhere in the page.
        assert key not in page.content()

        page.get_by_test_id("video-low-data").click()
        expect(page.get_by_test_id("video-low-data")).to_have_attribute("aria-pressed", "true")
    finally:
        ffmpeg.wait(timeout=30)
    expect(badge).to_have_attribute("data-state", "interrupted", timeout=20_000)
    expect(badge).to_contain_text(vi("Signal lost"))
    shot(page, "live-video-signal-lost")


def test_seller_stream_key_page_on_a_phone(page: Page, video_live, vi, shot):
    owner, live, _ = video_live
    page.goto("/login")
    page.locator("#login").fill(owner.phone)
    page.locator("#password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).not_to_have_url(re.compile(r"/login"))

    page.goto(f"/live/{live.id}/stream-key")
    expect(page.get_by_test_id("key-hint")).to_be_visible()
    page.get_by_test_id("new-key").click()
    key = page.get_by_test_id("stream-key")
    expect(key).to_be_visible()
    assert len(key.input_value()) >= 32
    expect(page.get_by_test_id("server-url")).to_have_value(re.compile(r"^rtmp://"))
    shot(page, "live-stream-key")
    page.reload()
    expect(page.get_by_test_id("stream-key")).to_have_count(0)
    expect(page.get_by_test_id("key-hint")).to_be_visible()
