"""The page cache (app/core/pagecache/) with the shop's pages: anonymous catalog and product pages, stored once,
served to others."""
from __future__ import annotations

import re
import uuid

import pytest

from app.core import pagecache
from app.shop import inventory, services
from tests.conftest import reachable_redis_url
from tests.shop.conftest import make_product, seller  # noqa: F401  (the shop's fixtures: its pages are cached)

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def cache(app):
    """The page cache on, with a fresh store, for one test (Testing turns it off)."""
    saved_ttl, saved_store = app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"] = 30
    app.extensions[pagecache.EXTENSION_KEY] = pagecache.LocalStore(64)
    yield app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"] = saved_ttl
    app.extensions[pagecache.EXTENSION_KEY] = saved_store


def _url(product) -> str:
    return f"/shop/p/{product.id}/{product.slug}"


def _without_token(body: str) -> str:
    return TOKEN.sub("", re.sub(r'name="csrf_token" value="[^"]+"', "", body))


def test_a_second_anonymous_visitor_gets_the_stored_page_with_a_token_of_their_own(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    first, second = app.test_client(), app.test_client()
    filled = first.get(_url(product))
    hit = second.get(_url(product))
    assert (filled.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    assert hit.status_code == 200 and _without_token(hit.get_data(as_text=True)) == _without_token(filled.get_data(as_text=True))
    body = hit.get_data(as_text=True)
    assert pagecache.PLACEHOLDER not in body and "Bưởi Diễn" in body
    # Each visitor's page carries a token from their own session, in the meta tag and in the add-to-cart form.
    tokens = {TOKEN.search(r.get_data(as_text=True)).group(1) for r in (filled, hit)}
    assert len(tokens) == 2
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    assert form_token == TOKEN.search(body).group(1)
    assert "session=" in hit.headers.get("Set-Cookie", "")  # a first visit gets its session, as without the cache
    stored = next(iter(cache._entries.values()))["body"]
    assert pagecache.PLACEHOLDER in stored and not any(t in stored for t in tokens)


def test_the_token_on_a_cached_page_is_accepted_by_add_to_cart(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))  # fills
    buyer = app.test_client()
    page = buyer.get(_url(product))
    assert page.headers["X-Page-Cache"] == "hit"
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        added = buyer.post("/shop/cart/add", data={"csrf_token": token, "variant_id": product.variants[0].id,
                                                   "quantity": 1})
        refused = app.test_client().post("/shop/cart/add", data={"csrf_token": token,
                                                                 "variant_id": product.variants[0].id, "quantity": 1})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert added.status_code == 302 and refused.status_code == 400


@pytest.mark.parametrize("change", ["stock", "sale", "price", "unpublish", "rename", "organisation"])
def test_a_change_to_the_product_invalidates_its_page(app, cache, db, seller, make_product, change):
    """At once; for stock too when the soft window is 0 (see test_stock_changes_keep_pages_for_the_soft_window)."""
    cache.soft_seconds = 0
    owner, org = seller
    product = make_product(owner, org, stock=5)
    client = app.test_client()
    assert client.get(_url(product)).headers["X-Page-Cache"] == "miss"
    assert client.get(_url(product)).headers["X-Page-Cache"] == "hit"
    variant = product.variants[0]
    if change == "stock":
        inventory.receive_stock(variant, 3, owner, "more fruit")
    elif change == "sale":
        inventory.reserve_stock(variant.id, 5, reason="sold out")
    elif change == "price":
        services.update_product(owner, product, services.ProductData(
            name=product.name, category=product.category, unit=product.unit, price=71000, status="active"))
    elif change == "unpublish":
        services.set_status(owner, product, "draft")
    elif change == "rename":
        services.update_product(owner, product, services.ProductData(
            name="Bưởi Da Xanh", category=product.category, unit=product.unit, price=60000, status="active"))
    else:
        org.name = "HTX Đổi Tên"
    db.session.commit()
    after = client.get(_url(product), follow_redirects=True)
    body = after.get_data(as_text=True)
    if change == "unpublish":
        assert after.status_code == 404
        return
    assert after.headers["X-Page-Cache"] == "miss"
    expected = {"stock": "8", "sale": "Sold out", "price": "71.000", "rename": "Bưởi Da Xanh",
                "organisation": "HTX Đổi Tên"}[change]
    if change == "sale":
        assert 'data-testid="add-to-cart"' not in body
    else:
        assert expected in body


def test_a_sale_committed_while_a_page_renders_never_leaves_that_page_in_the_cache(app, cache, db, seller, make_product):
    """The store's sequence is read before the view reads the database: a page that saw the old stock is not
    stored after the sale's invalidation (with a soft window of 0, as every hard change)."""
    cache.soft_seconds = 0
    owner, org = seller
    product = make_product(owner, org, stock=5)
    real_render = pagecache.fill

    def sale_during_render(response):
        inventory.reserve_stock(product.variants[0].id, 5, reason="sold while rendering")
        db.session.commit()
        return real_render(response)

    app.after_request_funcs[None][-1] = sale_during_render
    try:
        stale = app.test_client().get(_url(product))
    finally:
        app.after_request_funcs[None][-1] = real_render
    assert 'data-testid="add-to-cart"' in stale.get_data(as_text=True)  # rendered before the sale
    fresh = app.test_client().get(_url(product))
    assert fresh.headers["X-Page-Cache"] == "miss" and 'data-testid="add-to-cart"' not in fresh.get_data(as_text=True)


def test_catalog_list_and_search_are_cached_and_invalidated(app, cache, db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    client = app.test_client()
    for path in ("/shop/", "/shop/?q=buoi", f"/shop/o/{org.slug}"):
        assert client.get(path).headers["X-Page-Cache"] == "miss", path
        assert client.get(path).headers["X-Page-Cache"] == "hit", path
    fragment = client.get("/shop/?q=buoi", headers={"HX-Request": "true", "HX-Target": "results"})
    assert fragment.headers["X-Page-Cache"] == "miss" and "<html" not in fragment.get_data(as_text=True)
    services.set_status(owner, product, "draft")
    db.session.commit()
    gone = client.get("/shop/?q=buoi")
    assert gone.headers["X-Page-Cache"] == "miss" and _url(product) not in gone.get_data(as_text=True)


def test_each_language_has_its_own_page(app, cache, seller, make_product):
    from app.core.i18n import LANG_COOKIE

    owner, org = seller
    product = make_product(owner, org, stock=5)
    client = app.test_client()
    vietnamese = client.get(_url(product))
    client.set_cookie(LANG_COOKIE, "en")
    english = client.get(_url(product))
    assert english.headers["X-Page-Cache"] == "miss" and 'lang="en"' in english.get_data(as_text=True)
    assert client.get(_url(product)).headers["X-Page-Cache"] == "hit"
    assert 'lang="vi"' in vietnamese.get_data(as_text=True)


def test_signed_in_users_never_get_or_fill_the_cache(app, cache, auth, client, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    auth.login_as(owner)
    signed_in = client.get(_url(product))
    assert "X-Page-Cache" not in signed_in.headers and 'data-testid="account-link"' in signed_in.get_data(as_text=True)
    assert not cache._entries
    app.test_client().get(_url(product))  # an anonymous visitor fills it
    again = client.get(_url(product))
    assert "X-Page-Cache" not in again.headers and 'data-testid="account-link"' in again.get_data(as_text=True)
    bearer = app.test_client().get(_url(product), headers={"Authorization": "Bearer nope"})
    assert "X-Page-Cache" not in bearer.headers


def test_a_pending_flash_or_a_guest_cart_bypasses_the_cache(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))
    flashed = app.test_client()
    with flashed.session_transaction() as sess:
        sess["_flashes"] = [("success", "Đã thêm vào giỏ")]
    page = flashed.get(_url(product))
    assert "X-Page-Cache" not in page.headers and "Đã thêm vào giỏ" in page.get_data(as_text=True)
    carted = app.test_client()
    carted.set_cookie("cl_cart", "guest-token")
    assert "X-Page-Cache" not in carted.get(_url(product)).headers


def test_a_response_that_sets_a_cookie_is_not_stored(app, cache, seller, make_product):
    from flask import after_this_request

    owner, org = seller
    product = make_product(owner, org, stock=5)

    def set_a_cookie():
        if pagecache.active():
            after_this_request(lambda response: (response.set_cookie("tracker", "x"), response)[1])

    app.before_request_funcs[None].append(set_a_cookie)
    try:
        first = app.test_client().get(_url(product))
    finally:
        app.before_request_funcs[None].remove(set_a_cookie)
    assert "tracker=x" in first.headers.get("Set-Cookie", "")
    assert not cache._entries
    assert pagecache.PLACEHOLDER not in first.get_data(as_text=True)
    assert app.test_client().get(_url(product)).headers["X-Page-Cache"] == "miss"


def test_cached_pages_keep_the_security_headers(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))
    for response in (app.test_client().get(_url(product)), app.test_client().get("/shop/"),
                     app.test_client().get("/shop/")):
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Cookie" in response.headers["Vary"]
    assert response.headers["X-Page-Cache"] == "hit"


def test_a_returning_visitor_is_answered_304_from_the_cache(app, cache, db, seller, make_product):
    cache.soft_seconds = 0
    owner, org = seller
    product = make_product(owner, org, stock=5)
    browser = app.test_client()
    first = browser.get(_url(product))
    etag = first.headers["ETag"]
    again = browser.get(_url(product), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["X-Page-Cache"] == "hit" and again.headers["ETag"] == etag
    assert "default-src 'self'" in again.headers["Content-Security-Policy"]
    # Another visitor's ETag does not match: their page carries another token.
    assert app.test_client().get(_url(product), headers={"If-None-Match": etag}).status_code == 200
    inventory.receive_stock(product.variants[0], 3, owner, "more fruit")
    db.session.commit()
    fresh = browser.get(_url(product), headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_cache_off_leaves_pages_alone(app, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    response = app.test_client().get(_url(product))
    assert "X-Page-Cache" not in response.headers and pagecache.PLACEHOLDER not in response.get_data(as_text=True)


def test_a_stale_entry_past_its_ttl_is_not_served(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))
    for entry in cache._entries.values():
        entry["stored_at"] -= 31
    assert app.test_client().get(_url(product)).headers["X-Page-Cache"] == "miss"


def test_redis_store_shares_entries_and_invalidations():
    url = reachable_redis_url()
    prefix = f"cholive-test-page:{uuid.uuid4().hex[:8]}:"
    one, two = pagecache.RedisStore(url, prefix, soft_seconds=2), pagecache.RedisStore(url, prefix, soft_seconds=2)
    try:
        _, state = one.get("k")
        for key, tags in (("k", ["product:1", "stock:5"]), ("other", ["product:2"])):
            assert one.set(key, {"body": f"xin chào {key}", "epoch": state[1]}, 30, tags, state)
        entry, seen = two.get("k")
        assert entry["body"] == "xin chào k" and pagecache.stores.fresh(entry, seen)
        two.invalidate(set(), {"stock:5"})  # soft: lives on for the soft window only
        assert one.get("k")[0] is not None and 0 < one.redis.pttl(prefix + "e:k") <= 2000
        assert one.redis.pttl(prefix + "e:other") > 2000
        # Rendered before the stock change: stored, for the soft window only.
        assert one.set("k", {"body": "stale", "epoch": state[1]}, 30, ["product:1", "stock:5"], state)
        assert 0 < one.redis.pttl(prefix + "e:k") <= 2000
        two.invalidate({"product:1"})
        assert one.get("k")[0] is None and one.get("other")[0] is not None
        assert not one.set("k", {"body": "old", "epoch": state[1]}, 30, ["product:1"], state)  # began before it
        two.bump()
        entry, seen = one.get("other")
        assert not pagecache.stores.fresh(entry, seen)  # every page of the old epoch is over
    finally:
        one.redis.delete(*one.redis.keys(prefix + "*"))


@pytest.fixture
def pipeline_runs(app):
    """How many requests went through the Flask pipeline (the WSGI fast path sends no request_started)."""
    from flask import request_started

    runs = []

    def count(sender, **_):
        runs.append(1)

    request_started.connect(count, app)
    yield runs
    request_started.disconnect(count, app)


SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def test_anonymous_hits_are_served_without_the_pipeline_each_with_their_own_token(app, cache, seller, make_product,
                                                                                  pipeline_runs):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    other = app.test_client()
    filled = other.get(_url(product))
    browser = app.test_client()
    runs = len(pipeline_runs)
    first = browser.get(_url(product))  # no session yet: the fast path gives it one, as the pipeline would
    assert len(pipeline_runs) == runs and first.headers["X-Page-Cache"] == "hit"
    # The same session cookie as the pipeline sets (name, flags), with a new value holding only a new CSRF secret.
    assert re.sub(r"session=[^;]+", "", first.headers["Set-Cookie"]) == re.sub(r"session=[^;]+", "",
                                                                                filled.headers["Set-Cookie"])
    assert "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    with browser.session_transaction() as sess:
        assert list(sess.keys()) == ["csrf_token"]
    with other.session_transaction() as sess:
        assert list(sess.keys()) == ["csrf_token"]
        other_secret = sess["csrf_token"]
    with browser.session_transaction() as sess:
        assert sess["csrf_token"] != other_secret
    again = browser.get(_url(product))
    assert len(pipeline_runs) == runs, "a returning anonymous visitor's hit went through the Flask pipeline"
    assert again.status_code == 200 and again.headers["X-Page-Cache"] == "hit" and "Set-Cookie" not in again.headers
    body = again.get_data(as_text=True)
    assert pagecache.PLACEHOLDER not in body
    assert _without_token(body) == _without_token(filled.get_data(as_text=True))
    assert again.headers["ETag"] == first.headers["ETag"] != filled.headers["ETag"]
    for name in SECURITY_HEADERS:
        assert again.headers[name] == filled.headers[name], name
    assert "Cookie" in again.headers["Vary"] and again.headers["Cache-Control"] == "private, no-cache"
    assert again.content_type == filled.content_type and again.content_length == len(again.get_data())
    # The token is made from this visitor's own session: add-to-cart accepts it from them and from no one else.
    token = TOKEN.search(body).group(1)
    assert token != TOKEN.search(filled.get_data(as_text=True)).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        form = {"csrf_token": token, "variant_id": product.variants[0].id, "quantity": 1}
        refused = other.post("/shop/cart/add", data=form)
        added = browser.post("/shop/cart/add", data=form)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400 and added.status_code == 302
    head = app.test_client()
    runs = len(pipeline_runs)
    head.get(_url(product))
    answered = head.head(_url(product))
    assert len(pipeline_runs) == runs and answered.status_code == 200 and answered.get_data() == b""
    not_modified = head.get(_url(product), headers={"If-None-Match": answered.headers["ETag"]})
    assert len(pipeline_runs) == runs and not_modified.status_code == 304 and not not_modified.get_data()
    for name in SECURITY_HEADERS:
        assert not_modified.headers[name] == filled.headers[name], name
    # The same validators and caching headers as the page, no entity headers (no body follows).
    assert not_modified.headers["ETag"] == answered.headers["ETag"] and not_modified.headers["X-Page-Cache"] == "hit"
    assert not_modified.headers["Cache-Control"] == "private, no-cache" and "Cookie" in not_modified.headers["Vary"]
    assert "Content-Type" not in not_modified.headers and "Content-Length" not in not_modified.headers


def test_the_fast_path_304_keeps_the_stored_headers_but_the_entity_ones():
    from app.core.pagecache.fastpath import _not_modified

    made = _not_modified([["Content-Type", "text/html; charset=utf-8"], ["Content-Language", "vi"],
                          ["Expires", "0"], ["Vary", "Accept-Language"], ["X-Frame-Options", "DENY"]], "abc")
    environ: dict = {}
    seen = {}
    assert made(environ, lambda status, headers: seen.update(status=status, headers=headers)) == []
    assert seen["status"].startswith("304 ")
    assert seen["headers"] == [("Expires", "0"), ("Vary", "Accept-Language, Cookie"), ("X-Frame-Options", "DENY"),
                               ("ETag", '"abc"'), ("Cache-Control", "private, no-cache"), ("X-Page-Cache", "hit")]
    assert _not_modified([["vary", "cookie"]], "x").headers[0] == ("vary", "cookie")  # already there: kept as is
    assert _not_modified([], "x").headers[0] == ("Vary", "Cookie")


def test_the_fast_path_leaves_everyone_else_to_the_pipeline(app, cache, auth, client, seller, make_product,
                                                             pipeline_runs):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))  # fills
    flashed, forged, carted = app.test_client(), app.test_client(), app.test_client()
    for browser in (flashed, forged, carted):
        browser.get(_url(product))
    with flashed.session_transaction() as sess:
        sess["_flashes"] = [("success", "Đã thêm vào giỏ")]
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    forged.set_cookie(session_cookie, forged.get_cookie(session_cookie).value[:-2] + "xx")
    carted.set_cookie("cl_cart", "guest-token")
    auth.login_as(owner)
    for browser in (flashed, forged, carted, client):
        runs = len(pipeline_runs)
        page = browser.get(_url(product))
        assert len(pipeline_runs) == runs + 1 and page.status_code == 200
        assert "Set-Cookie" in page.headers or browser is client or "X-Page-Cache" not in page.headers
    assert 'data-testid="account-link"' in page.get_data(as_text=True)


def test_a_cookie_set_after_the_page_was_filled_keeps_it_out_of_the_cache(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)

    def late_cookie(response):
        response.set_cookie("tracker", "x")
        return response

    hooks = app.after_request_funcs[None]
    hooks.insert(hooks.index(pagecache.store) + 1, late_cookie)  # after `fill`, before `store` (hooks run last first)
    try:
        first = app.test_client().get(_url(product))
    finally:
        app.after_request_funcs[None].remove(late_cookie)
    assert "tracker=x" in first.headers.get("Set-Cookie", "") and not cache._entries


def test_stored_headers_leave_out_what_belongs_to_one_visitor(app, cache, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    app.test_client().get(_url(product))
    names = {name.lower() for name, _ in next(iter(cache._entries.values()))["headers"]}
    assert {"content-security-policy", "x-frame-options", "vary", "content-type"} <= names
    assert not names & {"set-cookie", "etag", "date", "content-length", "x-page-cache"}


def test_the_fast_path_serves_entries_from_redis(app, seller, make_product, pipeline_runs):
    url = reachable_redis_url()
    owner, org = seller
    product = make_product(owner, org, stock=5)
    saved_ttl, saved_store = app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY]
    store = pagecache.RedisStore(url, f"cholive-test-page:{uuid.uuid4().hex[:8]}:")
    app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY] = 30, store
    try:
        filled = app.test_client().get(_url(product))
        runs = len(pipeline_runs)
        hit = app.test_client().get(_url(product))
    finally:
        app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY] = saved_ttl, saved_store
        store.redis.delete(*store.redis.keys(store.prefix + "*"))
    assert len(pipeline_runs) == runs and hit.headers["X-Page-Cache"] == "hit" and "session=" in hit.headers["Set-Cookie"]
    assert hit.headers["Content-Security-Policy"] == filled.headers["Content-Security-Policy"]
    assert _without_token(hit.get_data(as_text=True)) == _without_token(filled.get_data(as_text=True))
