"""Helpers for thin HTML views: run a unit of work, commit once, or show the domain error; request guards."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from flask import current_app, flash, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map
from werkzeug.urls import iri_to_uri

from ..errors import DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn
from ..extensions import db
from .dbtypes import KEY_MAX
from .text import strip_invisible


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` that stops at the largest key a table can hold, so an absurd id is a 404, not a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", KEY_MAX)
        super().__init__(map, *args, **kwargs)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_contains_nul(v) for v in value)
    return False


# Endpoints that take a larger body than MAX_CONTENT_LENGTH: the config key of the limit in megabytes, and who may
# send one (checked before the body is read: a stranger's 200 MB never reaches the disk).
LARGE_BODIES: dict[str, tuple[str, Callable[[], bool]]] = {}


def allow_large_body(endpoint: str, config_key: str, allowed: Callable[[], bool]) -> None:
    """A feature names an endpoint that takes a bigger upload (a lesson's video), the setting of its limit, and who
    may send it (anyone else keeps MAX_CONTENT_LENGTH)."""
    LARGE_BODIES[endpoint] = (config_key, allowed)


def apply_large_body_limit() -> None:
    """Before each request, first of all (before anything reads the form): the endpoint's own body limit, if any."""
    found = LARGE_BODIES.get(request.endpoint or "")
    if found is not None and found[1]():
        request.max_content_length = int(current_app.config[found[0]]) * 1024 * 1024


def refuse_nul_characters() -> None:
    """Before each request: text carrying a NUL character is refused (PostgreSQL cannot store it anyway)."""
    fields = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    payload = request.get_json(silent=True) if request.is_json else None
    if any(_contains_nul(k) or _contains_nul(v) for k, v in fields) or _contains_nul(payload):
        raise InvalidInput(_l("The text contains characters that are not allowed."), code="invalid_characters")


@dataclass
class Outcome:
    ok: bool = False
    error: DomainError | None = None


def error_under_field(form: FlaskForm, outcome: Outcome, by_code: dict[str, str] | None = None) -> None:
    """Also show a service's refusal under the form field it is about (its `field` detail, or `by_code`), where
    the field macro marks the field aria-invalid and names the message with aria-describedby."""
    error = outcome.error
    if error is None:
        return
    name = error.details.get("field") or (by_code or {}).get(error.code)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]


@contextmanager
def unit_of_work(flash_errors: bool = True, refuse_strangers: bool = True) -> Iterator[Outcome]:
    """Commit once if the block succeeds; on a DomainError roll back and flash its message.

    Forbidden, NotFound and NotSignedIn are not form mistakes but someone reaching for what is not theirs, so they
    go on to the error page (403/404/sign-in) — unless `refuse_strangers` is off, for buyer actions where "not
    found" is an ordinary answer (a product gone from the shop, a code not in this live).
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
        outcome.ok = True
    except (Forbidden, NotFound, NotSignedIn) as exc:
        db.session.rollback()
        if refuse_strangers:
            raise
        outcome.error = exc
        if flash_errors:
            flash(str(exc.message), "error")
    except DomainError as exc:
        db.session.rollback()
        outcome.error = exc
        if flash_errors:
            flash(str(exc.message), "error")


# Browsers drop tabs and newlines anywhere in a URL, trim leading controls and spaces, and read "\\" as "/":
# "/\t/evil.example" and "/\\evil.example" both mean "//evil.example", another site. So invisible characters go
# (core.text.strip_invisible) before checking.
MAX_REDIRECT = 2000


def uploaded_file(field: str, missing: str) -> bytes:
    """The bytes of the file a form sent as `field`; InvalidInput(missing) when none was chosen. Called inside the
    unit of work, so the page shows `missing` like any other refusal."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise InvalidInput(missing)
    data: bytes = upload.read()
    return data


def safe_redirect_target(target: str | None, default: str, *, host: str | None = None) -> str:
    """`target` when it is a path on this site (e.g. "/shop/?q=b%C6%B0"), else `default`.

    Control and format characters are stripped, surrounding whitespace too; a backslash, a scheme or a host
    refuses it. With `host` (the request's own), an absolute http(s) URL on that host (a Referer) is accepted and
    reduced to its path. The answer is encoded as the Location header will carry it and checked once more.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_REDIRECT:
        return default
    cleaned = strip_invisible(target).strip()
    if "\\" in cleaned:
        return default
    parts = urlsplit(cleaned)
    if host is not None and parts.scheme in ("http", "https") and parts.netloc == host:
        cleaned = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(cleaned)
    if not _is_local_path(cleaned, parts):
        return default
    encoded = iri_to_uri(cleaned)
    if not _is_local_path(encoded, urlsplit(encoded)) \
            or any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in encoded):
        return default
    return encoded


def _is_local_path(url: str, parts: SplitResult) -> bool:
    # Checked on the text and on its parse: urlsplit reads "///x" as the path "/x", a browser as the host x.
    return (url.startswith("/") and not url.startswith("//") and "\\" not in url
            and not parts.scheme and not parts.netloc and parts.path.startswith("/"))


def allow_media_origin(url: str | None) -> None:
    """Let this page's video player load from the origin of `url` (a seller's own HLS link): media-src and
    connect-src gain that origin for this response only (app/__init__.py adds it after Talisman)."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return
    # Only a plain host name goes into the header: nothing that could end the directive or add another.
    if parts.scheme == "https" and _HOST_NAME.fullmatch(host):
        g.setdefault("media_origins", set()).add(f"https://{host}" + (f":{port}" if port else ""))


_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
