"""The page cache's WSGI fast path: a returning anonymous visitor's hit answered before the Flask pipeline."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.http import is_entity_header, quote_etag

from .hooks import EXTENSION_KEY, PLACEHOLDER, anonymous_cookies, etag_of, jobs_ready, key_of
from .registry import registry
from .stores import Entry, fresh

log = logging.getLogger(__name__)


def _csrf_token(app: Flask, secret: str) -> str | None:
    """What flask_wtf.csrf.generate_csrf makes from a session's CSRF secret, without a request context."""
    key = app.config.get("WTF_CSRF_SECRET_KEY", app.secret_key)
    return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(secret) if key else None


class _KeyOnceSigner(TimestampSigner):
    """Flask's session signer, deriving its HMAC key once per secret key rather than on every cookie it checks (the
    derivation is an HMAC of its own, a third of a revalidation's cost). Same keys, same signatures."""

    _derived: dict[tuple[Any, ...], bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = (secret_key if secret_key is not None else self.secret_keys[-1], self.salt, self.key_derivation,
               self.digest_method)
        found = self._derived.get(key)
        if found is None:
            if len(self._derived) > 64:  # key rotations in a long-lived process
                self._derived.clear()
            found = self._derived[key] = super().derive_key(secret_key)
        return found


class _NotModified:
    """A 304 as a bare WSGI answer: the stored headers minus the entity ones, plus this visitor's ETag. Building a
    werkzeug Response for an empty answer (header validation, entity header removal) cost as much as the rest."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("304 NOT MODIFIED", self.headers)
        return []


def _not_modified(stored: list[list[str]], etag: str) -> _NotModified:
    headers: list[tuple[str, str]] = []
    vary = False
    for name, value in stored:
        lower = name.lower()
        if is_entity_header(lower) and lower not in ("expires", "content-location"):
            continue  # as werkzeug's remove_entity_headers does for a 304
        if lower == "vary":
            vary = True
            if "cookie" not in [part.strip().lower() for part in value.split(",")]:
                value = f"{value}, Cookie"
        headers.append((name, value))
    if not vary:
        headers.append(("Vary", "Cookie"))
    headers += [("ETag", quote_etag(etag)), ("Cache-Control", "private, no-cache"), ("X-Page-Cache", "hit")]
    return _NotModified(headers)


class _PlainJSON:
    """The session payload as Flask's TaggedJSONSerializer writes a session holding one string (compact, sorted
    keys), read and written with the json module: Flask's own goes through `current_app`, slow outside a request.
    Any session that is not exactly {csrf field: string} is declined, so tagged values never need reading."""

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    @staticmethod
    def loads(value: str | bytes) -> Any:
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

    def __init__(self, app: Flask, wsgi_app: Callable[..., Any]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        exact: set[str] = set()
        prefixes: list[str] = []
        endpoints = registry(app).endpoints
        for rule in app.url_map.iter_rules():
            if rule.endpoint in endpoints:
                if "<" in rule.rule:
                    prefixes.append(rule.rule.split("<", 1)[0])
                else:
                    exact.add(rule.rule)
        self.exact, self.prefixes = frozenset(exact), tuple(prefixes)
        self._serializer: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None

    def serializer(self, interface: SecureCookieSessionInterface) -> URLSafeTimedSerializer | None:
        """The session cookie's signing serializer, as the interface makes it (keys, salt, signer), built once."""
        app = self.app
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        if self._serializer is None or self._serializer[0] != keys:
            made = URLSafeTimedSerializer(list(keys), salt=interface.salt, serializer=_PlainJSON, signer=_KeyOnceSigner,
                                          signer_kwargs={"key_derivation": interface.key_derivation,
                                                         "digest_method": interface.digest_method})
            self._serializer = (keys, made)
        return self._serializer[1]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
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

    def hit(self, environ: dict[str, Any]) -> Response | _NotModified | None:
        from itsdangerous import BadSignature

        app, config = self.app, self.app.config
        ttl = config.get("PAGE_CACHE_TTL") or 0
        if ttl <= 0 or "HTTP_AUTHORIZATION" in environ or not jobs_ready(app):
            return None
        interface = app.session_interface
        if not isinstance(interface, SecureCookieSessionInterface):
            return None
        req = app.request_class(environ)
        if config.get("TRUSTED_HOSTS") is not None:
            req.trusted_hosts = config["TRUSTED_HOSTS"]  # req.host below then refuses others, as Flask does
        cookies = req.cookies
        if not anonymous_cookies(cookies, app):
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
        entry, state = app.extensions[EXTENSION_KEY].get(key_of(req, config))
        if not fresh(entry, state) or "headers" not in entry or time.time() - entry["stored_at"] >= ttl:
            return None
        if secret is not None:
            return self.respond(req, entry, secret)
        # What flask_wtf.csrf.generate_csrf puts in a new session, in the cookie the app's session interface
        # would set (its save_session, for a new non-permanent session: same name, flags and signature).
        secret = hashlib.sha1(os.urandom(64)).hexdigest()
        response = self.respond(req, entry, secret)
        if isinstance(response, Response):  # (a new session's ETag is new: never a 304)
            response.set_cookie(interface.get_cookie_name(app), serializer.dumps({field: secret}), expires=None,
                                httponly=interface.get_cookie_httponly(app), domain=interface.get_cookie_domain(app),
                                path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app),
                                partitioned=interface.get_cookie_partitioned(app),
                                samesite=interface.get_cookie_samesite(app))
        return response

    def respond(self, req: Request, entry: Entry, secret: str) -> Response | _NotModified | None:
        etag = etag_of(entry["hash"], secret)
        if req.if_none_match.contains(etag):
            return _not_modified(entry["headers"], etag)
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
