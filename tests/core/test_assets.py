"""Static files by content hash with year-long caching, brotli/gzip responses (also on the page cache's fast
path), and htmx only on the pages that use it."""
from __future__ import annotations

import gzip
import re

import brotli

from app.core import assets
from tests.core.test_page_cache import cache  # noqa: F401 - the page cache on, with a fresh store

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def stylesheet_urls(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_templates_name_static_files_with_their_content_hash(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert urls and all(re.search(r"\?v=[0-9a-f]{10}$", url) for url in urls), urls
    assert "url_for('static'" not in html


def test_a_static_file_under_its_current_hash_is_cached_for_a_year(client):
    url = next(u for u in stylesheet_urls(client.get("/").get_data(as_text=True)) if "pico" in u)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == assets.IMMUTABLE
    stale = client.get(url.split("?")[0] + "?v=0000000000")  # an old hash: no promise for a year
    assert stale.headers.get("Cache-Control") != assets.IMMUTABLE
    plain = client.get(url.split("?")[0])
    assert plain.headers.get("Cache-Control") != assets.IMMUTABLE


def test_the_hash_follows_the_file(app, tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "x.css").write_text("a{}")
    saved = app.static_folder
    app.static_folder = str(folder)
    try:
        with app.test_request_context("/"):
            first = assets.static_url("x.css")
            (folder / "x.css").write_text("a{color:red}")
            second = assets.static_url("x.css")
            missing = assets.static_url("nope.css")
    finally:
        app.static_folder = saved
    assert first != second and "?v=" in first and missing == "/static/nope.css"


def test_pages_and_static_files_are_compressed_for_browsers_that_take_it(client):
    page = client.get("/", headers=BROWSER)
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    assert brotli.decompress(page.data).startswith(b"<!doctype html>")
    css = client.get(stylesheet_urls(client.get("/").get_data(as_text=True))[0], headers={"Accept-Encoding": "gzip"})
    # Flask-Compress streams static files (brotli or deflate only); a gzip-only client then gets them as they are.
    assert css.status_code == 200
    old = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert old.headers["Content-Encoding"] == "gzip" and gzip.decompress(old.data).startswith(b"<!doctype html>")
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers and plain.data.startswith(b"<!doctype html>")


def test_a_partial_answer_is_never_compressed(client):
    url = stylesheet_urls(client.get("/").get_data(as_text=True))[0]
    part = client.get(url, headers={**BROWSER, "Range": "bytes=0-99"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and len(part.data) == 100


def test_the_page_cache_stores_pages_uncompressed_and_its_fast_path_compresses_them(app, cache):
    first = app.test_client().get("/shop/", headers=BROWSER)
    assert first.headers["X-Page-Cache"] == "miss" and first.headers["Content-Encoding"] == "br"
    entry = next(iter(cache._entries.values()))
    assert entry["body"].startswith("<!doctype html>")  # stored as text, for every client
    assert not {name.lower() for name, _ in entry["headers"]} & {"content-encoding", "content-length"}
    for headers, decode in ((BROWSER, brotli.decompress), ({"Accept-Encoding": "gzip"}, gzip.decompress),
                            ({}, lambda data: data)):
        hit = app.test_client().get("/shop/", headers=headers)  # a first visit: answered by the fast path
        assert hit.headers["X-Page-Cache"] == "hit"
        assert hit.headers.get("Content-Encoding") == {brotli.decompress: "br", gzip.decompress: "gzip"}.get(decode)
        body = decode(hit.data)
        assert body.startswith(b"<!doctype html>") and int(hit.headers["Content-Length"]) == len(hit.data)
    # The ETag is the page cache's own, so the browser's If-None-Match still gets a 304.
    client = app.test_client()
    again = client.get("/shop/", headers=BROWSER)
    assert client.get("/shop/", headers={**BROWSER, "If-None-Match": again.headers["ETag"]}).status_code == 304


def test_htmx_is_loaded_only_by_pages_with_hx_attributes(client):
    assert "htmx.min.js" not in client.get("/").get_data(as_text=True)
    catalog = client.get("/shop/").get_data(as_text=True)
    assert "hx-get=" in catalog and "htmx.min.js" in catalog


def test_the_compression_layer_passes_other_answers_through_untouched(app):
    """Anything but a page-cache hit (here a legacy write() app and a streamed answer) goes through as it is."""
    from app.core.assets import CompressedHits

    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def legacy(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"first ")
        return Body([b"second"])

    layer = CompressedHits(app, legacy)
    seen = {}
    out = layer({"REQUEST_METHOD": "GET", "HTTP_ACCEPT_ENCODING": "br", "PATH_INFO": "/"},
                lambda status, headers, exc_info=None: seen.update(status=status))
    assert b"".join(out) == b"first second" and seen["status"] == "200 OK"
    out.close()
    assert closed == [True]
