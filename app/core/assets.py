"""Static files and compression: `static_url()` with a content hash, year-long caching, gzip/brotli responses.

`static_url("css/app.css")` (or `static_url("shop.css", "shop")` for a blueprint's folder) is the only way a
template names a static file: the URL carries `?v=<hash of the file>`, so a file served under its current
hash can be cached by the browser for a year (`Cache-Control: public, max-age=31536000, immutable`) and a
changed file gets a new URL. A static request without the current hash keeps Flask's default (revalidate).

Compression is Flask-Compress (brotli, else gzip) for HTML, CSS, JS, JSON and SVG. Its hook runs after every
other after_request hook, so the page cache stores and serves the uncompressed page with the headers the app
made; hits the page cache answers before Flask (`FastHits`, marked `X-Page-Cache: hit`) are compressed by
`CompressedHits`, a thin WSGI layer in front of it, with the same extension.
"""
from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_compress import Compress
from werkzeug.wsgi import ClosingIterator

from .urls import memo_url_for

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                    "image/svg+xml", "text/plain", "text/xml", "application/manifest+json"]
EXTENSION_KEY = "assets"

compress = Compress()


def _folder(blueprint: str | None) -> str | None:
    if blueprint is None:
        return current_app.static_folder
    return current_app.blueprints[blueprint].static_folder


def file_hash(blueprint: str | None, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256, remembered per file until its size or mtime changes."""
    folder = _folder(blueprint)
    if folder is None:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    hashes: dict[tuple[str, int, int], str] = current_app.extensions.setdefault(EXTENSION_KEY, {})
    key = (path, stat.st_mtime_ns, stat.st_size)
    digest = hashes.get(key)
    if digest is None:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:10]
        hashes[key] = digest
    return digest


def static_url(filename: str, blueprint: str | None = None) -> str:
    """URL of a static file of the app (or of `blueprint`'s static folder), versioned by its content."""
    endpoint = f"{blueprint}.static" if blueprint else "static"
    digest = file_hash(blueprint, filename)
    return memo_url_for(endpoint, filename=filename, v=digest) if digest else memo_url_for(endpoint, filename=filename)


def use_htmx() -> str:
    """Templates call `{{ use_htmx() }}` where they print an hx- attribute; the layout then loads htmx (16 KB on
    the wire), which every other page goes without. The layout's script tags come after the content, so they
    are rendered after every such call."""
    g.htmx_used = True
    return ""


def htmx_used() -> bool:
    return bool(g.get("htmx_used"))


def cache_static_for_a_year(response: Response) -> Response:
    """after_request: a static file asked for by its current hash never changes under that URL."""
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        version = request.args.get("v")
        if version and response.status_code in (200, 304) and version == file_hash(
                request.blueprint, (request.view_args or {}).get("filename", "")):
            response.headers["Cache-Control"] = IMMUTABLE
            response.expires = None
    return response


def compress_response(response: Response) -> Response:
    """after_request, last of them: brotli or gzip when the client takes it; never a partial (206) answer.

    The ETag stays the one the view or the page cache made (Flask-Compress would append ":br"), so their
    If-None-Match checks, made before compression, still match what the browser sends back; `Vary:
    Accept-Encoding` keeps shared caches from mixing the encodings."""
    if response.status_code == 206 or "Content-Range" in response.headers:
        return response
    etag = response.headers.get("ETag")
    response = compress.after_request(response)
    if etag is not None:
        response.headers["ETag"] = etag
    return response


class CompressedHits:
    """WSGI layer in front of the page cache's fast path: its hits (made without Flask's hooks) get the same
    compression as every other page. Everything else passes through untouched."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Any]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or "HTTP_ACCEPT_ENCODING" not in environ:
            return self.wsgi_app(environ, start_response)
        captured: dict[str, Any] = {"written": []}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            if exc_info is not None:  # an error after the headers: let the server report it as usual
                captured["started"] = True
                return start_response(status, headers, exc_info)
            return captured["written"].append  # the legacy write(): kept and sent first

        body = self.wsgi_app(environ, capture)
        names = {name.lower(): value for name, value in captured.get("headers", [])}
        if names.get("x-page-cache") != "hit" or "content-encoding" in names or captured["written"]:
            if "status" in captured and not captured.get("started"):
                start_response(captured["status"], captured["headers"])
            if not captured["written"]:
                return body
            return ClosingIterator(itertools.chain(captured["written"], body), getattr(body, "close", None))
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        response = self.app.response_class(data, status=captured["status"], headers=captured["headers"])
        with self.app.request_context(environ):
            response = compress_response(response)
        return response(environ, start_response)


def init_app(app: Flask) -> None:
    """After the page cache: the template helper, the static cache headers, compression last of the hooks."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)  # the views and send_file already did
    app.config["COMPRESS_REGISTER"] = False  # its hook is placed below, not appended by the extension
    compress.init_app(app)
    app.jinja_env.globals.update(static_url=static_url, use_htmx=use_htmx, htmx_used=htmx_used)
    app.after_request(cache_static_for_a_year)
    # after_request hooks run last-registered first: at index 0 this runs after all of them, the page cache's
    # `store` included, which must keep the uncompressed page and headers.
    app.after_request_funcs.setdefault(None, []).insert(0, compress_response)
    app.wsgi_app = CompressedHits(app, app.wsgi_app)  # type: ignore[method-assign]
