"""Write side of authoring: trainers and admins create and publish courses, lessons, quizzes and tasks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..core.storage import Storage
from ..core.text import slugify
from ..core.uploads import ATTACHMENTS, AUDIO_VIDEO, save_image, save_upload
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .models import QUESTION_KINDS, Attachment, Choice, Course, Lesson, Module, PracticalTask, Question, Quiz
from .services import require_staff

# What each practical-task checker looks for, in words an author understands.
TASK_KINDS = {
    "product_with_photos": _l("A published product with at least three photos and a price"),
    "practice_orders": _l("At least five orders closed correctly in a practice live"),
    "first_real_order": _l("The first real order from a buyer"),
    "vietqr_matched": _l("A VietQR payment matched to its order"),
}
MAX_VIDEO_BYTES = 200 * 1024 * 1024


def _text(value: str | None, label: Any, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_l("Please fill in: %(field)s", field=label), code="required")
    if len(value) > max_length:
        raise InvalidInput(_l("%(field)s is too long.", field=label), code="too_long")
    return value


def _unique_slug(title: str, except_id: int | None = None) -> str:
    base = slugify(title, 70)
    slug, n = base, 2
    while True:
        query = select(Course.id).where(Course.slug == slug)
        if except_id is not None:
            query = query.where(Course.id != except_id)
        if db.session.scalar(query) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


@dataclass
class CourseData:
    title: str | None
    summary: str | None = ""
    title_en: str | None = None
    summary_en: str | None = None
    prerequisite_ids: list[int] = field(default_factory=list)


def _apply_course(course: Course, data: CourseData) -> None:
    course.title = _text(data.title, _l("Title"), max_length=160)
    course.summary = _text(data.summary, _l("Summary"), max_length=2000, required=False)
    course.title_en = _text(data.title_en, _l("English title"), max_length=160, required=False) or None
    course.summary_en = _text(data.summary_en, _l("English summary"), max_length=2000, required=False) or None
    wanted = [i for i in data.prerequisite_ids if i != course.id]
    prerequisites = list(db.session.scalars(select(Course).where(Course.id.in_(wanted)))) if wanted else []
    if len(prerequisites) != len(set(wanted)):
        raise InvalidInput(_l("A prerequisite course does not exist."), code="prerequisite")
    course.prerequisites = prerequisites


def create_course(actor: User | None, data: CourseData, *, slug: str | None = None) -> Course:
    actor = require_staff(actor)
    course = Course(status="draft", created_by_id=actor.id)
    _apply_course(course, data)
    course.slug = slugify(slug, 80) if slug else _unique_slug(course.title)
    course.position = (db.session.scalar(select(func.max(Course.position))) or 0) + 1
    db.session.add(course)
    db.session.flush()
    return course


def update_course(actor: User | None, course: Course, data: CourseData) -> Course:
    require_staff(actor)
    _apply_course(course, data)
    db.session.flush()
    return course


def set_course_status(actor: User | None, course: Course, status: str) -> Course:
    require_staff(actor)
    if status not in ("draft", "published"):
        raise InvalidInput(code="status")
    if status == "published" and not course.lessons:
        raise InvalidInput(_l("Add at least one lesson before publishing."), code="empty_course")
    course.status = status
    db.session.flush()
    return course


def add_module(actor: User | None, course: Course, title: str | None) -> Module:
    require_staff(actor)
    module = Module(course_id=course.id, title=_text(title, _l("Title"), max_length=160),
                    position=len(course.modules) + 1)
    db.session.add(module)
    db.session.flush()
    db.session.refresh(course)
    return module


def get_module(module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        raise NotFound()
    return module


@dataclass
class LessonData:
    title: str | None
    body: str | None = ""
    minutes: int | None = 5


def _apply_lesson(lesson: Lesson, data: LessonData) -> None:
    lesson.title = _text(data.title, _l("Title"), max_length=160)
    lesson.body = _text(data.body, _l("Lesson text"), max_length=60_000, required=False)
    try:
        minutes = int(data.minutes if data.minutes is not None else 5)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Minutes must be a number."), code="minutes") from None
    if not 0 <= minutes <= 600:
        raise InvalidInput(_l("Minutes must be between 0 and 600."), code="minutes")
    lesson.minutes = minutes


def add_lesson(actor: User | None, module: Module, data: LessonData) -> Lesson:
    require_staff(actor)
    lesson = Lesson(module_id=module.id, position=len(module.lessons) + 1)
    _apply_lesson(lesson, data)
    db.session.add(lesson)
    db.session.flush()
    db.session.refresh(module)
    return lesson


def update_lesson(actor: User | None, lesson: Lesson, data: LessonData) -> Lesson:
    require_staff(actor)
    _apply_lesson(lesson, data)
    db.session.flush()
    return lesson


def set_lesson_video(actor: User | None, lesson: Lesson, data: bytes, filename: str, storage: Storage, *,
                     low: bool = False, max_bytes: int = MAX_VIDEO_BYTES) -> str:
    """Store a video (or an audio-only/low rendition when low=True) and remember its size for the page.

    The type is read from the bytes (core/uploads.py); the file's name is not trusted for anything."""
    require_staff(actor)
    if len(data) > max_bytes:
        raise InvalidInput(_l("The video is too large."), code="video_too_large")
    stored = save_upload(storage, data, prefix="training/video", accept=AUDIO_VIDEO,
                         refused_message=_l("Please upload an MP4 or WebM video, or an M4A/MP3 audio file."))
    if low:
        lesson.video_low_key, lesson.video_low_size = stored.key, stored.size
    else:
        lesson.video_key, lesson.video_size = stored.key, stored.size
    db.session.flush()
    return stored.key


