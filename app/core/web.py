"""Helpers for thin HTML views: run a unit of work, commit once, or show the domain error; request guards."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from flask import flash, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from ..errors import DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn
from ..extensions import db

KEY_MAX = 2**31 - 1  # primary keys are INTEGER columns on PostgreSQL and SQLite


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` that stops at the largest key a table can hold, so an absurd id is a 404, not a database error."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
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


def error_under_field(form, outcome: Outcome, by_code: dict[str, str] | None = None) -> None:
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
