"""Trainee pages (thin): course list, course, lesson, quiz and feedback, tasks, certificates, offline worker."""
from __future__ import annotations

import os

from flask import Response, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...core.storage import get_storage
from ...core.web import unit_of_work
from ...errors import NotFound
from ...extensions import db
from .. import bp, certificates, queries, services
from ..models import PracticalTask, Quiz
from ..pack import course_pack as build_pack

STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")


def _user():
    return current_user if current_user.is_authenticated else None


def _check_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.app_context_processor
def training_helpers():
    """Lets other pages (the shop's storefront) show training badges without importing training."""
    return {"training_badges": queries.organisation_badges}


@bp.get("/")
def index():
    user = _user()
    return render_template("training/index.html", cards=queries.course_cards(user),
                           resume=queries.continue_points(user)[:1],
                           certificates=queries.certificates_of(user) if user else [])


@bp.get("/c/<slug>")
def course(slug: str):
    user = _user()
    item = services.get_course(slug, user)
    if user is not None and services.enrolment_of(user, item) is not None and services.refresh_tasks(user, item):
        db.session.commit()
    return render_template("training/course.html", outline=queries.outline(item, user), form=EmptyForm(),
                           missing=services.missing_prerequisites(user, item) if user else [])


@bp.post("/c/<slug>/enrol")
@login_required
def enrol(slug: str):
    _check_form()
    item = services.get_course(slug, current_user)
    with unit_of_work() as done:
        services.enrol(current_user, item)
    if done.ok:
        flash(_("You joined the course. Start with the first lesson."), "success")
        first = item.lessons[0] if item.lessons else None
        if first is not None:
            return redirect(url_for("training.lesson", lesson_id=first.id))
    return redirect(url_for("training.course", slug=item.slug))


