"""A pack written as a new draft course through the authoring services, in one transaction, or not at all.

The plan (plan.py) catches what the files say wrong; then a dry run writes the whole course inside a savepoint with
the authoring services (so a pack obeys exactly the rules of the authoring pages), notes every refusal with its
place, and rolls back. Only a pack without problems is written for real; if anything still fails, the savepoint
is rolled back and the media it stored are deleted again.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import select

from ...accounts.models import User
from ...core.images import process_image
from ...core.storage import Storage, new_key
from ...errors import DomainError, InvalidInput
from ...extensions import db
from .. import authoring
from ..models import Course, Module, Quiz
from ..services import require_staff
from .files import PackFiles
from .plan import MEDIA_REF, CoursePlan, LessonPlan, Problem, QuestionPlan, build_plan

LESSON_PICTURE_SIDE = 1000  # as authoring.add_lesson_picture
QUIZ_PICTURE_SIDE = 800  # as authoring.store_quiz_image


class DryStorage:
    """Storage for the dry run: keys are made up, nothing is written anywhere."""

    def save(self, data: bytes, *, prefix: str, extension: str, content_type: str | None = None) -> str:
        return new_key(prefix, extension)

    def read(self, key: str) -> bytes:  # pragma: no cover - the importer never reads back
        raise NotImplementedError

    def delete(self, key: str) -> None:
        return None

    def url(self, key: str) -> str:
        return f"/media/{key}"


class TrackedStorage:
    """The real storage, remembering what it saved so a failed import can delete it again."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.saved: list[str] = []

    def save(self, data: bytes, *, prefix: str, extension: str, content_type: str | None = None) -> str:
        key = self.storage.save(data, prefix=prefix, extension=extension, content_type=content_type)
        self.saved.append(key)
        return key

    def read(self, key: str) -> bytes:
        return self.storage.read(key)

    def delete(self, key: str) -> None:
        self.storage.delete(key)

    def url(self, key: str) -> str:
        return self.storage.url(key)

    def forget_all(self) -> None:
        for key in self.saved:
            self.storage.delete(key)
        self.saved.clear()


@dataclass
class ImportResult:
    plan: CoursePlan | None
    problems: list[Problem] = field(default_factory=list)
    course: Course | None = None

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.problems


class _Writer:
    """Writes a plan with the authoring services; each refusal becomes a problem and the next item goes on."""

    def __init__(self, actor: User, files: PackFiles, storage: Any):
        self.actor, self.files, self.storage = actor, files, storage
        self.problems: list[Problem] = []
        self.pictures: dict[tuple[str, int], str] = {}

    def attempt(self, where: str, work):
        try:
            return work()
        except DomainError as exc:
            self.problems.append(Problem(exc.code, exc.message, where))
            return None

    def picture(self, name: str, side: int, prefix: str) -> str:
        """A picture stored once per pack; re-encoded as uploads are, unless it already is what an upload gives
        (WebP, small enough, no metadata), so a pack exported here comes back byte for byte."""
        if (name, side) not in self.pictures:
            raw = self.files.read(name) or b""
            processed = process_image(raw, max_side=side)
            data = raw if _already_processed(raw, side) else processed.data
            self.pictures[(name, side)] = self.storage.save(data, prefix=prefix, extension="webp",
                                                            content_type="image/webp")
        return self.pictures[(name, side)]

    def course(self, plan: CoursePlan) -> Course | None:
        prerequisites = []
        for slug in plan.prerequisites:
            found = db.session.scalar(select(Course.id).where(Course.slug == slug))
            if found is None:
                self.problems.append(Problem("missing_prerequisite", _l(
                    "The course to take first, “%(slug)s”, does not exist here. Import it first.", slug=slug),
                    "course.yaml"))
            else:
                prerequisites.append(found)
        course = self.attempt("course.yaml", lambda: authoring.create_course(self.actor, authoring.CourseData(
            title=plan.title, summary=plan.summary, title_en=plan.title_en, summary_en=plan.summary_en,
            prerequisite_ids=prerequisites), slug=plan.slug))
        if course is None:
            return None
        from ..review import rubric

        for number, criterion in enumerate(plan.rubric, 1):
            self.attempt(f"{_l('Rubric')} › {number}", lambda c=criterion: rubric.add_criterion(
                self.actor, course, rubric.CriterionData(c.title, c.title_en, c.guidance, c.max_score,
                                                         c.target_seconds)))
        for m_number, module_plan in enumerate(plan.modules, 1):
            where = str(_l("Module %(n)s", n=m_number))
            module = self.attempt(where, lambda mp=module_plan: authoring.add_module(self.actor, course, mp.title))
            if module is None:
                continue
            for n, lesson in enumerate(module_plan.lessons, 1):
                self.lesson(module, lesson, f"{where} › {_l('Lesson %(n)s', n=n)}")
            for n, quiz_plan in enumerate(module_plan.quizzes, 1):
                here = f"{where} › {_l('Quiz %(n)s', n=n)}"
                quiz = self.attempt(here, lambda q=quiz_plan, m=module: authoring.add_quiz(self.actor, m, q.title,
                                                                                             q.pass_mark))
                if quiz is not None:
                    for q_number, question in enumerate(quiz_plan.questions, 1):
                        self.question(quiz, question, f"{here} › {_l('Question %(n)s', n=q_number)}")
            for n, task in enumerate(module_plan.tasks, 1):
                self.attempt(f"{where} › {_l('Task %(n)s', n=n)}", lambda t=task, m=module: authoring.add_task(
                    self.actor, m, title=t.title, kind=t.kind, instructions=t.instructions, params=t.params))
        return course

    def lesson(self, module: Module, plan: LessonPlan, where: str) -> None:
        def body() -> str:
            def swap(match) -> str:
                key = self.picture(match.group(1), LESSON_PICTURE_SIDE, "training/pictures")
                return f"]({self.storage.url(key)})"

            return MEDIA_REF.sub(swap, plan.body)

        text = self.attempt(where, body)
        if text is None:
            return
        lesson = self.attempt(where, lambda: authoring.add_lesson(self.actor, module, authoring.LessonData(
            title=plan.title, body=text, minutes=plan.minutes)))
        if lesson is None:
            return
        for name, low in ((plan.video, False), (plan.video_low, True)):
            if name:
                self.attempt(f"{where} › {name}", lambda n=name, lo=low: authoring.set_lesson_video(
                    self.actor, lesson, self.files.read(n) or b"", n, self.storage, low=lo))
        for attachment in plan.attachments:
            self.attempt(f"{where} › {attachment.file}", lambda a=attachment: authoring.add_attachment(
                self.actor, lesson, self.files.read(a.file) or b"", a.name, self.storage))

    def question(self, quiz: Quiz, plan: QuestionPlan, where: str) -> None:
        def write():
            choices = [authoring.ChoiceData(text=c.text, correct=c.correct, explanation=c.explanation,
                                            image_key=self.picture(c.image, QUIZ_PICTURE_SIDE, "training/quiz")
                                            if c.image else None) for c in plan.choices]
            image = self.picture(plan.image, QUIZ_PICTURE_SIDE, "training/quiz") if plan.image else None
            return authoring.add_question(self.actor, quiz, kind=plan.kind, prompt=plan.prompt, choices=choices,
                                          accepted=plan.accepted, explanation=plan.explanation, image_key=image)

        self.attempt(where, write)


