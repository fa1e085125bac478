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

The fast path. A hit for an anonymous visitor whose session holds only its CSRF secret, or who has no session
cookie yet (they get a new session), is answered before Flask sees the request, by the WSGI middleware
`FastHits` (which also skips Talisman's and the Limiter's hooks): the stored body with that visitor's own token,
and the headers stored with the entry, which are the ones every hook added to the filling response (security
headers, Vary) minus the per-visitor ones (cookies, ETag, Date, rate-limit counters). Entries are therefore
written by `store`, the last after_request hook, and only if no hook set a cookie. `lookup` still serves the
hits the middleware declines (an entry stored without headers, a process whose jobs scheduler has not started).

Conditional GET. Cached pages carry `ETag` = hash(stored body, the visitor's CSRF secret) and
`Cache-Control: private, no-cache`. A matching `If-None-Match` on a hit is answered 304 from the entry alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
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


def _language(req, config) -> str:
    from .i18n import LANG_COOKIE

    lang = req.cookies.get(LANG_COOKIE)
    return lang if lang in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _key(req=None, config=None) -> str:
    """The entry's key for a request (Flask's, or a bare one built by the WSGI fast path from the same environ)."""
    req = req if req is not None else request
    config = config if config is not None else current_app.config
    headers = req.headers
    parts = (req.scheme, req.host, req.full_path, _language(req, config), headers.get("HX-Request", ""),
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
    if shareable:  # stored by `store`, last of the after_request hooks, with the headers they all added
        g._pagecache_entry = (key, {"body": body, "hash": body_hash, "content_type": response.content_type,
                                    "generation": generation, "stored_at": time.time()})
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        response.set_data(body.replace(PLACEHOLDER, generate_csrf()))
    if shareable:
        _finish(response, body_hash, "miss")
        response.make_conditional(request)
    return response


_UNSHARED_HEADERS = frozenset({"set-cookie", "date", "content-length", "etag", "cache-control", "x-page-cache",
                               "retry-after", "server", "expires", "last-modified"})


def _shared_headers(headers) -> list[list[str]]:
    """The response headers every visitor of the page gets (security headers, Vary, Content-Type): not the
    per-visitor ones (cookies, ETag, rate-limit counters), which the fast path makes itself or must not send."""
    return [[name, value] for name, value in headers.items()
            if name.lower() not in _UNSHARED_HEADERS and not name.lower().startswith("x-ratelimit")]


def store(response: Response) -> Response:
    """after_request (runs last of them): store the page `fill` found shareable, with every hook's headers."""
    pending = g.pop("_pagecache_entry", None)
    if pending is None or response.status_code != 200 or "Set-Cookie" in response.headers:
        return response  # a hook after `fill` set a cookie or changed the answer: not for sharing
    key, entry = pending
    entry["headers"] = _shared_headers(response.headers)
    _store().set(key, entry, current_app.config["PAGE_CACHE_TTL"])
    return response


# The WSGI fast path ----------------------------------------------------------------------------------------------

def _csrf_token(app: Flask, secret: str) -> str | None:
    """What flask_wtf.csrf.generate_csrf makes from a session's CSRF secret, without a request context."""
    from itsdangerous import URLSafeTimedSerializer

    key = app.config.get("WTF_CSRF_SECRET_KEY", app.secret_key)
    return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(secret) if key else None


class _PlainJSON:
    """The session payload as Flask's TaggedJSONSerializer writes a session holding one string (compact, sorted
    keys), read and written with the json module: Flask's own goes through `current_app`, slow outside a request.
    Any session that is not exactly {csrf field: string} is declined, so tagged values never need reading."""

    @staticmethod
    def dumps(value) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    @staticmethod
    def loads(value):
        return json.loads(value)


class FastHits:
    """WSGI middleware in front of the Flask app: a cache hit for a returning anonymous visitor, answered without
    the Flask request pipeline (request context, user loader, Babel, CSRF, Limiter, Talisman hooks, session save).

    It answers only when everything the pipeline would have decided is already known: a GET or HEAD to a path of
    a cached endpoint; no Authorization header, cart or remember-me cookie; either no session cookie (a first
    visit: it gets a new session holding a new CSRF secret, set by the app's session interface exactly as the
    pipeline sets it) or a valid one (signed with the app's key, within its lifetime) holding nothing but the
    CSRF secret, which is then not modified, so no cookie is set, as in the pipeline; and a fresh entry stored
    with its headers. The page gets the token made from that visitor's own secret, the headers the app's hooks
    added when the page was stored (CSP and the other security headers, Vary), and the ETag/304 of `lookup`.
    Anything else (a session with anything more in it, a forged or expired cookie, a signed-in user, an entry
    without headers, an error) goes down the normal path, where `lookup` still serves the anonymous hits.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        exact, prefixes = set(), []
        for rule in app.url_map.iter_rules():
            if rule.endpoint in CACHED_ENDPOINTS:
                if "<" in rule.rule:
                    prefixes.append(rule.rule.split("<", 1)[0])
                else:
                    exact.add(rule.rule)
        self.exact, self.prefixes = frozenset(exact), tuple(prefixes)
        self._serializer: tuple[tuple, object] | None = None

    def serializer(self, interface):
        """The session cookie's signing serializer, as the interface makes it (keys, salt, signer), built once."""
        from itsdangerous import URLSafeTimedSerializer

        app = self.app
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        if self._serializer is None or self._serializer[0] != keys:
            made = URLSafeTimedSerializer(list(keys), salt=interface.salt, serializer=_PlainJSON,
                                          signer_kwargs={"key_derivation": interface.key_derivation,
                                                         "digest_method": interface.digest_method})
            self._serializer = (keys, made)
        return self._serializer[1]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and (path in self.exact or path.startswith(self.prefixes)):
            try:
                response = self.hit(environ)
            except Exception:  # never worse than the normal path
                log.warning("page cache: fast path failed", exc_info=True)
                response = None
            if response is not None:
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def hit(self, environ) -> Response | None:
        from flask.sessions import SecureCookieSessionInterface
        from itsdangerous import BadSignature

        from ..shop.ordering.views import CART_COOKIE
        from .jobs import EXTENSION_KEY as JOBS_KEY

        app, config = self.app, self.app.config
        ttl = config.get("PAGE_CACHE_TTL") or 0
        if ttl <= 0 or "HTTP_AUTHORIZATION" in environ:
            return None
        if config.get("JOBS_ENABLED") and (app.extensions.get(JOBS_KEY) or {}).get("pid") != os.getpid():
            return None  # this process's first requests start the scheduler in the pipeline
        interface = app.session_interface
        if not isinstance(interface, SecureCookieSessionInterface):
            return None
        req = app.request_class(environ)
        if config.get("TRUSTED_HOSTS") is not None:
            req.trusted_hosts = config["TRUSTED_HOSTS"]  # req.host below then refuses others, as Flask does
        cookies = req.cookies
        if CART_COOKIE in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        serializer = self.serializer(interface)
        if serializer is None:
            return None
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        raw = cookies.get(interface.get_cookie_name(app))
        secret = None  # no session cookie at all: a first visit, which gets a new session as in the pipeline
        if raw is not None:
            try:
                data = serializer.loads(raw, max_age=int(app.permanent_session_lifetime.total_seconds()))
            except BadSignature:
                return None
            if not isinstance(data, dict) or list(data) != [field] or not isinstance(data[field], str):
                return None
            secret = data[field]
        entry, generation = app.extensions[EXTENSION_KEY].get(_key(req, config))
        if entry is None or "headers" not in entry or entry["generation"] != generation \
                or time.time() - entry["stored_at"] >= ttl:
            return None
        if secret is not None:
            return self.respond(req, entry, secret)
        # What flask_wtf.csrf.generate_csrf puts in a new session, in the cookie the app's session interface
        # would set (its save_session, for a new non-permanent session: same name, flags and signature).
        secret = hashlib.sha1(os.urandom(64)).hexdigest()
        response = self.respond(req, entry, secret)
        if response is not None:
            response.set_cookie(interface.get_cookie_name(app), serializer.dumps({field: secret}), expires=None,
                                httponly=interface.get_cookie_httponly(app), domain=interface.get_cookie_domain(app),
                                path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app),
                                partitioned=interface.get_cookie_partitioned(app),
                                samesite=interface.get_cookie_samesite(app))
        return response

    def respond(self, req, entry: dict, secret: str) -> Response | None:
        etag = _etag(entry["hash"], secret)
        if req.if_none_match.contains(etag):
            response = self.app.response_class(status=304)
            response.headers.clear()
            response.headers.extend((k, v) for k, v in entry["headers"] if k.lower() not in ("content-type",))
        else:
            body = entry["body"]
            if PLACEHOLDER in body:
                token = _csrf_token(self.app, secret)
                if token is None:
                    return None
                body = body.replace(PLACEHOLDER, token)
            response = self.app.response_class(body, status=200, headers=entry["headers"])
        response.vary.add("Cookie")
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["X-Page-Cache"] = "hit"
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
    # First in the list, so it runs last of them: the stored headers include Talisman's and every other hook's.
    app.after_request_funcs[None].insert(0, store)
    # Outermost, so a returning anonymous visitor's hit skips the whole Flask pipeline.
    app.wsgi_app = FastHits(app, app.wsgi_app)  # type: ignore[method-assign]
    # Flask-WTF offers csrf_token() twice, as a Jinja global and from a context processor: replace both.
    app.jinja_env.globals["csrf_token"] = csrf_token_or_placeholder
    app.context_processor(lambda: {"csrf_token": csrf_token_or_placeholder})
    _listen()