@bp.get("/lesson/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    item = services.get_lesson(lesson_id, current_user)
    enrolled = services.enrolment_of(current_user, item.course) is not None
    if not enrolled and not services.is_staff(current_user):
        flash(_("Join the course first to study this."), "error")
        return redirect(url_for("training.course", slug=item.course.slug))
    done_ids: set[int] = set()
    if enrolled:
        services.visit_lesson(current_user, item)
        db.session.commit()
        done_ids = services.completed_lesson_ids(current_user.id, item.course)
    previous = queries.neighbours(item)[0]
    following = queries.step_after(item)
    return render_template("training/lesson.html", lesson=item, previous=previous, following=following,
                           next_is_quiz=isinstance(following, Quiz), done=item.id in done_ids, enrolled=enrolled,
                           form=EmptyForm())


@bp.post("/lesson/<int:lesson_id>/done")
@login_required
def lesson_done(lesson_id: int):
    _check_form()
    item = services.get_lesson(lesson_id, current_user)
    with unit_of_work() as done:
        services.complete_lesson(current_user, item)
    if not done.ok:
        return redirect(url_for("training.course", slug=item.course.slug))
    return redirect(_step_url(queries.step_after(item)) or url_for("training.course", slug=item.course.slug))


def _step_url(step) -> str | None:
    if isinstance(step, Quiz):
        return url_for("training.quiz", quiz_id=step.id)
    return url_for("training.lesson", lesson_id=step.id) if step is not None else None


@bp.get("/quiz/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    item = services.get_quiz(quiz_id, current_user)
    if services.enrolment_of(current_user, item.course) is None and not services.is_staff(current_user):
        flash(_("Join the course first to study this."), "error")
        return redirect(url_for("training.course", slug=item.course.slug))
    return render_template("training/quiz.html", quiz=item, token=services.new_attempt_token(), form=EmptyForm(),
                           attempts=queries.attempts_of(current_user, item.id))


def _answers_from_form(item) -> dict[int, services.Answer]:
    answers: dict[int, services.Answer] = {}
    for question in item.questions:
        name = f"q{question.id}"
        if question.kind == "short":
            text = (request.form.get(name) or "").strip()
            if text:
                answers[question.id] = services.Answer([], text[:300])
            continue
        ids = []
        for raw in request.form.getlist(name):
            try:
                ids.append(int(raw))
            except ValueError:
                ids.append(-1)  # a forged value: the service refuses it with a clear message
        if ids:
            answers[question.id] = services.Answer(ids)
    return answers


@bp.post("/quiz/<int:quiz_id>")
@login_required
def quiz_submit(quiz_id: int):
    _check_form()
    item = services.get_quiz(quiz_id, current_user)
    with unit_of_work() as done:
        attempt = services.submit_quiz(current_user, item, _answers_from_form(item), request.form.get("token"))
    if not done.ok:
        if done.error is not None and done.error.code == "not_enrolled":
            return redirect(url_for("training.course", slug=item.course.slug))
        return redirect(url_for("training.quiz", quiz_id=item.id))
    return redirect(url_for("training.attempt", attempt_id=attempt.id))


@bp.get("/attempt/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    item = services.get_attempt(current_user, attempt_id)
    given = {row["question_id"]: row for row in item.answers}
    # The key only after a pass (or for the trainers): before, a trainee learns which answers were wrong and why.
    reveal = item.passed or services.is_staff(current_user) or services.has_passed(item.user_id, item.quiz)
    following = queries.first_lesson_after(item.quiz.module) if item.passed else None
    return render_template("training/attempt.html", attempt=item, quiz=item.quiz, given=given, reveal=reveal,
                           following=following)


@bp.post("/task/<int:task_id>/check")
@login_required
def task_check(task_id: int):
    _check_form()
    task = db.session.get(PracticalTask, task_id)
    if task is None or task.is_archived or not task.course.is_published:
        raise NotFound()
    with unit_of_work() as done:
        completion = services.check_task(current_user, task)
    if done.ok:
        if completion is not None:
            flash(_("Well done! This task is complete."), "success")
        else:
            flash(_("Not done yet. Follow the steps, then check again."), "info")
    return redirect(url_for("training.course", slug=task.course.slug) + f"#task-{task.id}")


@bp.get("/c/<slug>/pack.zip")
@login_required
def course_pack(slug: str):
    """Every lesson of the course as plain pages in one zip, for a phone that is often offline."""
    item = services.get_course(slug, current_user)
    if services.enrolment_of(current_user, item) is None and not services.is_staff(current_user):
        flash(_("Join the course first to study this."), "error")
        return redirect(url_for("training.course", slug=item.slug))
    data = build_pack(item, get_storage(), str(get_locale() or "vi"))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={item.slug}.zip"})


# --- certificates ---------------------------------------------------------------------------------

@bp.get("/certificates")
@login_required
def my_certificates():
    return redirect(url_for("training.index") + "#certificates")


def verify(code: str):
    """Public, printable certificate page; a forged or mistyped code answers 404 with a clear message."""
    certificate = certificates.find_certificate(code)
    return render_template("training/certificate.html", certificate=certificate, form=EmptyForm())


def verify_lookup():
    """The form on paper certificates' back: type the code, see the certificate."""
    raw = (request.args.get("code") or "").strip()
    if raw:
        normalised = certificates.normalise_code(raw)
        if normalised:
            return redirect(url_for("training.verify", code=normalised))
        flash(_("No certificate has this code. Check the code on the paper."), "error")
    return render_template("training/verify_lookup.html", code=raw)


@bp.get("/certificate/<code>/qr.svg")
def certificate_qr(code: str):
    certificate = certificates.find_certificate(code)
    svg = certificates.qr_svg(url_for("training.verify", code=certificate.code, _external=True))
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.max_age = 86400
    return response


@bp.post("/certificate/<code>/revoke")
@login_required
def certificate_revoke(code: str):
    _check_form()
    certificate = certificates.find_certificate(code)
    with unit_of_work() as done:
        certificates.revoke_certificate(current_user, certificate, request.form.get("reason"))
    if done.ok:
        flash(_("The certificate was revoked."), "success")
    return redirect(url_for("training.verify", code=certificate.code))


@bp.record_once
def _public_routes(state) -> None:
    """/verify/<code> lives at the site root: it is printed on paper, so it must stay short."""
    state.app.add_url_rule("/verify/<code>", endpoint="training.verify", view_func=verify)
    state.app.add_url_rule("/verify", endpoint="training.verify_lookup", view_func=verify_lookup)


# --- offline --------------------------------------------------------------------------------------

@bp.get("/sw.js")
def service_worker():
    """Served under /training/ so its scope covers every training page (and nothing else)."""
    response = send_from_directory(STATIC_DIR, "training-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    return render_template("training/offline.html")
