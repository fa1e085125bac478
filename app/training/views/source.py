"""Course source pack pages (thin): export a course as a zip; import one with a preview and its problems."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.forms import EmptyForm
from ...core.storage import get_storage
from ...core.text import slugify
from ...core.uploads import PRIVATE_PREFIX
from ...core.web import unit_of_work
from ...errors import DomainError
from ...extensions import db
from .. import bp, services
from ..course_source import ZipFiles, export_course, import_course, preview_course
from ..forms import check_form
from ..models import Course

# The uploaded pack waits in storage between the preview and the confirmation; only its key is in the session.
PENDING = "course_import"


def _staff():
    return services.require_staff(current_user if current_user.is_authenticated else None)


def _max_bytes() -> int | None:
    return current_app.config.get("MAX_CONTENT_LENGTH")


@bp.get("/author/<int:course_id>/source.zip")
@login_required
def author_export(course_id: int):
    _staff()
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    return Response(export_course(course, get_storage()), mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename={course.slug}-source.zip"})


def _forget_pending() -> None:
    key = session.pop(PENDING, None)
    if isinstance(key, str):
        get_storage().delete(key)


@bp.route("/author/import", methods=["GET", "POST"])
@login_required
def author_import():
    """GET: the upload form. POST: the pack's preview and problems; a clean pack waits for the confirmation."""
    _staff()
    if request.method == "GET":
        return render_template("training/author/import.html", form=EmptyForm(), result=None)
    check_form()
    upload = request.files.get("pack")
    if upload is None or not upload.filename:
        flash(_("Choose the course's zip file first."), "error")
        return redirect(url_for("training.author_import"))
    data = upload.read()
    slug = slugify(request.form.get("slug") or "", 80) if (request.form.get("slug") or "").strip() else None
    result = preview_course(current_user, ZipFiles(data, max_bytes=_max_bytes()), slug=slug)
    db.session.rollback()
    _forget_pending()
    if result.ok:
        session[PENDING] = get_storage().save(data, prefix=f"{PRIVATE_PREFIX}training/imports", extension="zip",
                                              content_type="application/zip")
    return render_template("training/author/import.html", form=EmptyForm(), result=result, slug=slug or "",
                           filename=upload.filename), (200 if result.ok else 422)


@bp.post("/author/import/confirm")
@login_required
def author_import_confirm():
    check_form()
    _staff()
    key = session.get(PENDING)
    if not isinstance(key, str):
        flash(_("The preview expired. Please choose the file again."), "error")
        return redirect(url_for("training.author_import"))
    if request.form.get("action") == "cancel":
        _forget_pending()
        return redirect(url_for("training.author_courses"))
    storage = get_storage()
    try:
        data = storage.read(key)
    except DomainError:
        session.pop(PENDING, None)
        flash(_("The preview expired. Please choose the file again."), "error")
        return redirect(url_for("training.author_import"))
    slug = slugify(request.form.get("slug") or "", 80) if (request.form.get("slug") or "").strip() else None
    with unit_of_work() as done:
        course = import_course(current_user, ZipFiles(data, max_bytes=_max_bytes()), storage, slug=slug)
    _forget_pending()
    if not done.ok:
        return redirect(url_for("training.author_import"))
    flash(_("The course was imported as a draft. Look it over, then publish it."), "success")
    return redirect(url_for("training.author_course", course_id=course.id))
