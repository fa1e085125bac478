"""Live pages: the index lists lives on air and coming up; a live page shows products and escaped chat."""
from __future__ import annotations

from app.livestream import services
from app.livestream.views.live import stream_embed


def test_index_and_live_page(client, make_live, buyer, db):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    services.post_comment(live.id, buyer, "<b>chốt</b> A12", "c1")
    db.session.commit()
    page = client.get("/live/").get_data(as_text=True)
    assert live.title in page and f"/live/{live.id}" in page
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert "A12" in page and "Bưởi Diễn" in page and "Lan ***" in page
    assert "&lt;b&gt;chốt&lt;/b&gt;" in page and "<b>chốt</b>" not in page
    assert "js/live.js" in page
    assert client.get("/live/999999").status_code == 404


def test_stream_embed():
    assert stream_embed("https://www.youtube.com/watch?v=dQw4w9WgXcQ") == (
        "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    assert stream_embed("https://youtu.be/dQw4w9WgXcQ")[0] == "youtube"
    assert stream_embed("https://www.facebook.com/htx/videos/123")[0] == "facebook"
    assert stream_embed("https://cdn.example.vn/live/abc.m3u8") == ("hls", "https://cdn.example.vn/live/abc.m3u8")
    assert stream_embed(None) == ("none", None)
