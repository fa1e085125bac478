"""Authoring pages for trainers and admins (thin): courses, modules, lessons, quizzes, tasks, publishing."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...accounts.forms import EmptyForm
from ...core.storage import get_storage
from ...core.web import allow_large_body, unit_of_work
from ...errors import NotFound
from ...extensions import db
from .. import arrange, authoring, bp, services
from ..models import QUESTION_KINDS, Course, Lesson, Question, Quiz
from ..review.models import RubricCriterion


def _staff():
    return services.require_staff(current_user if current_user.is_authenticated else None)


def _check_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _get(model, object_id: int):
    row = db.session.get(model, object_id)
    if row is None:
        raise NotFound()
    return row


def _course_data() -> authoring.CourseData:
    ids = []
    for raw in request.form.getlist("prerequisites"):
        if raw.isdigit():
            ids.append(int(raw))
    return authoring.CourseData(title=request.form.get("title"), summary=request.form.get("summary"),
                                title_en=request.form.get("title_en"), summary_en=request.form.get("summary_en"),
                                prerequisite_ids=ids)


@bp.get("/author")
@login_required
def author_courses():
    _staff()
    courses = db.session.scalars(select(Course).order_by(Course.position, Course.id)).all()
    return render_template("training/author/courses.html", courses=courses, form=EmptyForm())


@bp.post("/author")
@login_required
def author_course_create():
    _check_form()
    with unit_of_work() as done:
        course = authoring.create_course(current_user, _course_data())
    if done.ok:
        flash(_("Course created. Add a module and lessons, then publish."), "success")
        return redirect(url_for("training.author_course", course_id=course.id))
    return redirect(url_for("training.author_courses"))


@bp.get("/author/<int:course_id>")
@login_required
def author_course(course_id: int):
    _staff()
    course = _get(Course, course_id)
    others = db.session.scalars(select(Course).where(Course.id != course.id).order_by(Course.position)).all()
    return render_template("training/author/course.html", course=course, others=others, form=EmptyForm(),
                           kinds=sorted(services.check_registry()), kind_labels=authoring.TASK_KINDS,
                           question_kinds=QUESTION_KINDS, archived=arrange.archived_in(course))


@bp.post("/author/<int:course_id>")
@login_required
def author_course_update(course_id: int):
    _check_form()
    course = _get(Course, course_id)
    action = request.form.get("action", "save")
    with unit_of_work() as done:
        if action in ("publish", "unpublish"):
            authoring.set_course_status(current_user, course, "published" if action == "publish" else "draft")
        elif action == "module":
            authoring.add_module(current_user, course, request.form.get("module_title"))
        else:
            authoring.update_course(current_user, course, _course_data())
    if done.ok:
        flash(_("Saved."), "success")
    return redirect(url_for("training.author_course", course_id=course_id))


@bp.post("/author/module/<int:module_id>/add")
@login_required
def author_module_add(module_id: int):
    _check_form()
    module = authoring.get_module(module_id)
    what = request.form.get("what")
    with unit_of_work() as done:
        if what == "lesson":
            created = authoring.add_lesson(current_user, module, authoring.LessonData(
                title=request.form.get("title"), body="", minutes=request.form.get("minutes") or 5))
        elif what == "quiz":
            created = authoring.add_quiz(current_user, module, request.form.get("title"),
                                         request.form.get("pass_mark") or 70)
        elif what == "task":
            created = authoring.add_task(current_user, module, title=request.form.get("title"),
                                         kind=request.form.get("kind"), instructions=request.form.get("instructions"))
        else:
            abort(400)
    if done.ok:
        flash(_("Saved."), "success")
        if what == "lesson":
            return redirect(url_for("training.author_lesson", lesson_id=created.id))
        if what == "quiz":
            return redirect(url_for("training.author_quiz", quiz_id=created.id))
    return redirect(url_for("training.author_course", course_id=module.course_id))


# The lesson form carries its video: from a trainer or an admin it takes up to MAX_VIDEO_MB, not the 8 MB of a photo
# (deploy/nginx too); anyone else's body is refused at the photo limit before it is read.
allow_large_body("training.author_lesson", "MAX_VIDEO_MB",
                 lambda: bool(current_user.is_authenticated and services.is_staff(current_user)))


@bp.route("/author/lesson/<int:lesson_id>", methods=["GET", "POST"])
@login_required
def author_lesson(lesson_id: int):
    _staff()
    lesson = _get(Lesson, lesson_id)
    if request.method == "POST":
        _check_form()
        video_bytes = int(current_app.config["MAX_VIDEO_MB"]) * 1024 * 1024
        with unit_of_work() as done:
            authoring.update_lesson(current_user, lesson, authoring.LessonData(
                title=request.form.get("title"), body=request.form.get("body"), minutes=request.form.get("minutes")))
            storage = get_storage()
            video = request.files.get("video")
            if video and video.filename:
                authoring.set_lesson_video(current_user, lesson, video.read(), video.filename, storage,
                                           max_bytes=video_bytes)
            low = request.files.get("video_low")
            if low and low.filename:
                authoring.set_lesson_video(current_user, lesson, low.read(), low.filename, storage, low=True,
                                           max_bytes=video_bytes)
            picture = request.files.get("picture")
            if picture and picture.filename:
                authoring.add_lesson_picture(current_user, lesson, picture.read(), storage,
                                             request.form.get("picture_alt"))
            attachment = request.files.get("attachment")
            if attachment and attachment.filename:
                authoring.add_attachment(current_user, lesson, attachment.read(), attachment.filename, storage)
        if done.ok:
            flash(_("Saved."), "success")
            return redirect(url_for("training.author_lesson", lesson_id=lesson.id))
    return render_template("training/author/lesson.html", lesson=lesson, form=EmptyForm())


@bp.route("/author/quiz/<int:quiz_id>", methods=["GET", "POST"])
@login_required
def author_quiz(quiz_id: int):
    _staff()
    quiz = _get(Quiz, quiz_id)
    if request.method == "POST":
        _check_form()
        with unit_of_work() as done:
            choices = []
            for i in range(1, 5):
                text = (request.form.get(f"choice{i}") or "").strip()
                picture = request.files.get(f"image{i}")
                image_key = (authoring.store_quiz_image(current_user, picture.read(), get_storage())
                             if picture and picture.filename else None)
                if text or image_key:
                    choices.append(authoring.ChoiceData(text=text, correct=bool(request.form.get(f"correct{i}")),
                                                        explanation=request.form.get(f"why{i}"), image_key=image_key))
            authoring.add_question(current_user, quiz, kind=request.form.get("kind", "single"),
                                   prompt=request.form.get("prompt"), choices=choices,
                                   accepted=(request.form.get("accepted") or "").splitlines(),
                                   explanation=request.form.get("explanation"))
        if done.ok:
            flash(_("Question added."), "success")
            return redirect(url_for("training.author_quiz", quiz_id=quiz.id))
    return render_template("training/author/quiz.html", quiz=quiz, form=EmptyForm(), question_kinds=QUESTION_KINDS)


# --- reorder, delete or archive, restore ------------------------------------------------------------

def _item(kind: str, item_id: int):
    model = arrange.KINDS.get(kind)
    if model is None:
        raise NotFound()
    return _get(model, item_id)


def _back_to(item) -> str:
    """Questions are arranged on their quiz's page, criteria on the rubric's, everything else on the course's."""
    if isinstance(item, Question):
        return url_for("training.author_quiz", quiz_id=item.quiz_id)
    if isinstance(item, RubricCriterion):
        return url_for("training.author_rubric", course_id=item.course_id)
    anchor = f"#{type(item).__name__.lower()}-{item.id}"
    return url_for("training.author_course", course_id=arrange.course_of(item).id) + anchor


