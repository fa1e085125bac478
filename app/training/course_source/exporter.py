"""A course → its source pack: course.yaml, one Markdown file per lesson, media named by their content."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any

import yaml

from ...core.storage import Storage
from ...core.text import slugify
from ...errors import DomainError
from ..models import Course, Lesson, Question
from .plan import COURSE_FILE, FORMAT

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same course always packs to the same bytes


class _Dumper(yaml.SafeDumper):
    """Multi-line text as YAML literal blocks (|), so a trainer can read and edit course.yaml by hand."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


class _Media:
    """Stored files copied into media/, each once, under the hash of its bytes (the same file → the same name)."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.files: dict[str, bytes] = {}

    def add(self, key: str | None) -> str | None:
        if not key:
            return None
        try:
            data = self.storage.read(key)
        except DomainError:
            return None  # a file gone from storage: the pack goes without it rather than failing
        extension = key.rsplit(".", 1)[-1].lower() if "." in key else "bin"
        name = f"media/{hashlib.sha256(data).hexdigest()[:20]}.{extension}"
        self.files[name] = data
        return name


def _media_prefix(storage: Storage) -> str:
    """What the storage puts before a key in its URLs ("/media/" on local disk, the bucket's address on S3)."""
    return storage.url("KEY")[: -len("KEY")]


def _lesson_body(lesson: Lesson, media: _Media, prefix: str) -> str:
    """Pictures the lesson shows from the storage become files of the pack: ](/media/<key>) → ](media/<hash>)."""
    pattern = re.compile(r"\]\(" + re.escape(prefix) + r"([^)\s]+)\)")

    def swap(match: re.Match) -> str:
        name = media.add(match.group(1))
        return f"]({name})" if name else match.group(0)

    return pattern.sub(swap, lesson.body or "").strip() + "\n"


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _question(question: Question, media: _Media) -> dict[str, Any]:
    return _drop_empty({
        "kind": question.kind, "prompt": question.prompt, "explanation": question.explanation,
        "image": media.add(question.image_key), "accepted": question.accepted,
        "choices": [_drop_empty({"text": c.text, "correct": c.is_correct, "explanation": c.explanation,
                                 "image": media.add(c.image_key)}) for c in question.choices],
    })


def course_document(course: Course, storage: Storage) -> tuple[dict[str, Any], dict[str, bytes]]:
    """course.yaml's content and the other files of the pack (lessons and media) by name."""
    from ..review.rubric import criteria_of

    media = _Media(storage)
    prefix = _media_prefix(storage)
    files: dict[str, bytes] = {}
    modules = []
    for m_number, module in enumerate(course.modules, 1):
        lessons = []
        for l_number, lesson in enumerate(module.lessons, 1):
            name = f"lessons/{m_number:02d}-{l_number:02d}-{slugify(lesson.title, 40)}.md"
            files[name] = _lesson_body(lesson, media, prefix).encode("utf-8")
            lessons.append(_drop_empty({
                "title": lesson.title, "minutes": lesson.minutes, "body": name,
                "video": media.add(lesson.video_key), "video_low": media.add(lesson.video_low_key),
                "attachments": [{"file": media.add(a.key), "name": a.filename} for a in lesson.attachments],
            }))
        modules.append(_drop_empty({
            "title": module.title, "lessons": lessons,
            "quizzes": [{"title": q.title, "pass_mark": q.pass_mark,
                         "questions": [_question(x, media) for x in q.questions]} for q in module.quizzes],
            "tasks": [_drop_empty({"kind": t.kind, "title": t.title, "instructions": t.instructions,
                                   "params": t.params or {}}) for t in module.tasks],
        }))
    document = _drop_empty({
        "format": FORMAT, "slug": course.slug, "title": course.title, "summary": course.summary,
        "title_en": course.title_en, "summary_en": course.summary_en,
        "prerequisites": [c.slug for c in course.prerequisites],
        "rubric": [_drop_empty({"title": c.title, "title_en": c.title_en, "guidance": c.guidance,
                                "max_score": c.max_score, "target_seconds": c.target_seconds})
                   for c in criteria_of(course)],
        "modules": modules,
    })
    files.update(media.files)
    return document, files


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def export_course(course: Course, storage: Storage) -> bytes:
    """The course's source pack as a zip (the same course always gives the same bytes)."""
    document, files = course_document(course, storage)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [(COURSE_FILE, dump_yaml(document).encode("utf-8"))] + sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()
