"""Form helpers of the training pages: the CSRF check of a plain POST form, ids read from form fields."""
from __future__ import annotations

from typing import Any

from flask import abort

from ..accounts.forms import EmptyForm


def check_form() -> None:
    """A POST form without a valid CSRF token is refused (400) before anything reads it."""
    if not EmptyForm().validate_on_submit():
        abort(400)


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
