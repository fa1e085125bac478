"""Trainer and admin pages (thin): classes by commune with attendance and a dashboard; the funnel report."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import EmptyForm
from ...core import addresses
from ...core.csvfile import csv_response
from ...core.web import unit_of_work
from ...extensions import db
from .. import bp, class_funnel, cohorts, reports, services
from ..models import Course
from ..review import queries as review_queries


def _user():
    return current_user if current_user.is_authenticated else None


def _check_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/classes", endpoint="cohorts")
@login_required
def cohorts_list():
    items = cohorts.cohorts_for(_user())
    courses = db.session.scalars(select(Course).where(Course.status == "published").order_by(Course.position)).all()
    province = _int(request.args.get("province")) or addresses.HANOI
    return render_template("training/cohorts.html", cohorts=items, courses=courses, form=EmptyForm(),
                           provinces=addresses.provinces(), province=province,
                           communes=addresses.communes(province))


@bp.post("/classes")
@login_required
def cohort_create():
    _check_form()
    with unit_of_work() as done:
        cohort = cohorts.create_cohort(_user(), name=request.form.get("name"),
                                       commune_code=_int(request.form.get("commune_code")),
                                       course_id=_int(request.form.get("course_id")),
                                       starts_on=_date(request.form.get("starts_on")))
    if done.ok:
        flash(_("Class created. Add its members."), "success")
        return redirect(url_for("training.cohort", cohort_id=cohort.id))
    return redirect(url_for("training.cohorts"))


@bp.get("/classes/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    item = cohorts.get_cohort(_user(), cohort_id)
    stuck_days = min(max(_int(request.args.get("stuck")) or cohorts.STUCK_AFTER_DAYS, 1), 90)
    return render_template("training/cohort.html", cohort=item, rows=cohorts.dashboard(item, stuck_days=stuck_days),
                           stuck_days=stuck_days, form=EmptyForm(), reviews=review_queries.class_review_rows(item))


@bp.post("/classes/<int:cohort_id>/members")
@login_required
def cohort_add_member(cohort_id: int):
    _check_form()
    item = cohorts.get_cohort(_user(), cohort_id)
    with unit_of_work() as done:
        cohorts.add_member(_user(), item, request.form.get("login"))
    if done.ok:
        flash(_("Member added."), "success")
    return redirect(url_for("training.cohort", cohort_id=cohort_id))


@bp.post("/classes/<int:cohort_id>/sessions")
@login_required
def cohort_add_session(cohort_id: int):
    _check_form()
    item = cohorts.get_cohort(_user(), cohort_id)
    starts_at = None
    raw = request.form.get("starts_at")
    if raw:
        try:
            starts_at = datetime.fromisoformat(raw).replace(tzinfo=reports.VN_OFFSET)
        except ValueError:
            starts_at = None
    with unit_of_work() as done:
        cohorts.add_session(_user(), item, starts_at=starts_at, place=request.form.get("place"),
                            topic=request.form.get("topic"))
    if done.ok:
        flash(_("Session added to the schedule."), "success")
    return redirect(url_for("training.cohort", cohort_id=cohort_id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    session = cohorts.get_session(_user(), session_id)
    if request.method == "POST":
        _check_form()
        present = {i for i in (_int(v) for v in request.form.getlist("present")) if i is not None}
        with unit_of_work() as done:
            count = cohorts.record_attendance(_user(), session, present)
        if done.ok:
            flash(_("Attendance saved: %(n)s present.", n=count), "success")
            return redirect(url_for("training.cohort", cohort_id=session.cohort_id))
    return render_template("training/attendance.html", session=session, marks=cohorts.attendance_of(session),
                           form=EmptyForm())


# --- report ---------------------------------------------------------------------------------------

def _period() -> tuple[date, date]:
    today = reports.vn_today()
    end = _date(request.args.get("to")) or today
    start = _date(request.args.get("from")) or (end - timedelta(days=365))
    if start > end:
        start, end = end, start
    return start, end


def _stage_labels() -> list[str]:
    return [_("Enrolled"), _("Completed"), _("Certified"), _("Opened a shop"), _("First sale")]


@bp.get("/report")
@login_required
def report():
    trainer_id = services.report_scope(_user())
    start, end = _period()
    everywhere = reports.funnel(start, end, trainer_id=trainer_id)
    commune = _int(request.args.get("commune"))
    data = reports.funnel(start, end, commune, trainer_id=trainer_id) if commune else everywhere
    totals = data.totals
    # Short names under the bars: five labels must fit a 390px phone.
    short = [_("Joined"), _("Completed"), _("Certificates"), _("Shops"), _("Made a sale")]
    chart = {"labels": short, "values": [totals[s] for s in reports.STAGES]}
    return render_template("training/report.html", report=data, stages=reports.STAGES, labels=short,
                           chart=chart, start=start, end=end, commune=commune, own_classes=trainer_id is not None,
                           communes=[(row.commune_code, row.name) for row in everywhere.rows if row.commune_code],
                           classes=class_funnel.class_funnel(start, end, commune, trainer_id=trainer_id),
                           steps=class_funnel.STEPS,
                           # Short, so seven columns still read on a phone; the CSV has the full names.
                           step_labels=[_("Completed"), _("Shops"), _("First live (short)"), _("Reviewed"),
                                        _("Made a sale")])


@bp.get("/report.csv")
@login_required
def report_csv():
    trainer_id = services.report_scope(_user())
    start, end = _period()
    commune = _int(request.args.get("commune"))
    rows = reports.funnel_csv_rows(reports.funnel(start, end, commune, trainer_id=trainer_id),
                                   [_("Commune code"), _("Commune")] + _stage_labels())
    return csv_response(rows, f"training-report-{start}-{end}.csv")


def _step_labels() -> list[str]:
    return [_("Trained"), _("Opened a shop"), _("First live"), _("First reviewed live"), _("First sale")]


@bp.get("/report/classes.csv")
@login_required
def report_classes_csv():
    """The class funnel as CSV: per class, each step's count and the median days since the step before."""
    trainer_id = services.report_scope(_user())
    start, end = _period()
    labels = _step_labels()
    headers = [_("Commune code"), _("Commune"), _("Class"), _("Class members"), labels[0]]
    for label in labels[1:]:
        headers += [label, _("Days before: %(step)s", step=label)]
    report = class_funnel.class_funnel(start, end, _int(request.args.get("commune")), trainer_id=trainer_id)
    return csv_response(class_funnel.class_funnel_rows(report, headers), f"training-classes-{start}-{end}.csv")