def _already_processed(raw: bytes, side: int) -> bool:
    with Image.open(io.BytesIO(raw)) as image:
        return image.format == "WEBP" and max(image.size) <= side and not image.info.get("exif") \
            and not image.info.get("xmp")


def _write(actor: User, plan: CoursePlan, files: PackFiles, storage: Any) -> tuple[Course | None, list[Problem]]:
    writer = _Writer(actor, files, storage)
    course = writer.course(plan)
    return course, writer.problems


def _checked(actor: User | None, files: PackFiles, slug: str | None) -> ImportResult:
    """The plan and every problem: the pack's own, a slug already taken, and the dry run's refusals."""
    require_staff(actor)
    plan, problems = build_plan(files)
    problems = list(getattr(files, "problems", [])) + problems
    if plan is None:
        return ImportResult(None, problems)
    if slug:
        plan.slug = slug
    if plan.slug and db.session.scalar(select(Course.id).where(Course.slug == plan.slug)) is not None:
        problems.append(Problem("duplicate_slug", _l("A course with the slug “%(slug)s” already exists. Give the "
                                                     "imported course another slug.", slug=plan.slug), "course.yaml"))
    if problems:
        return ImportResult(plan, problems)
    savepoint = db.session.begin_nested()
    try:
        _, refused = _write(actor, plan, files, DryStorage())
    finally:
        savepoint.rollback()
    return ImportResult(plan, refused)


def preview_course(actor: User | None, files: PackFiles, *, slug: str | None = None) -> ImportResult:
    """What the pack would import, and what is wrong with it; nothing is written."""
    return _checked(actor, files, slug)


def import_course(actor: User | None, files: PackFiles, storage: Storage, *, slug: str | None = None) -> Course:
    """Write the pack as a new draft course; any problem refuses the whole pack (InvalidInput listing them)."""
    result = _checked(actor, files, slug)
    if not result.ok:
        raise _refused(result.problems)
    tracked = TrackedStorage(storage)
    savepoint = db.session.begin_nested()
    try:
        course, problems = _write(actor, result.plan, files, tracked)
        if problems or course is None:
            raise _refused(problems)
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        tracked.forget_all()
        raise
    return course


def _refused(problems: list[Problem]) -> InvalidInput:
    return InvalidInput(_l("The pack was not imported: %(n)s problem(s) to fix first.", n=len(problems)),
                        code="bad_pack", problems=[p.to_dict() for p in problems])
