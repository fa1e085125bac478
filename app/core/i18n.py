"""Language and time zone choice: the account's language, else the cookie, else Vietnamese."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    try:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    except Exception:  # outside a request (CLI, socket threads before login is set up)
        user_locale = None
    if user_locale in languages:
        return str(user_locale)
    cookie = request.cookies.get(LANG_COOKIE) if request else None
    if cookie is not None and cookie in languages:
        return cookie
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])
