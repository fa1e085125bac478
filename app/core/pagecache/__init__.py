"""Page cache for anonymous pages a feature registers (the shop's catalog, search, storefronts and product pages).

Modules: `registry` (what features register), `hooks` (the Flask pipeline side), `fastpath` (the WSGI middleware),
`stores` (in-process LRU, Redis), `invalidation` (session events → invalidation after the commit).

What is cached. The rendered HTML of a GET to an endpoint a feature registered (`cache_endpoints`), keyed by scheme,
host, path with its query string, the language (the `lang` cookie, as `core.i18n.select_locale` reads it for a
visitor without an account) and the htmx headers (`/shop/` answers htmx with a fragment). It lives in Redis when
`REDIS_URL` is set (shared by every process), else in a small LRU in this process. `PAGE_CACHE_TTL` (seconds, 0 =
off) bounds an entry's age; `PAGE_CACHE_ENTRIES` bounds the LRU.

Who gets it. Only a visitor who is certainly anonymous: no `Authorization` header, no remember-me cookie nor one a
feature registered as private (`private_cookies`: the shop's guest cart), and a session holding nothing but its CSRF
secret (no signed-in user, no pending flash, nothing else). Anyone else goes through the whole pipeline and never
fills the cache. A response is stored only if it is a 200 HTML page that set no cookie, left the session unmodified
and generated no CSRF token (see below).

The CSRF token. Pages carry one (`<meta name="csrf-token">`, the add-to-cart form). While a request may fill the
cache, the template's `csrf_token()` writes a placeholder instead of a token, so a stored body never holds anyone's
token; every response made from the cache (and the filling response itself) gets the placeholder replaced with the
token of the visitor it goes to, from their own session (a first visit gets a new session, as without the cache). If
the page still made a real token (a view calling `generate_csrf()`, a WTForms form), the response is not stored.

Freshness: tags. A view declares what its page shows (`tag("product:12", "stock:31", ...)`; a page that declares
nothing depends on everything), and a feature says which tags a write of its models changes (`watch`: the shop's
products, variants, photos and organisations, app/shop/caching.py). After a commit (SQLAlchemy session events in
`invalidation.py`, so no write path can forget; the after-commit queue of `core.uow`, so a rolled-back write changes
nothing) the store ends the pages showing those tags, and only those: editing one product re-renders its page and
the lists that show it, not the whole catalog. A request reads the store's sequence before its view reads the
database, and its page is stored only if none of its tags changed since (`stores.py`), so a page rendered from data
older than a commit is never stored after that commit's invalidation.

Stock is soft. Every order moves stock; ending every page that shows a count on every order would empty the cache
exactly when a sale brings the visitors. A stock move (a `Soft` tag) only shortens the life of the pages showing
that stock to `PAGE_CACHE_SOFT_SECONDS` (2 s): a hot product's page is rendered at most about once per window
whatever the order rate, and shows counts at most that old (a product page's script also refreshes its stock line
from a small JSON answer while it stays open). With 0, stock ends pages at once like any other change.

Guarantee. In one process, or with Redis, a page never shows a change older than the moment it committed (stock:
older than the soft window). Without Redis and with several processes, the other processes' pages (and, if Redis is
unreachable for an invalidation, everyone's) can lag by at most `PAGE_CACHE_TTL`. The only cost of a stale count is
an "add to cart" that the cart refuses, as checkout and reservations re-check stock in the database.

Where it runs. The lookup is the first `before_request` hook, ahead of every extension's (CSRF, Limiter, Talisman),
so a hit skips the user lookup, Babel, the Limiter check and the view. Returning a response from `before_request`
still runs every `after_request` hook, so Talisman's security headers (CSP, X-Frame-Options, ...), `Vary: Cookie`
and the session cookie are set on hits exactly as on a rendered page. The catalog views have no rate limits, so
nothing is lost by skipping the Limiter check. Until this process has started its jobs scheduler (the first request
through the pipeline does) no hit is served.

The fast path. A hit for an anonymous visitor whose session holds only its CSRF secret, or who has no session cookie
yet (they get a new session), is answered before Flask sees the request, by the WSGI middleware `FastHits` (which
also skips Talisman's and the Limiter's hooks): the stored body with that visitor's own token, and the headers
stored with the entry, which are the ones every hook added to the filling response (security headers, Vary) minus
the per-visitor ones (cookies, ETag, Date, rate-limit counters). Entries are therefore written by `store`, the last
after_request hook, and only if no hook set a cookie. `lookup` still serves the hits the middleware declines (an
entry stored without headers).

Conditional GET. Cached pages carry `ETag` = hash(stored body, the visitor's CSRF secret) and `Cache-Control:
private, no-cache`. A matching `If-None-Match` on a hit is answered 304 from the entry alone.
"""
from __future__ import annotations

