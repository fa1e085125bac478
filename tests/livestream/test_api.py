"""JSON API for lives: list, one live's catalog, the buyer's live cart (Bearer token)."""
from __future__ import annotations

from app.accounts.services import issue_api_token
from app.livestream import services


def test_sessions_list_and_detail(client, make_live, db):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Gà Mía", 5, None)], live_price=55000)
    ended = make_live([("C7", "Cam", 3, None)], state="ended")
    body = client.get("/api/v1/live/sessions").get_json()
    assert [s["id"] for s in body] == [live.id] and body[0]["state"] == "live"
    assert ended.id not in [s["id"] for s in body]
    detail = client.get(f"/api/v1/live/sessions/{live.id}").get_json()
    assert detail["state"] == "live" and detail["title"] == live.title
    assert [(p["code"], p["price"], p["remaining"]) for p in detail["products"]] == [
        ("A12", 55000, 10), ("B3", 55000, 5)]


def test_unknown_session_is_404(client, make_live):
    make_live()
    for url in ("/api/v1/live/sessions/999999", "/api/v1/live/sessions/999999/cart"):
        response = client.get(url)
        assert response.status_code in (404, 401)
    response = client.get("/api/v1/live/sessions/999999")
    assert response.status_code == 404 and response.get_json()["code"] == "unknown_live"


def test_cart_needs_token_and_lists_held_lines(client, make_live, buyer, db):
    live = make_live()
    response = client.get(f"/api/v1/live/sessions/{live.id}/cart")
    assert response.status_code == 401 and response.get_json()["code"]
    assert client.get(f"/api/v1/live/sessions/{live.id}/cart",
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    services.post_comment(live.id, buyer, "chốt A12 x2", "c1")
    raw, _ = issue_api_token(buyer, 30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    cart = client.get(f"/api/v1/live/sessions/{live.id}/cart", headers=headers).get_json()
    assert cart["total"] == 120000 and cart["lines"][0]["code"] == "A12" and cart["lines"][0]["quantity"] == 2
    assert client.get("/api/v1/live/sessions/999999/cart", headers=headers).status_code == 404
    detail = client.get(f"/api/v1/live/sessions/{live.id}").get_json()
    assert detail["products"][0]["remaining"] == 8


def test_openapi_lists_live_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/live/sessions/{session_id}/cart" in paths
