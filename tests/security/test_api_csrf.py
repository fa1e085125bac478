"""The JSON API: a browser's session cookie changes nothing without the page's CSRF token; bearer tokens need none.

Before: every /api/v1 blueprint was CSRF-exempt, so another site could make a signed-in visitor's browser follow a
shop, fill the cart or check out through the API with the cookie alone.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.livestream.models import OrganisationFollow

META = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def csrf_on(app, monkeypatch):
    """csrf_on() → CSRF as in production from now on (the test config turns it off, so sign in before)."""
    return lambda: monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _follows(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OrganisationFollow.id)))


def _page_token(client) -> str:
    return META.search(client.get("/").get_data(as_text=True)).group(1)


def test_a_cookie_session_cannot_change_anything_without_the_header(client, auth, db, seller, buyer, csrf_on):
    _, org = seller
    auth.login_as(buyer)
    csrf_on()
    for method in ("post", "delete"):
        response = getattr(client, method)(f"/api/v1/live/organisations/{org.slug}/follow")
        assert response.status_code == 400 and response.json["code"] == "csrf"
    bad = client.post(f"/api/v1/live/organisations/{org.slug}/follow", headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400 and bad.json["code"] == "csrf"
    assert client.post("/api/v1/cart", json={"variant_id": 1, "quantity": 1}).json["code"] == "csrf"
    assert client.post("/api/v1/auth/token", json={"login": buyer.phone, "password": "x"}).json["code"] == "csrf"
    assert _follows(db) == 0


def test_the_page_token_in_the_header_lets_the_same_browser_call_the_api(client, auth, db, seller, buyer, csrf_on):
    _, org = seller
    auth.login_as(buyer)
    csrf_on()
    token = _page_token(client)
    response = client.post(f"/api/v1/live/organisations/{org.slug}/follow", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["following"] is True
    assert _follows(db) == 1
    # Reading needs no token.
    assert client.get("/api/v1/me").status_code == 200


def test_bearer_clients_need_no_csrf_token(app, client, db, seller, buyer, csrf_on):
    from app.accounts.services import issue_api_token

    _, org = seller
    token, _ = issue_api_token(buyer, days=1)
    db.session.commit()
    csrf_on()
    response = client.post(f"/api/v1/live/organisations/{org.slug}/follow", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json["following"] is True
    # Anonymous calls (signing up, getting a token) carry no session to ride on: no token needed either.
    got = client.post("/api/v1/auth/token", json={"login": buyer.phone, "password": "matkhau123"})
    assert got.status_code == 201


def test_a_bearer_header_is_the_caller_even_beside_a_session_cookie(client, auth, db, seller, buyer, factory, csrf_on):
    from app.accounts.services import issue_api_token

    other = factory.user("Người Có Token")
    token, _ = issue_api_token(other, days=1)
    db.session.commit()
    auth.login_as(buyer)
    csrf_on()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["id"] == other.id  # not the cookie's buyer
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401  # a wrong token is not rescued by the cookie


def test_the_api_docs_page_sends_the_token_with_try_it_out(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert META.search(html)
    script = client.get("/static/js/api-docs.js").get_data(as_text=True)
    assert 'req.headers["X-CSRFToken"]' in script


def test_no_page_script_calls_the_api_without_the_header():
    """Pages that fetch /api/v1 with the cookie must send X-CSRFToken (today only the API docs page does)."""
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "app" / "static" / "js"
    for script in static.glob("*.js"):
        text = script.read_text()
        if "/api/v1" in text or "SwaggerUIBundle(" in text:
            assert "X-CSRFToken" in text, script


def test_every_state_changing_api_route_is_covered(app):
    covered = app.extensions["cholive_api_blueprints"]
    writes = [rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.methods - {"GET", "HEAD", "OPTIONS"}]
    assert writes
    assert {rule.endpoint.split(".", 1)[0] for rule in writes} <= covered
    assert "api_training_reviews" in covered
