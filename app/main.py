"""Pages that belong to no feature: home, language switch, health check."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from .core.i18n import LANG_COOKIE
from .core.web import safe_redirect_target
from .extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    from .livestream.queries import current_and_upcoming

    return render_template("home.html", lives=current_and_upcoming(6))


@bp.get("/notifications")
@login_required
def notifications_page():
    from .accounts import notifications
    from .accounts.forms import EmptyForm

    return render_template("notifications.html", items=notifications.recent(current_user),
                           text_of=notifications.text_of, form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_open(notification_id: int):
    """Mark one notification read and follow its link."""
    from .accounts import notifications
    from .accounts.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    note = notifications.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(note.link or url_for("main.notifications_page"))


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all():
    from .accounts import notifications
    from .accounts.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("main.notifications_page"))


@bp.app_context_processor
def notification_badge():
    """unread_notifications() for the header's bell, counted once per request and only when shown."""
    def unread_notifications() -> int:
        from flask import g

        if "unread_notifications" not in g:
            from .accounts.notifications import unread_count

            g.unread_notifications = unread_count(current_user) if current_user.is_authenticated else 0
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch language; remembered on the account when signed in, in a cookie otherwise."""
    from .accounts.services import set_locale

    set_locale(current_user if current_user.is_authenticated else None, code)
    db.session.commit()
    home = url_for("main.home")
    target = safe_redirect_target(request.args.get("next"), "") or \
        safe_redirect_target(request.referrer, home, host=request.host)
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


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
