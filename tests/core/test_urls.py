"""Templates' url_for remembers what it built, only where nothing but its arguments can change the result."""
from __future__ import annotations

import pytest
from flask import render_template_string, url_for
from werkzeug.routing import BuildError

from app.core import urls


def test_templates_build_the_same_urls_as_flask_and_remember_them(app):
    memo = app.extensions[urls.EXTENSION_KEY]
    memo.clear()
    with app.test_request_context("/"):
        cases = [("shop.index", {}), ("shop.index", {"category": "fruit"}), ("shop.product", {"product_id": 7, "slug": "x y"}),
                 ("static", {"filename": "css/app.css", "v": "abc"}), ("shop.index", {"q": "bưởi & <b>", "page": None})]
        for endpoint, values in cases:
            assert urls.memo_url_for(endpoint, **values) == url_for(endpoint, **values)
            assert urls.memo_url_for(endpoint, **values) == url_for(endpoint, **values)  # now from the memo
        assert len(memo) == len(cases)
        assert render_template_string("{{ url_for('shop.index', category='rice') }}") == "/shop/?category=rice"
    assert ("shop.index", "", ("category", "rice")) in memo


def test_a_mounted_app_gets_its_own_paths(app):
    with app.test_request_context("/"):
        plain = urls.memo_url_for("shop.index")
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/cho"}):
        mounted = urls.memo_url_for("shop.index")
    assert plain == "/shop/" and mounted == "/cho/shop/"


def test_what_could_differ_is_never_remembered(app):
    memo = app.extensions[urls.EXTENSION_KEY]
    memo.clear()
    with app.test_request_context("/", base_url="http://a.example"):
        assert urls.memo_url_for("shop.index", _external=True) == "http://a.example/shop/"
        assert urls.memo_url_for("shop.index", flag=True) == "/shop/?flag=True"
        assert urls.memo_url_for("shop.index", flag=1) == "/shop/?flag=1"
        assert urls.memo_url_for("shop.index", ids=[1, 2]) == url_for("shop.index", ids=[1, 2])
    with app.test_request_context("/", base_url="http://b.example"):
        assert urls.memo_url_for("shop.index", _external=True) == "http://b.example/shop/"
    assert memo == {("shop.index", "", ("flag", 1)): "/shop/?flag=1"}


def test_an_unknown_endpoint_still_fails_and_is_not_remembered(app):
    memo = app.extensions[urls.EXTENSION_KEY]
    memo.clear()
    with app.test_request_context("/"), pytest.raises(BuildError):
        urls.memo_url_for("shop.nope")
    assert memo == {}


def test_the_memo_starts_again_when_full(app, monkeypatch):
    memo = app.extensions[urls.EXTENSION_KEY]
    memo.clear()
    monkeypatch.setattr(urls, "MAX_ENTRIES", 3)
    with app.test_request_context("/"):
        for n in range(5):
            assert urls.memo_url_for("shop.product", product_id=n, slug="s") == f"/shop/p/{n}/s"
    assert len(memo) <= 3
