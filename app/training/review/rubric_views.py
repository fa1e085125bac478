"""The rubric page of a course (thin): start from the default lines, add and edit lines (arranging is authoring's)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...core.web import unit_of_work
from ...extensions import db
from .. import bp, services
from ..forms import check_form
from ..models import Course
from . import rubric
from .models import RubricCriterion


def _data() -> rubric.CriterionData:
    return rubric.CriterionData(title=request.form.get("title"), title_en=request.form.get("title_en"),
                                guidance=request.form.get("guidance"), max_score=request.form.get("max_score"),
                                target_seconds=request.form.get("target_seconds"))


@bp.route("/author/<int:course_id>/rubric", methods=["GET", "POST"])
@login_required
def author_rubric(course_id: int):
    services.require_staff(current_user)
    course = db.get_or_404(Course, course_id)
    if request.method == "POST":
        check_form()
        with unit_of_work() as done:
            if request.form.get("action") == "defaults":
                rubric.ensure_rubric(current_user, course)
            else:
                rubric.add_criterion(current_user, course, _data())
        if done.ok:
            flash(_("Saved."), "success")
        return redirect(url_for("training.author_rubric", course_id=course.id))
    return render_template("training/author/rubric.html", course=course, criteria=rubric.criteria_of(course),
                           archived=rubric.criteria_of(course, archived=True), form=EmptyForm())


@bp.post("/author/rubric/<int:criterion_id>")
@login_required
def author_criterion(criterion_id: int):
    check_form()
    criterion = db.get_or_404(RubricCriterion, criterion_id)
    with unit_of_work() as done:
        rubric.update_criterion(current_user, criterion, _data())
    if done.ok:
        flash(_("Saved."), "success")
    return redirect(url_for("training.author_rubric", course_id=criterion.course_id) + f"#criterion-{criterion.id}")