@bp.post("/author/<kind>/<int:item_id>/move")
@login_required
def author_move(kind: str, item_id: int):
    """Up or down one place (a plain form: works without JavaScript)."""
    _check_form()
    item = _item(kind, item_id)
    with unit_of_work():
        arrange.move(current_user, item, request.form.get("direction"))
    return redirect(_back_to(item))


@bp.route("/author/<kind>/<int:item_id>/remove", methods=["GET", "POST"])
@login_required
def author_remove(kind: str, item_id: int):
    """A page that says what will happen (deleted, archived, or refused and why), then does it when confirmed."""
    _staff()
    item = _item(kind, item_id)
    back = _back_to(item)
    if request.method == "POST":
        _check_form()
        with unit_of_work() as done:
            outcome = arrange.remove(current_user, item)
        if done.ok:
            flash(_("Archived: learners keep their progress, and you can restore it.") if outcome == "archived"
                  else _("Deleted."), "success")
        return redirect(back.split("#", 1)[0])
    return render_template("training/author/remove.html", kind=kind, item=item, depends=arrange.depends(item),
                           back=back, form=EmptyForm())


@bp.post("/author/<kind>/<int:item_id>/restore")
@login_required
def author_restore(kind: str, item_id: int):
    _check_form()
    item = _item(kind, item_id)
    with unit_of_work() as done:
        arrange.restore(current_user, item)
    if done.ok:
        flash(_("Restored."), "success")
    return redirect(_back_to(item))
