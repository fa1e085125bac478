"""The page cache inside the Flask pipeline: `lookup` (before_request), `fill` and `store` (after_request), and the
templates' `csrf_token()` that writes a placeholder while a page may be stored."""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from werkzeug.datastructures import Headers

from ..jobs import EXTENSION_KEY as JOBS_KEY
from .registry import registry
from .stores import UNTAGGED, Entry, Store, fresh

PLACEHOLDER = "__cholive_csrf_placeholder_5e1f__"  # URL- and HTML-safe, so escaping never changes it
EXTENSION_KEY = "pagecache"
MAX_BODY = 1024 * 1024
_FILL = "_pagecache_fill"  # g: (key, store state) while this request may fill the cache
_TAGS = "_pagecache_tags"  # g: what the page shows, as the view declared it (`tag`)


def _store() -> Store:
    store: Store = current_app.extensions[EXTENSION_KEY]
    return store


def jobs_ready(app: Flask) -> bool:
    """False until this process has started its jobs scheduler, which only a request through the pipeline does:
    until then no hit is served, so the first requests always reach the scheduler's before_request hook."""
    return not app.config.get("JOBS_ENABLED") or (app.extensions.get(JOBS_KEY) or {}).get("pid") == os.getpid()


def anonymous_cookies(cookies: Mapping[str, str], app: Flask) -> bool:
    """No cookie of a registered private kind (a guest cart) and no remember-me cookie."""
    config = app.config
    if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return False
    return not any(name in cookies for name in registry(app).private_cookies)


def _csrf_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _anonymous() -> bool:
    if "Authorization" in request.headers or not anonymous_cookies(request.cookies, current_app):
        return False
    field = _csrf_field()
    return all(key == field for key in session)


def _language(req: Any, config: Mapping[str, Any]) -> str:
    from ..i18n import LANG_COOKIE

    lang = req.cookies.get(LANG_COOKIE)
    return lang if lang in config["LANGUAGES"] else str(config["BABEL_DEFAULT_LOCALE"])


def key_of(req: Any = None, config: Mapping[str, Any] | None = None) -> str:
    """The entry's key for a request (Flask's, or a bare one built by the WSGI fast path from the same environ)."""
    req = req if req is not None else request
    config = config if config is not None else current_app.config
    headers = req.headers
    parts = (req.scheme, req.host, req.full_path, _language(req, config), headers.get("HX-Request", ""),
             headers.get("HX-Target", ""), headers.get("HX-Boosted", ""))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def etag_of(body_hash: str, secret: str) -> str:
    return hashlib.sha256(f"{body_hash}|{secret}".encode()).hexdigest()[:32]


def _finish(response: Response, body_hash: str, outcome: str) -> Response:
    response.set_etag(etag_of(body_hash, session.get(_csrf_field()) or ""))
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Page-Cache"] = outcome
    return response


def _serve(entry: Entry) -> Response:
    secret = session.get(_csrf_field())
    if secret and request.if_none_match.contains(etag_of(entry["hash"], secret)):
        return _finish(Response(status=304), entry["hash"], "hit")
    body = entry["body"]
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(PLACEHOLDER, generate_csrf())
    return _finish(Response(body, status=200, content_type=entry["content_type"]), entry["hash"], "hit")


def active() -> bool:
    """True while this request is one the page cache serves or fills (its views leave the ETag to the cache)."""
    return g.get(_FILL) is not None


def tag(*tags: str) -> None:
    """Declare what this page shows ("product:12", "stock:31", ...), so the writes that change it invalidate it.

    Call it from the view of a cacheable endpoint (harmless elsewhere). A page that declares nothing is ended by
    every invalidation of the app."""
    if active():
        g.setdefault(_TAGS, set()).update(tags)


def lookup() -> Response | None:
    """before_request: a fresh cached page for an anonymous visitor, else remember that this request may fill."""
    ttl = current_app.config.get("PAGE_CACHE_TTL") or 0
    if ttl <= 0 or request.method not in ("GET", "HEAD") or request.endpoint not in registry(current_app).endpoints:
        return None
    if not jobs_ready(current_app) or not _anonymous():
        return None
    key = key_of()
    entry, state = _store().get(key)
    if fresh(entry, state) and time.time() - entry["stored_at"] < ttl:
        return _serve(entry)
    if state is not None:
        setattr(g, _FILL, (key, state))
    return None


def csrf_token_or_placeholder() -> str:
    """The templates' `csrf_token()`: a placeholder while the page may be stored, the real token otherwise."""
    if active():
        return PLACEHOLDER
    from flask_wtf.csrf import generate_csrf

    return str(generate_csrf())


def fill(response: Response) -> Response:
    """after_request (runs first of them): store the page if it may be shared, then give it this visitor's token."""
    pending = g.pop(_FILL, None)
    if pending is None or response.direct_passthrough or response.is_streamed:
        return response
    if response.mimetype != "text/html":
        return response
    body = response.get_data(as_text=True)
    key, state = pending
    body_hash = hashlib.sha256(body.encode()).hexdigest()
    shareable = (response.status_code == 200 and "Set-Cookie" not in response.headers and not session.modified
                 and _csrf_field() not in g and "no-store" not in (response.headers.get("Cache-Control") or "")
                 and len(body) <= MAX_BODY)
    if shareable:  # stored by `store`, last of the after_request hooks, with the headers they all added
        entry = {"body": body, "hash": body_hash, "content_type": response.content_type, "epoch": state[1],
                 "stored_at": time.time()}
        g._pagecache_entry = (key, entry, state, g.pop(_TAGS, None) or {UNTAGGED})
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        response.set_data(body.replace(PLACEHOLDER, generate_csrf()))
    if shareable:
        _finish(response, body_hash, "miss")
        response.make_conditional(request)
    return response


UNSHARED_HEADERS = frozenset({"set-cookie", "date", "content-length", "etag", "cache-control", "x-page-cache",
                               "retry-after", "server", "expires", "last-modified"})


def _shared_headers(headers: Headers) -> list[list[str]]:
    """The response headers every visitor of the page gets (security headers, Vary, Content-Type): not the
    per-visitor ones (cookies, ETag, rate-limit counters), which the fast path makes itself or must not send."""
    return [[name, value] for name, value in headers.items()
            if name.lower() not in UNSHARED_HEADERS and not name.lower().startswith("x-ratelimit")]


def store(response: Response) -> Response:
    """after_request (runs last of them): store the page `fill` found shareable, with every hook's headers."""
    pending = g.pop("_pagecache_entry", None)
    if pending is None or response.status_code != 200 or "Set-Cookie" in response.headers:
        return response  # a hook after `fill` set a cookie or changed the answer: not for sharing
    key, entry, state, tags = pending
    entry["headers"] = _shared_headers(response.headers)
    _store().set(key, entry, current_app.config["PAGE_CACHE_TTL"], tags, state)
    return response
