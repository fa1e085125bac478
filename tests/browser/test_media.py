"""Uploaded files in a real browser: pictures and videos still show and play from /media although every non-image
is a download in a CSP sandbox; a stored page or document never opens as a page of the site."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import Page

from tests.core import files
from tests.support.skips import skip_or_fail

pytestmark = pytest.mark.browser


def _stored(key_prefix: str, data: bytes, extension: str) -> str:
    from app.core.storage import get_storage

    return get_storage().save(data, prefix=key_prefix, extension=extension)


def test_pictures_show_and_videos_play_from_media(page: Page, browser_app, tmp_path):
    if shutil.which("ffmpeg") is None:
        skip_or_fail("ffmpeg is needed to make a playable video")
    clip = tmp_path / "clip.webm"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=d=1:s=160x120", "-c:v", "libvpx",
                    "-y", str(clip)], check=True, timeout=60)
    from app.core.storage import get_storage
    from app.core.uploads import AUDIO_VIDEO, save_image, save_upload

    video = save_upload(get_storage(), clip.read_bytes(), prefix="training/video", accept=AUDIO_VIDEO).key
    picture = save_image(get_storage(), files.jpeg(), prefix="products").key
    page.goto("/")
    shown = page.evaluate("""async ([video, picture]) => {
        const v = document.createElement("video"); v.muted = true; v.src = "/media/" + video;
        const i = document.createElement("img"); i.src = "/media/" + picture;
        document.body.append(v, i);
        await new Promise((done, fail) => { v.onloadeddata = done; v.onerror = () => fail(new Error("video error")); });
        await i.decode();
        return {ready: v.readyState, width: i.naturalWidth, duration: v.duration};
    }""", [video, picture])
    assert shown["ready"] >= 2 and shown["width"] == 24 and shown["duration"] > 0.5


@pytest.mark.parametrize("data,extension", [(files.HTML, None), (files.pdf_polyglot(), "pdf")])
def test_a_stored_page_or_document_downloads_instead_of_opening(page: Page, browser_app, live_server, data, extension):
    if extension is None:  # a page stored before uploads were checked, under its own extension
        key = "training/files/cu-bai-hoc.html"
        path = browser_app.config["STORAGE_LOCAL_DIR"] / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    else:
        key = _stored("training/files", data, extension)
    page.goto("/")
    with page.expect_download() as download:
        page.evaluate("(href) => { const a = document.createElement('a'); a.href = href; document.body.append(a); "
                      "a.click(); }", f"/media/{key}")
    assert download.value.suggested_filename == key.rsplit("/", 1)[-1]
    assert page.url.rstrip("/") == live_server.rstrip("/")  # still on the home page: nothing was rendered


def test_api_docs_try_it_out_sends_the_csrf_token(page: Page, browser_app, db, factory):
    """The API docs page calls the API with the browser's session cookie: its requests carry X-CSRFToken."""
    owner = factory.user("Người Bán Thử", password="matkhau-thu-api")
    org = factory.org(owner, name="HTX Thử API")
    buyer = factory.user("Người Mua Thử", password="matkhau-thu-api")
    page.goto("/login")
    page.locator("#login").fill(buyer.phone)
    page.locator("#password").fill("matkhau-thu-api")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("account-link").wait_for()
    page.goto("/api/v1/docs")
    block = page.locator(".opblock-post", has_text="/api/v1/live/organisations/{org_slug}/follow")
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.locator("input[placeholder='org_slug']").fill(org.slug)
    with page.expect_response(lambda r: r.url.endswith(f"/organisations/{org.slug}/follow")) as answer:
        block.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200, answer.value.text()
    assert answer.value.request.headers.get("x-csrftoken")
    assert answer.value.json()["following"] is True
