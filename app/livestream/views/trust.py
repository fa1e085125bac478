"""Trust pages of the live (thin): the livestream rules, viewers' reports and the moderation queue, the admin's
stop-the-live, the pre-live checklist's host and rules acknowledgement, and a live's archive."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.auth import admin_required
from ...accounts.forms import EmptyForm
from ...core.markup import render_markdown
from ...core.web import unit_of_work
from ...extensions import db
from .. import bp, broadcast, services
from ..trust import archive, checklist, reports, rules, stop
from ..trust.models import REPORT_STATUSES


def _posted() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# The rules --------------------------------------------------------------------------------------------------------

@bp.get("/rules")
def live_rules():
    found = rules.current_rules()
    return render_template("livestream/rules.html", rules=found,
                           body=render_markdown(found.body(str(get_locale() or "vi"))))


@bp.route("/rules/edit", methods=["GET", "POST"])
@admin_required
def edit_live_rules():
    found = rules.current_rules()
    body_vi, body_en = found.body_vi, found.body_en
    if request.method == "POST":
        _posted()
        body_vi, body_en = request.form.get("body_vi", ""), request.form.get("body_en", "")
        with unit_of_work() as done:
            saved = rules.save_rules(current_user, body_vi, body_en)
        if done.ok:
            flash(_("Rules saved as version %(n)s.", n=saved.version), "success")
            return redirect(url_for("livestream.live_rules"))
    return render_template("livestream/rules_edit.html", rules=found, body_vi=body_vi, body_en=body_en,
                           history=rules.rules_history(), form=EmptyForm())


# Reports ----------------------------------------------------------------------------------------------------------

@bp.post("/<int:session_id>/reports")
@login_required
def report_live(session_id: int):
    """A viewer's report (the form in the live and replay pages); JSON in, JSON out for the page's script."""
    live = services.require_viewer(current_user, services.get_session(session_id))
    _posted()
    wants_json = request.accept_mimetypes.best == "application/json"
    with unit_of_work(flash_errors=not wants_json, refuse_strangers=False) as done:
        reports.submit_report(current_user, live, reason=request.form.get("reason"),
                              details=request.form.get("details"), message_id=request.form.get("message_id"),
                              replay_seconds=request.form.get("replay_seconds"))
    message = _("Thank you. Your report was sent to the platform's team and the seller.")
    if wants_json:
        if done.error is not None:
            return jsonify({"ok": False, "error": done.error.to_dict()}), done.error.status
        return jsonify({"ok": True, "message": message})
    if done.ok:
        flash(message, "success")
    page = "livestream.replay" if request.form.get("from") == "replay" else "livestream.live_page"
    return redirect(url_for(page, session_id=live.id))


@bp.get("/reports")
@login_required
def report_queue():
    status = request.args.get("status", "open")
    status = status if status in REPORT_STATUSES else "open"
    lines = reports.report_queue(current_user, status)
    return render_template("livestream/reports.html", lines=lines, status=status, statuses=REPORT_STATUSES,
                           admin=current_user.is_admin, form=EmptyForm())


@bp.post("/reports/<int:report_id>/<action>")
@login_required
def handle_report(report_id: int, action: str):
    report = reports.get_report(report_id)
    _posted()
    with unit_of_work():
        reports.handle_report(current_user, report, action, request.form.get("note"))
    return redirect(url_for("livestream.report_queue"))


# Stop the live ----------------------------------------------------------------------------------------------------

@bp.post("/<int:session_id>/stop")
@admin_required
def stop_live(session_id: int):
    live = services.get_session(session_id)
    _posted()
    with unit_of_work() as done:
        stop.stop_live(current_user, live, request.form.get("reason"))
        broadcast.to_live(live.id, "live_stopped", stop.stopped_payload(live))
        broadcast.video_state(live.id, "ended", ended=True)
    if done.ok:
        flash(_("The live is stopped. Its page stays hidden until you mark it reviewed."), "success")
    return redirect(url_for("livestream.live_page", session_id=live.id))


@bp.post("/<int:session_id>/stop/review")
@admin_required
def review_stopped_live(session_id: int):
    live = services.get_session(session_id)
    _posted()
    with unit_of_work() as done:
        stop.mark_reviewed(current_user, live)
    if done.ok:
        flash(_("Marked reviewed: the live's page is shown again."), "success")
    return redirect(url_for("livestream.live_page", session_id=live.id))


# Before the live: host and rules ----------------------------------------------------------------------------------

@bp.post("/<int:session_id>/host")
@login_required
def choose_live_host(session_id: int):
    live = services.open_console(current_user, services.get_session(session_id))
    _posted()
    with unit_of_work() as done:
        checklist.choose_host(current_user, live, request.form.get("user_id"))
    if done.ok:
        flash(_("Host saved."), "success")
    return redirect(url_for("livestream.console", session_id=live.id) + "#prelive")


@bp.post("/<int:session_id>/rules-ack")
@login_required
def acknowledge_live_rules(session_id: int):
    live = services.open_console(current_user, services.get_session(session_id))
    _posted()
    if request.form.get("ack") != "yes":
        flash(_("Tick the box to confirm you have read the rules."), "error")
    else:
        with unit_of_work() as done:
            checklist.acknowledge_rules(current_user, live)
        if done.ok:
            flash(_("Thank you: the rules are acknowledged for this live."), "success")
    return redirect(url_for("livestream.console", session_id=live.id) + "#prelive")


# Archive ----------------------------------------------------------------------------------------------------------

@bp.get("/<int:session_id>/archive")
@login_required
def live_archive_page(session_id: int):
    """What the live's archive holds, with the JSON download (the organisation's members and admins)."""
    live = services.get_session(session_id)
    data = archive.build_archive(current_user, live)
    return render_template("livestream/archive.html", live=live, data=data)


@bp.get("/<int:session_id>/archive.json")
@login_required
def live_archive(session_id: int):
    live = services.get_session(session_id)
    data = archive.build_archive(current_user, live)
    db.session.rollback()
    response = jsonify(data)
    response.headers["Content-Disposition"] = f"attachment; filename=live-{live.id}-archive.json"
    response.headers["Cache-Control"] = "no-store"
    return response
