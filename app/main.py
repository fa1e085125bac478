"""Pages that belong to no feature: home, language switch, health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from .core.i18n import LANG_COOKIE
from .extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch language; remembered on the account when signed in, in a cookie otherwise."""
    from .accounts.services import set_locale

    set_locale(current_user if current_user.is_authenticated else None, code)
    db.session.commit()
    target = _same_site_path(request.args.get("next") or request.referrer)
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _same_site_path(url: str | None) -> str:
    """Only redirect back within this site; anything else goes home."""
    parts = urlsplit(url or "")
    if parts.netloc and parts.netloc != request.host:
        return url_for("main.home")
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return url_for("main.home")
    return path + (f"?{parts.query}" if parts.query else "")


@bp.get("/healthz")
def healthz():
    """200 when the database answers; 503 otherwise. Used by nginx, systemd and the drills."""
    checks = {}
    status = 200
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # the point is to report any failure, not to raise it
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
        status = 503
    if current_app.config.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"degraded: {type(exc).__name__}"
    return jsonify(status="ok" if status == 200 else "error", checks=checks), status
