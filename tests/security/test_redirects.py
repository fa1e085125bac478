"""Open redirects: every next/back/referrer redirect goes through core.web.safe_redirect_target; a table of payloads."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from app.core.web import safe_redirect_target

# Each of these is another site (or a script) in at least one browser once its tabs, newlines and backslashes are
# read the way browsers read them.
OFF_SITE = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
    "/\x00/evil.example", "/\x0b/evil.example", "/\u200b/evil.example", "/\ufeff/evil.example", "/\u2028/evil.example",
    "https://evil.example", "http://evil.example/x", "HTTPS://evil.example", "//evil.example/%2F..",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "mailto:a@evil.example",
    "evil.example", "../evil", "%2F%2Fevil.example", "http:/evil.example", "https:evil.example",
    "/" + "a" * 3000,
]

# Stay on this site, possibly re-encoded: never a host, never whitespace or controls in the Location.
SAME_SITE = [
    ("/", "/"), ("/shop/", "/shop/"), ("/live/12?tab=chat", "/live/12?tab=chat"),
    ("/shop/?q=bưởi diễn", "/shop/?q=b%C6%B0%E1%BB%9Fi%20di%E1%BB%85n"),
    ("/%09/evil.example", "/%09/evil.example"),  # a literal "%09" in a path is a path segment, not a tab
    ("/\u3000/evil.example", "/%E3%80%80/evil.example"), ("/\u00a0/evil.example", "/%C2%A0/evil.example"),
    ("/%2F/evil.example", "/%2F/evil.example"), ("  /training/  ", "/training/"),
]


@pytest.mark.parametrize("payload", OFF_SITE)
def test_off_site_targets_fall_back_to_the_default(payload):
    assert safe_redirect_target(payload, "/home") == "/home"


@pytest.mark.parametrize("payload,expected", SAME_SITE)
def test_same_site_paths_are_kept_and_encoded(payload, expected):
    assert safe_redirect_target(payload, "/home") == expected


def test_a_referer_on_this_host_becomes_its_path_and_another_host_is_refused():
    assert safe_redirect_target("http://cho.test/shop/?page=2", "/", host="cho.test") == "/shop/?page=2"
    assert safe_redirect_target("https://cho.test/live/", "/", host="cho.test") == "/live/"
    assert safe_redirect_target("http://cho.test.evil.example/x", "/", host="cho.test") == "/"
    assert safe_redirect_target("http://cho.test@evil.example/x", "/", host="cho.test") == "/"
    assert safe_redirect_target("http://cho.test/shop/", "/") == "/"  # without host= no absolute URL at all


def _location_is_local(location: str) -> bool:
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith("//")
            and "\\" not in location and not any(ch.isspace() or ord(ch) < 32 for ch in location))


@pytest.mark.parametrize("payload", OFF_SITE[:20] + ["/%09/evil.example"])
def test_sign_in_never_sends_the_browser_off_site(client, factory, payload):
    user = factory.user("Người Đăng Nhập")
    response = client.post(f"/login?next={quote(payload, safe='')}",
                           data={"login": user.phone, "password": factory.password})
    if "\x00" in payload:
        assert response.status_code == 400  # refused before anything else (core.web.refuse_nul_characters)
        return
    assert response.status_code == 302
    assert _location_is_local(response.headers["Location"]), response.headers["Location"]


def test_the_reported_payload_lands_home(client, factory):
    user = factory.user("Người Đăng Nhập")
    response = client.post("/login?next=/%09/evil.example", data={"login": user.phone, "password": factory.password})
    assert response.headers["Location"] == "/"


def test_register_next_is_checked_too(client):
    response = client.post("/register?next=/%09/evil.example", data={
        "name": "Người Mới", "login": "0912999888", "password": "matkhau-dai-123", "consent": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"


@pytest.mark.parametrize("payload", ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"])
def test_after_live_follow_back_stays_on_site(app, client, auth, seller, buyer, payload):
    from flask import url_for

    _, org = seller
    auth.login_as(buyer)
    response = client.post(f"/live/follow/{org.slug}", data={"action": "follow", "next": payload})
    assert response.status_code == 302
    with app.test_request_context():
        assert response.headers["Location"] == url_for("shop.storefront", slug=org.slug)


@pytest.mark.parametrize("payload", ["/\t/evil.example", "/\\evil.example", "https://evil.example/"])
def test_language_switch_checks_next_and_the_referer(client, payload):
    assert client.get(f"/lang/vi?next={quote(payload, safe='')}").headers["Location"] == "/"
    assert client.get("/lang/vi", headers={"Referer": payload}).headers["Location"] == "/"
    same = client.get("/lang/en", headers={"Referer": "http://localhost/shop/?page=2"})
    assert same.headers["Location"] == "/shop/?page=2"


def test_notification_links_are_same_site_paths(db, buyer):
    from app.accounts import notifications

    for bad in ("/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example"):
        assert notifications.notify(buyer.id, "live_started", {}, bad).link is None
    assert notifications.notify(buyer.id, "live_started", {}, "/live/3").link == "/live/3"
