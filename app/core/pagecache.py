"""Page cache for anonymous catalog pages: the catalog list and search, storefronts and product pages.

What is cached. The rendered HTML of a GET to one of `CACHED_ENDPOINTS`, keyed by scheme, host, path with its
query string, the language (the `lang` cookie, as `core.i18n.select_locale` reads it for a visitor without an
account) and the htmx headers (`/shop/` answers htmx with a fragment). It lives in Redis when `REDIS_URL` is set
(shared by every process), else in a small LRU in this process. `PAGE_CACHE_TTL` (seconds, 0 = off) bounds an
entry's age; `PAGE_CACHE_ENTRIES` bounds the LRU.

Who gets it. Only a visitor who is certainly anonymous: no `Authorization` header, no remember-me or guest-cart
cookie, and a session holding nothing but its CSRF secret (no signed-in user, no pending flash, nothing else).
Anyone else goes through the whole pipeline and never fills the cache. A response is stored only if it is a 200
HTML page that set no cookie, left the session unmodified and generated no CSRF token (see below).

The CSRF token. Pages carry one (`<meta name="csrf-token">`, the add-to-cart form). While a request may fill the
cache, the template's `csrf_token()` writes a placeholder instead of a token, so a stored body never holds
anyone's token; every response made from the cache (and the filling response itself) gets the placeholder
replaced with the token of the visitor it goes to, from their own session (a first visit gets a new session, as
without the cache). If the page still made a real token (a view calling `generate_csrf()`, a WTForms form), the
response is not stored.

Freshness, and stock in particular. Every entry records the cache *generation* read when its request started,
before the view read the database. A commit that writes a product, a variant (price, stock: every stock move
goes through an ORM UPDATE of `variants`), a photo or an organisation bumps the generation after it commits
(SQLAlchemy session events below, so no write path can forget), and an entry from an older generation is never
served. Because the generation is read before the view's reads, a page rendered from data older than a commit
always carries an older generation than that commit's bump. So in one process, or with Redis, a sale
invalidates every cached page the moment it commits. Without Redis and with several processes, the other
processes' pages (and, if Redis is unreachable for a bump, everyone's) can lag by at most `PAGE_CACHE_TTL`:
a cached page never shows more stock than is available for longer than the TTL after a sale. That is the
guarantee, and the only cost of a stale page is an "add to cart" that the cart refuses, as checkout and
reservations re-check stock in the database.

Where it runs. The lookup is a `before_request` hook placed ahead of every extension's hook (CSRF, Limiter,
Talisman) and after the app's own cheap guards, so a hit skips the user lookup, Babel, the Limiter check and the
view. Returning a response from `before_request` still runs every `after_request` hook, so Talisman's security
headers (CSP, X-Frame-Options, ...), `Vary: Cookie` and the session cookie are set on hits exactly as on a
rendered page. The catalog views have no rate limits, so nothing is lost by skipping the Limiter check.

Conditional GET. Cached pages carry `ETag` = hash(stored body, the visitor's CSRF secret) and
`Cache-Control: private, no-cache`. A matching `If-None-Match` on a hit is answered 304 from the entry alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset({"shop.index", "shop.storefront", "shop.product"})
PLACEHOLDER = "__cholive_csrf_placeholder_5e1f__"  # URL- and HTML-safe, so escaping never changes it
EXTENSION_KEY = "pagecache"
MAX_BODY = 1024 * 1024
_FILL = "_pagecache_fill"  # g: (key, generation) while this request may fill the cache
_MARK = "pagecache_bump"  # Session.info: this transaction wrote something a cached page shows
_WATCHED_TABLES = ("products", "variants", "product_photos", "organisations")


# Stores -------------------------------------------------------------------------------------------------------

class LocalStore:
    """An LRU of entries in this process, with its own generation counter."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def generation(self) -> int:
        return self._generation

    def get(self, key: str) -> tuple[dict | None, int]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry, self._generation

    def set(self, key: str, entry: dict, ttl: int) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()  # every entry is now from an older generation: free the memory

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    """Entries and the generation counter in Redis, shared by every process; errors count as misses."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.generation_key = prefix + "generation"

    def generation(self) -> int:
        try:
            return int(self.redis.get(self.generation_key) or 0)
        except Exception:  # Redis down: treat as a miss that must not be stored (generation -1 never matches)
            log.warning("page cache: Redis unreachable", exc_info=True)
            return -1

    def get(self, key: str) -> tuple[dict | None, int]:
        try:
            generation, raw = self.redis.mget(self.generation_key, self.prefix + key)
        except Exception:
            log.warning("page cache: Redis unreachable", exc_info=True)
            return None, -1
        return (json.loads(raw) if raw else None), int(generation or 0)

    def set(self, key: str, entry: dict, ttl: int) -> None:
        try:
            self.redis.set(self.prefix + key, json.dumps(entry, ensure_ascii=False), ex=max(1, ttl))
        except Exception:
            log.warning("page cache: could not store a page", exc_info=True)

    def bump(self) -> None:
        try:
            self.redis.incr(self.generation_key)
        except Exception:  # entries then live out their TTL: the documented bound
            log.warning("page cache: could not bump the generation", exc_info=True)

    def clear(self) -> None:
        self.bump()


def _store() -> LocalStore | RedisStore:
    return current_app.extensions[EXTENSION_KEY]


def bump(app: Flask | None = None) -> None:
    """Invalidate every cached page (of this app): called after a commit that changed what the pages show."""
    app = app or (current_app._get_current_object() if has_app_context() else None)  # type: ignore[attr-defined]
    store = app.extensions.get(EXTENSION_KEY) if app is not None else None
    if store is not None:
        store.bump()


# Request side ------------------------------------------------------------------------------------------------

def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _anonymous() -> bool:
    from ..shop.ordering.views import CART_COOKIE

    if "Authorization" in request.headers:
        return False
    cookies = request.cookies
    if CART_COOKIE in cookies or current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
        return False
    field = _csrf_field()
    return all(key == field for key in session.keys())


def _language() -> str:
    from .i18n import LANG_COOKIE

    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _key() -> str:
    headers = request.headers
    parts = (request.scheme, request.host, request.full_path, _language(), headers.get("HX-Request", ""),
             headers.get("HX-Target", ""), headers.get("HX-Boosted", ""))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _etag(body_hash: str, secret: str) -> str:
    return hashlib.sha256(f"{body_hash}|{secret}".encode()).hexdigest()[:32]


def _finish(response: Response, body_hash: str, outcome: str) -> Response:
    response.set_etag(_etag(body_hash, session.get(_csrf_field()) or ""))
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Page-Cache"] = outcome
    return response


def _serve(entry: dict) -> Response:
    secret = session.get(_csrf_field())
    if secret and request.if_none_match.contains(_etag(entry["hash"], secret)):
        return _finish(Response(status=304), entry["hash"], "hit")
    body = entry["body"]
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(PLACEHOLDER, generate_csrf())
    return _finish(Response(body, status=200, content_type=entry["content_type"]), entry["hash"], "hit")


def active() -> bool:
    """True while this request is one the page cache serves or fills (its views leave the ETag to the cache)."""
    return g.get(_FILL) is not None


def lookup() -> Response | None:
    """before_request: a fresh cached page for an anonymous visitor, else remember that this request may fill."""
    ttl = current_app.config.get("PAGE_CACHE_TTL") or 0
    if ttl <= 0 or request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if not _anonymous():
        return None
    key = _key()
    entry, generation = _store().get(key)
    if entry is not None and entry["generation"] == generation and time.time() - entry["stored_at"] < ttl:
        return _serve(entry)
    if generation >= 0:
        setattr(g, _FILL, (key, generation))
    return None


def csrf_token_or_placeholder() -> str:
    """The templates' `csrf_token()`: a placeholder while the page may be stored, the real token otherwise."""
    if active():
        return PLACEHOLDER
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def fill(response: Response) -> Response:
    """after_request (runs first of them): store the page if it may be shared, then give it this visitor's token."""
    pending = g.pop(_FILL, None)
    if pending is None or response.direct_passthrough or response.is_streamed:
        return response
    if response.mimetype != "text/html":
        return response
    body = response.get_data(as_text=True)
    key, generation = pending
    body_hash = hashlib.sha256(body.encode()).hexdigest()
    shareable = (response.status_code == 200 and "Set-Cookie" not in response.headers and not session.modified
                 and _csrf_field() not in g and "no-store" not in (response.headers.get("Cache-Control") or "")
                 and len(body) <= MAX_BODY)
    if shareable:
        ttl = current_app.config["PAGE_CACHE_TTL"]
        _store().set(key, {"body": body, "hash": body_hash, "content_type": response.content_type,
                           "generation": generation, "stored_at": time.time()}, ttl)
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        response.set_data(body.replace(PLACEHOLDER, generate_csrf()))
    if shareable:
        _finish(response, body_hash, "miss")
        response.make_conditional(request)
    return response


