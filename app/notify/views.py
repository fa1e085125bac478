"""Pages of the notification pipeline (thin): the buyer's settings and push subscriptions, the service worker,
the admin's providers, template previews and send log."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.auth import admin_required
from ..accounts.forms import EmptyForm
from ..core.phone import mask_phone
from ..core.web import unit_of_work
from ..extensions import db
from . import bp, queries, services
from .models import MESSAGE_STATUSES
from .services import SWITCHABLE

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "sw.js"


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work() as done:
            services.set_channels(current_user, {c: request.form.get(c) == "on" for c in SWITCHABLE}, "account page")
            services.set_first_channel(current_user, request.form.get("first") or None)
        if done.ok:
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("notify.settings"))
    return render_template("notify/settings.html", form=form, data=queries.my_settings(current_user),
                           vapid_key=current_app.config.get("VAPID_PUBLIC_KEY") or "",
                           push_on=any(p["name"] == "push" and p["on"] for p in queries.providers()))


@bp.post("/account/notifications/push")
@login_required
def push_subscribe():
    """The browser's PushSubscription as JSON (X-CSRFToken header, like every other fetch of this site)."""
    with unit_of_work(flash_errors=False) as done:
        services.subscribe_push(current_user, request.get_json(silent=True),
                                current_app.config.get("WEB_PUSH_ALLOWED_ORIGINS") or "",
                                request.headers.get("User-Agent"))
    if not done.ok:
        return jsonify(error=str(done.error.message), code=done.error.code), 400
    return jsonify(ok=True), 201


@bp.post("/account/notifications/push/remove")
@login_required
def push_unsubscribe():
    body = request.get_json(silent=True) or {}
    removed = services.unsubscribe_push(current_user, body.get("endpoint") if isinstance(body, dict) else None)
    db.session.commit()
    return jsonify(removed=removed)


@bp.get("/sw.js")
def service_worker():
    """Served from the root so it may control every page (a worker's scope is its own folder at most)."""
    response = send_file(SERVICE_WORKER, mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/admin/notifications")
@admin_required
def admin():
    status = request.args.get("status") if request.args.get("status") in MESSAGE_STATUSES else None
    locale = request.args.get("lang") if request.args.get("lang") in ("vi", "en") else "vi"
    return render_template("notify/admin.html", providers=queries.providers(), totals=queries.totals(),
                           log=queries.send_log(status), status=status, statuses=MESSAGE_STATUSES,
                           previews=queries.previews(locale), locale=locale, mask_phone=mask_phone)