def add_attachment(actor: User | None, lesson: Lesson, data: bytes, filename: str, storage: Storage) -> Attachment:
    """A file to download under the lesson: PDF, office document, picture or audio/video, recognised by its bytes.

    The name shown keeps what the trainer typed but ends in the detected type ("bang-gia.html" holding a PDF is
    offered as "bang-gia.pdf"), so a download never opens as something else on the learner's phone."""
    require_staff(actor)
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    _text(stem, _l("File"), max_length=150)
    stored = save_upload(storage, data, prefix="training/files", accept=ATTACHMENTS)
    name = f"{stem.strip()[:150]}.{stored.extension}"
    attachment = Attachment(lesson_id=lesson.id, key=stored.key, filename=name, size=stored.size)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def add_lesson_picture(actor: User | None, lesson: Lesson, raw: bytes, storage: Storage, alt: str | None = None) -> str:
    """Store a picture (checked and re-encoded, phone-sized) and append it to the lesson text as Markdown."""
    require_staff(actor)
    key = save_image(storage, raw, prefix="training/pictures", max_side=1000).key
    label = (alt or "").strip().replace("]", "").replace("[", "")[:120]
    lesson.body = (lesson.body or "").rstrip() + f"\n\n![{label}]({storage.url(key)})\n"
    db.session.flush()
    return key


def add_quiz(actor: User | None, module: Module, title: str | None, pass_mark: int | None = 70) -> Quiz:
    require_staff(actor)
    try:
        mark = int(pass_mark if pass_mark is not None else 70)
    except (TypeError, ValueError):
        raise InvalidInput(_l("The pass mark must be a number from 0 to 100."), code="pass_mark") from None
    if not 0 <= mark <= 100:
        raise InvalidInput(_l("The pass mark must be a number from 0 to 100."), code="pass_mark")
    quiz = Quiz(module_id=module.id, title=_text(title, _l("Title"), max_length=160), pass_mark=mark,
                position=len(module.quizzes) + 1)
    db.session.add(quiz)
    db.session.flush()
    db.session.refresh(module)
    return quiz


def store_quiz_image(actor: User | None, raw: bytes, storage: Storage) -> str:
    """A picture for a picture-choice question, checked and re-encoded like product photos."""
    require_staff(actor)
    return save_image(storage, raw, prefix="training/quiz", max_side=800).key


@dataclass
class ChoiceData:
    text: str
    correct: bool = False
    explanation: str | None = None
    image_key: str | None = None


def add_question(actor: User | None, quiz: Quiz, *, kind: str, prompt: str | None, choices: list[ChoiceData],
                 accepted: list[str] | None = None, explanation: str | None = None,
                 image_key: str | None = None) -> Question:
    """A question with its choices; every choice question needs a right answer, short ones an accepted answer."""
    require_staff(actor)
    if kind not in QUESTION_KINDS:
        raise InvalidInput(_l("Unknown question type."), code="kind")
    question = Question(quiz_id=quiz.id, kind=kind, prompt=_text(prompt, _l("Question"), max_length=2000),
                        explanation=(explanation or "").strip() or None, image_key=image_key,
                        position=len(quiz.questions) + 1)
    if kind == "short":
        answers = [a.strip() for a in (accepted or []) if a.strip()]
        if not answers:
            raise InvalidInput(_l("Give at least one accepted answer."), code="accepted")
        question.accepted_answers = "\n".join(answers)
    else:
        rows = [c for c in choices if c.text.strip() or c.image_key]
        if len(rows) < 2:
            raise InvalidInput(_l("Give at least two choices."), code="choices")
        right = sum(1 for c in rows if c.correct)
        if right == 0 or (kind in ("single", "picture") and right != 1):
            raise InvalidInput(_l("Mark the right answer (exactly one for a single-choice question)."),
                               code="correct")
        for position, c in enumerate(rows, 1):
            question.choices.append(Choice(text=_text(c.text, _l("Choice"), max_length=300, required=False),
                                           is_correct=c.correct, explanation=(c.explanation or "").strip() or None,
                                           image_key=c.image_key, position=position))
    db.session.add(question)
    db.session.flush()
    db.session.refresh(quiz)
    return question


def add_task(actor: User | None, module: Module, *, title: str | None, kind: str | None,
             instructions: str | None = "", params: dict | None = None) -> PracticalTask:
    require_staff(actor)
    from .services import check_registry

    kind = (kind or "").strip()
    registry = check_registry()
    if not kind or (registry and kind not in registry):
        raise InvalidInput(_l("Unknown kind of practical task."), code="task_kind")
    task = PracticalTask(module_id=module.id, title=_text(title, _l("Title"), max_length=160), kind=kind,
                         instructions=(instructions or "").strip(), params=params or {},
                         position=len(module.tasks) + 1)
    db.session.add(task)
    db.session.flush()
    db.session.refresh(module)
    return task