# Invalidation: SQLAlchemy session events ------------------------------------------------------------------------

def _watched_classes() -> tuple[type, ...]:
    from ..accounts.models import Organisation
    from ..shop.models import Photo, Product, Variant

    return Product, Variant, Photo, Organisation


def _before_flush(session: Session, _context, _instances) -> None:
    watched = _watched_classes()
    if any(isinstance(obj, watched) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_MARK] = True


def _on_execute(state) -> None:
    if state.is_select:
        return
    mapper = state.bind_mapper
    if mapper is not None and (state.is_update or state.is_delete or getattr(state, "is_insert", False)):
        if issubclass(mapper.class_, _watched_classes()):
            state.session.info[_MARK] = True
    elif isinstance(state.statement, TextClause):
        text = state.statement.text.lower()
        if any(table in text for table in _WATCHED_TABLES):
            state.session.info[_MARK] = True


def _after_commit(session: Session) -> None:
    # A rolled-back write keeps its mark until the next commit: one needless bump is harmless, a missed one is not.
    if session.info.pop(_MARK, False):
        bump()


_listening = False


def _listen() -> None:
    global _listening
    if not _listening:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        _listening = True


def init_app(app: Flask) -> None:
    """Called last in create_app: the store, the hooks in their places, the template's csrf_token()."""
    url = app.config.get("REDIS_URL")
    if url:
        db_tag = hashlib.sha256(str(app.config.get("SQLALCHEMY_DATABASE_URI")).encode()).hexdigest()[:8]
        tag = f"{db_tag}-{uuid.uuid4().hex[:8]}" if app.testing else db_tag  # two test apps never share pages
        app.extensions[EXTENSION_KEY] = RedisStore(url, f"{app.config.get('PAGE_CACHE_PREFIX', 'cholive:page:')}{tag}:")
    else:
        app.extensions[EXTENSION_KEY] = LocalStore(int(app.config.get("PAGE_CACHE_ENTRIES") or 256))
    # Ahead of every extension's before_request hook, after the app's own (NUL refusal, the jobs starter).
    funcs = app.before_request_funcs.setdefault(None, [])
    own = [f for f in funcs if getattr(f, "__module__", "").startswith("app.")]
    funcs[:] = own + [lookup] + [f for f in funcs if f not in own]
    # Registered last, so it runs first of the after_request hooks: it sees the view's response undecorated.
    app.after_request(fill)
    # Flask-WTF offers csrf_token() twice, as a Jinja global and from a context processor: replace both.
    app.jinja_env.globals["csrf_token"] = csrf_token_or_placeholder
    app.context_processor(lambda: {"csrf_token": csrf_token_or_placeholder})
    _listen()

