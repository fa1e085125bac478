"""Live review pages (thin): the member's consent, the trainer's list of a member's lives, the review itself, and
a course's rubric (start from the default lines, add and edit lines; arranging them is authoring's)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...core.web import unit_of_work
from ...errors import NotFound
from ...extensions import db
from .. import bp
from ..forms import check_form, int_or_none
from ..models import CohortMember, Course
from ..services import require_staff
from . import queries, rubric, services
from .models import RubricCriterion


@bp.app_template_filter("moment")
def moment_filter(seconds: float) -> str:
    return services.format_moment(seconds)


@bp.app_context_processor
def review_prompts():
    """Training pages ask a class member once whether their trainer may review their lives (until they answer)."""
    return {"review_consent_prompts": lambda: queries.pending_consents(current_user)}


# --- the member's consent -------------------------------------------------------------------------

@bp.route("/classes/<int:cohort_id>/consent", methods=["GET", "POST"])
@login_required
def review_consent(cohort_id: int):
    member = db.session.scalar(db.select(CohortMember).where(CohortMember.cohort_id == cohort_id,
                                                             CohortMember.user_id == current_user.id))
    if member is None:
        raise NotFound(_("We could not find that class."))
    if request.method == "POST":
        check_form()
        answer = request.form.get("answer")
        if answer not in ("yes", "no"):
            abort(400)
        with unit_of_work() as done:
            services.set_consent(current_user, cohort_id, answer == "yes")
        if done.ok:
            flash(_("Thank you. Your trainer may now review your lives.") if answer == "yes"
                  else _("Noted: your trainer will not review your lives. You can change this at any time."), "success")
        return redirect(url_for("training.my_reviews"))
    return render_template("training/review/consent.html", member=member, form=EmptyForm())


# --- the trainer ----------------------------------------------------------------------------------

@bp.get("/classes/<int:cohort_id>/members/<int:user_id>/lives")
@login_required
def member_lives(cohort_id: int, user_id: int):
    """A member's ended real lives, to open a review; refused with a clear message without their consent."""
    member = services.reviewable_member(current_user, cohort_id, user_id)
    return render_template("training/review/lives.html", member=member, cohort=member.cohort,
                           lives=services.lives_of(user_id), reviews=queries.reviews_by_live(cohort_id, user_id),
                           form=EmptyForm())


@bp.post("/reviews")
@login_required
def review_open():
    check_form()
    with unit_of_work() as done:
        review = services.open_review(current_user, int_or_none(request.form.get("cohort_id")),
                                      int_or_none(request.form.get("trainee_id")),
                                      int_or_none(request.form.get("live_id")))
    if not done.ok:
        return redirect(url_for("training.cohorts"))
    return redirect(url_for("training.review", review_id=review.id))


# --- the review -----------------------------------------------------------------------------------

@bp.get("/reviews")
@login_required
def my_reviews():
    """The trainee's reviews, latest first, and their answer to each class's question about reviews."""
    return render_template("training/review/mine.html", reviews=queries.reviews_of(current_user.id),
                           memberships=queries.memberships_of(current_user), form=EmptyForm())


@bp.get("/reviews/<int:review_id>")
@login_required
def review(review_id: int):
    item = services.readable_review(current_user, review_id)
    page = queries.review_page(item)
    return render_template("training/review/review.html", page=page, review=item,
                           is_reviewer=services.is_reviewer(current_user, item), form=EmptyForm())


@bp.post("/reviews/<int:review_id>/notes")
@login_required
def review_add_note(review_id: int):
    check_form()
    item = services.writable_review(current_user, review_id)
    with unit_of_work() as done:
        note = services.add_note(current_user, item, request.form.get("at"), request.form.get("text"))
    anchor = f"#note-{note.id}" if done.ok else "#note-form"
    return redirect(url_for("training.review", review_id=review_id) + anchor)


@bp.post("/reviews/<int:review_id>/notes/<int:note_id>")
@login_required
def review_note(review_id: int, note_id: int):
    check_form()
    item = services.writable_review(current_user, review_id)
    note = services.get_note(item, note_id)
    with unit_of_work():
        if request.form.get("action") == "delete":
            services.delete_note(current_user, note)
        else:
            services.update_note(current_user, note, request.form.get("at"), request.form.get("text"))
    return redirect(url_for("training.review", review_id=review_id) + "#timeline")


@bp.post("/reviews/<int:review_id>/scores")
@login_required
def review_scores(review_id: int):
    check_form()
    item = services.writable_review(current_user, review_id)
    scores = {key[len("score-"):]: value for key, value in request.form.items() if key.startswith("score-")}
    with unit_of_work() as done:
        services.score_review(current_user, item, scores, request.form.get("summary"))
    if done.ok:
        flash(_("Saved. The trainee sees it on their review."), "success")
    return redirect(url_for("training.review", review_id=review_id) + "#rubric")


# The rubric of a course ----------------------------------------------------------------------------------------

def _data() -> rubric.CriterionData:
    return rubric.CriterionData(title=request.form.get("title"), title_en=request.form.get("title_en"),
                                guidance=request.form.get("guidance"), max_score=request.form.get("max_score"),
                                target_seconds=request.form.get("target_seconds"))


@bp.route("/author/<int:course_id>/rubric", methods=["GET", "POST"])
@login_required
def author_rubric(course_id: int):
    require_staff(current_user)
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