import hashlib
import uuid

from flask import Flask, current_app, has_app_context

from . import invalidation  # noqa: F401  (listens to the session events)
from .fastpath import FastHits
from .hooks import EXTENSION_KEY, PLACEHOLDER, active, csrf_token_or_placeholder, fill, lookup, store, tag
from .registry import Soft, cache_endpoints, private_cookies, registry, watch
from .stores import EVERYTHING, LocalStore, RedisStore

# What features and tests use: the registration API, the hooks, the stores.
__all__ = [
    "EVERYTHING", "EXTENSION_KEY", "PLACEHOLDER", "FastHits", "LocalStore", "RedisStore", "Soft", "active", "bump",
    "cache_endpoints", "csrf_token_or_placeholder", "fill", "init_app", "lookup", "private_cookies", "registry",
    "store", "tag", "watch",
]


def bump(app: Flask | None = None) -> None:
    """Invalidate every cached page of the app (by default the current one)."""
    app = app or (current_app._get_current_object() if has_app_context() else None)  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION_KEY) if app is not None else None
    if found is not None:
        found.invalidate({EVERYTHING})


def init_app(app: Flask) -> None:
    """Called last in create_app, after the features registered (registry): the store, the hooks in their places,
    the template's csrf_token()."""
    registry(app)
    soft = float(app.config.get("PAGE_CACHE_SOFT_SECONDS", 2))
    url = app.config.get("REDIS_URL")
    if url:
        db_tag = hashlib.sha256(str(app.config.get("SQLALCHEMY_DATABASE_URI")).encode()).hexdigest()[:8]
        scope = f"{db_tag}-{uuid.uuid4().hex[:8]}" if app.testing else db_tag  # two test apps never share pages
        prefix = f"{app.config.get('PAGE_CACHE_PREFIX', 'cholive:page:')}{scope}:"
        app.extensions[EXTENSION_KEY] = RedisStore(url, prefix, soft_seconds=soft,
                                                   ttl_hint=int(app.config.get("PAGE_CACHE_TTL") or 0))
    else:
        app.extensions[EXTENSION_KEY] = LocalStore(int(app.config.get("PAGE_CACHE_ENTRIES") or 256), soft_seconds=soft)
    # First of the before_request hooks: a hit skips every extension's (it declines until the jobs have started).
    app.before_request_funcs.setdefault(None, []).insert(0, lookup)
    # Registered last, so it runs first of the after_request hooks: it sees the view's response undecorated.
    app.after_request(fill)
    # First in the list, so it runs last of them: the stored headers include Talisman's and every other hook's.
    app.after_request_funcs[None].insert(0, store)
    # Outermost, so a returning anonymous visitor's hit skips the whole Flask pipeline.
    app.wsgi_app = FastHits(app, app.wsgi_app)  # type: ignore[method-assign]
    # Flask-WTF offers csrf_token() twice, as a Jinja global and from a context processor: replace both.
    app.jinja_env.globals["csrf_token"] = csrf_token_or_placeholder
    app.context_processor(lambda: {"csrf_token": csrf_token_or_placeholder})
