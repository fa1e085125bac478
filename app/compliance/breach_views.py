"""The admin's personal data breach register: record, watch the notice clock, copy the notice texts."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import admin_required
from ..accounts.forms import EmptyForm
from ..core.web import error_under_field, unit_of_work
from . import bp, breaches
from .forms import BreachForm

ADMIN = "/admin/compliance/breaches"


@bp.route(ADMIN, methods=["GET", "POST"])
@admin_required
def admin_breaches():
    form = BreachForm()
    if form.validate_on_submit():
        with unit_of_work() as done:
            breach = breaches.record_breach(
                current_user, title=form.title.data, description=form.description.data,
                data_kinds=form.data_kinds.data, people_affected=form.people_affected.data,
                discovered_at=breaches.parse_local_time(form.discovered_at.data), measures=form.measures.data)
        if done.ok:
            flash(_("The breach has been recorded. Notify the authority before the deadline shown."), "success")
            return redirect(url_for("compliance.admin_breach", breach_id=breach.id))
        error_under_field(form, done)
    status = 422 if request.method == "POST" else 200
    return render_template("compliance/admin_breaches.html", form=form, rows=breaches.breaches(),
                           clock=breaches.clock), status


@bp.get(ADMIN + "/<int:breach_id>")
@admin_required
def admin_breach(breach_id: int):
    breach = breaches.get_breach(breach_id)
    return render_template("compliance/admin_breach.html", breach=breach, clock=breaches.clock(breach),
                           authority=breaches.notice_to_authority(breach), people=breaches.notice_to_people(breach),
                           form=EmptyForm())


@bp.post(ADMIN + "/<int:breach_id>/notified")
@admin_required
def admin_breach_notified(breach_id: int):
    breach = breaches.get_breach(breach_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work() as done:
            breaches.mark_notified(current_user, breach, request.form.get("who", ""))
        if done.ok:
            flash(_("Saved."), "success")
    return redirect(url_for("compliance.admin_breach", breach_id=breach.id))
