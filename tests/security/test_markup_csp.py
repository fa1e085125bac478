"""User Markdown shows only this site's uploaded pictures, links are marked as user content, and the CSP loads
pictures and video from this site only (plus a seller's own HLS server on the one page that plays it)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import content_security_policy
from app.core.dbtypes import utcnow
from app.core.markup import render_markdown

OWN = "/media/products/0123456789abcdef0123456789abcdef.webp"


@pytest.mark.parametrize("text", [
    "![pixel](https://tracker.example/p.gif?u=1)", "![pixel](http://tracker.example/p.gif)",
    "![pixel](//tracker.example/p.gif)", '<img src="https://tracker.example/p.gif">',
    "![pixel](/media/../login)", "![pixel](/media//tracker.example/p.gif)", "![pixel](/\\tracker.example/p.gif)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)", "![pixel](media/products/x.webp)",
    f"![pixel]({OWN}?u=123)", "![pixel](/shop/cart)", "![pixel](/media/products/thumbs)",
    '<img src="x" onerror="alert(1)">', '<img srcset="https://tracker.example/p.gif 1x">',
])
def test_pictures_from_elsewhere_lose_their_address(app, text):
    html = str(render_markdown(text))
    assert "tracker.example" not in html and "src=" not in html and "onerror" not in html, html


def test_this_sites_uploaded_pictures_stay(app):
    html = str(render_markdown(f"![Bưởi]({OWN}) ![Bìa](/media/lives/12/abcdefabcdefabcdefabcdefabcdefab.webp)"))
    assert f'src="{OWN}"' in html and 'src="/media/lives/12/abcdefabcdefabcdefabcdefabcdefab.webp"' in html


def test_pictures_from_the_configured_bucket_address_stay(app, monkeypatch):
    monkeypatch.setitem(app.config, "S3_PUBLIC_URL", "https://media.cho.example.vn/")
    kept = "https://media.cho.example.vn/training/pictures/0123456789abcdef0123456789abcdef.webp"
    html = str(render_markdown(f"![a]({kept}) ![b](https://media.cho.example.vn.tracker.example/x.webp)"))
    assert f'src="{kept}"' in html and "tracker" not in html


def test_links_are_marked_as_user_content(app):
    html = str(render_markdown("[Trang của HTX](https://htx.example.vn) [x](javascript:alert(1))"))
    assert 'href="https://htx.example.vn" rel="nofollow noopener ugc"' in html and "javascript" not in html


def test_a_product_description_cannot_load_a_tracking_pixel(client, db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, description=f"Bưởi ngon ![](https://tracker.example/p.gif) ![ảnh]({OWN})")
    page = client.get(f"/shop/p/{product.id}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "tracker.example" not in html and f'src="{OWN}"' in html


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/shop/", "/live/", "/training/", "/login"])
def test_pages_load_pictures_and_video_from_this_site_only(client, path):
    csp = _directives(client.get(path))
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["media-src"] == ["'self'", "blob:"]
    assert csp["frame-src"] == ["https://www.youtube-nocookie.com", "https://www.youtube.com", "https://www.facebook.com"]
    assert "https:" not in csp["connect-src"]


def test_a_bucket_address_and_an_outside_hls_server_are_added_when_configured():
    policy = content_security_policy({"S3_PUBLIC_URL": "https://media.cho.example.vn/files",
                                      "VIDEO_HLS_URL": "https://video.cho.example.vn/live/video/hls"})
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://media.cho.example.vn"]
    assert policy["media-src"] == ["'self'", "blob:", "https://media.cho.example.vn", "https://video.cho.example.vn"]
    assert "https://video.cho.example.vn" in policy["connect-src"]
    plain = content_security_policy({"VIDEO_HLS_URL": "/live/video/hls"})
    assert plain["media-src"] == ["'self'", "blob:"] and plain["img-src"] == ["'self'", "data:", "blob:"]


def _live_with_link(db, seller, url):
    from app.livestream import services

    owner, org = seller
    live = services.schedule_live(owner, org, title="Phiên có link", scheduled_at=utcnow() + timedelta(hours=1),
                                  external_stream_url=url)
    db.session.commit()
    return live


def test_a_live_with_its_own_hls_link_may_play_it_on_that_page_only(client, db, seller):
    live = _live_with_link(db, seller, "https://cdn.htx.example.vn/live/phien.m3u8")
    page = client.get(f"/live/{live.id}")
    assert 'data-hls="https://cdn.htx.example.vn/live/phien.m3u8"' in page.get_data(as_text=True)
    csp = _directives(page)
    assert "https://cdn.htx.example.vn" in csp["media-src"] and "https://cdn.htx.example.vn" in csp["connect-src"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"] and csp["script-src"] == ["'self'"]
    assert "cdn.htx.example.vn" not in client.get("/live/").headers["Content-Security-Policy"]


def test_a_youtube_live_still_embeds(client, db, seller):
    live = _live_with_link(db, seller, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page = client.get(f"/live/{live.id}")
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page.get_data(as_text=True)
    assert "https://www.youtube-nocookie.com" in _directives(page)["frame-src"]


@pytest.mark.parametrize("url", ["https://a.example;script-src *.m3u8", "https://a.example'/x.m3u8",
                                 "http://plain.example/x.m3u8", "https://xn--.example /x.m3u8", "https://[::1]/x.m3u8"])
def test_nothing_but_a_plain_https_host_reaches_the_header(app, url):
    from flask import g

    from app.core.web import allow_media_origin

    with app.test_request_context():
        allow_media_origin(url)
        assert not g.get("media_origins")
