"""Flask-Login wiring: browser login sessions from the cookie, API tokens from the Bearer header."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_login import current_user

from ..extensions import login
from . import services


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def init_login(app: Flask) -> None:
    @login.user_loader
    def load_user(token: str):
        # A request that names a bearer token is that token's caller, whatever cookie the client also sends.
        if bearer_token() is not None:
            return None
        return services.user_for_login_session(token)

    @login.request_loader
    def load_user_from_bearer(req):
        return services.user_for_api_token(bearer_token())

    @login.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect, url_for
        from flask_babel import gettext as _

        from ..errors import NotSignedIn, wants_json

        if wants_json():
            raise NotSignedIn()
        flash(_("Please sign in to continue."), "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.query_string else request.path))


def admin_required(view):
    """Only platform admins; everyone else gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
