"""A downloadable course pack: one zip of plain HTML pages (and their pictures) to read with no connection."""
from __future__ import annotations

import io
import re
import zipfile

from flask import render_template

from ..core.markup import render_markdown
from ..core.storage import Storage
from ..errors import DomainError
from .models import Course

MEDIA_SRC = re.compile(r'src="/media/([^"]+)"')


def _with_local_pictures(html: str, storage: Storage, zf: zipfile.ZipFile, seen: set[str]) -> str:
    """Copy each picture the lesson shows from /media into the zip and point the page at the copy."""

    def swap(match: re.Match) -> str:
        key = match.group(1)
        name = "pictures/" + key.replace("/", "_")
        if name not in seen:
            try:
                zf.writestr(name, storage.read(key))
            except DomainError:
                return match.group(0)
            seen.add(name)
        return f'src="{name}"'

    return MEDIA_SRC.sub(swap, html)


def course_pack(course: Course, storage: Storage, locale: str) -> bytes:
    """index.html with the outline, then one page per lesson, in reading order."""
    out = io.BytesIO()
    lessons = course.lessons
    pictures: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", render_template("training/pack/index.html", course=course, locale=locale))
        for number, lesson in enumerate(lessons, 1):
            body = _with_local_pictures(str(render_markdown(lesson.body)), storage, zf, pictures)
            zf.writestr(f"lesson-{number:02d}.html", render_template(
                "training/pack/lesson.html", course=course, lesson=lesson, body=body, number=number,
                total=len(lessons), locale=locale))
    return out.getvalue()
