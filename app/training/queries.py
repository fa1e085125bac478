"""Read side of learning: course lists, outlines with the trainee's marks, resume points, badges."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..accounts.models import Membership, User
from ..extensions import db
from .models import Certificate, Course, Enrolment, Lesson, Module, Quiz, QuizAttempt, TaskCompletion
from .services import CourseProgress, completed_lesson_ids, course_progress, enrolment_of, is_staff, passed_quiz_ids


@dataclass
class CourseCard:
    course: Course
    enrolment: Enrolment | None
    progress: CourseProgress | None


def course_cards(user: User | None) -> list[CourseCard]:
    """Published courses (drafts too for trainers), with the user's progress where enrolled."""
    query = select(Course).order_by(Course.position, Course.id)
    if not is_staff(user):
        query = query.where(Course.status == "published")
    cards = []
    for course in db.session.scalars(query):
        enrolment = enrolment_of(user, course)
        progress = course_progress(user.id, course) if enrolment is not None else None
        cards.append(CourseCard(course, enrolment, progress))
    return cards


@dataclass
class Outline:
    """One course as the trainee sees it: each module's items with done marks."""

    course: Course
    enrolment: Enrolment | None
    lessons_done: set[int]
    quizzes_passed: set[int]
    tasks_done: set[int]
    progress: CourseProgress | None
    certificate: Certificate | None
    resume: Lesson | None
    evidence: dict[int, TaskCompletion]


def next_lesson(course: Course, done: set[int], last: Lesson | None) -> Lesson | None:
    """Where to continue: the lesson last opened if unfinished, else the first unfinished one."""
    if last is not None and last.id not in done and last.module.course_id == course.id:
        return last
    for lesson in course.lessons:
        if lesson.id not in done:
            return lesson
    return None


def outline(course: Course, user: User | None) -> Outline:
    enrolment = enrolment_of(user, course)
    if enrolment is None:
        return Outline(course, None, set(), set(), set(), None, None, None, {})
    lessons = completed_lesson_ids(user.id, course)
    certificate = db.session.scalar(select(Certificate).where(Certificate.course_id == course.id,
                                                              Certificate.user_id == user.id))
    task_ids = [task.id for task in course.tasks]
    evidence = {c.task_id: c for c in db.session.scalars(select(TaskCompletion).where(
        TaskCompletion.user_id == user.id, TaskCompletion.task_id.in_(task_ids)))} if task_ids else {}
    return Outline(course, enrolment, lessons, passed_quiz_ids(user.id, course), set(evidence),
                   course_progress(user.id, course), certificate,
                   next_lesson(course, lessons, enrolment.last_lesson), evidence)


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    lessons = lesson.course.lessons
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    return (lessons[index - 1] if index > 0 else None,
            lessons[index + 1] if index + 1 < len(lessons) else None)


def step_after(lesson: Lesson) -> Lesson | Quiz | None:
    """What follows a lesson on the way through the course: the next lesson of its module; after the module's
    last lesson, its quiz; a module without a quiz leads on to the next module's first lesson."""
    module = lesson.module
    ids = [item.id for item in module.lessons]
    index = ids.index(lesson.id)
    if index + 1 < len(ids):
        return module.lessons[index + 1]
    if module.quizzes:
        return module.quizzes[0]
    return first_lesson_after(module)


def first_lesson_after(module: Module) -> Lesson | None:
    """The first lesson of the modules after this one (None at the end of the course)."""
    modules = module.course.modules
    index = [item.id for item in modules].index(module.id)
    for later in modules[index + 1:]:
        if later.lessons:
            return later.lessons[0]
    return None


def continue_points(user: User | None) -> list[tuple[Course, Lesson]]:
    """For the course list's "continue where you left off": unfinished enrolments, most recent first."""
    if user is None:
        return []
    rows = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id,
                                                      Enrolment.completed_at.is_(None))
                              .order_by(Enrolment.last_activity_at.desc()))
    points = []
    for enrolment in rows:
        lesson = next_lesson(enrolment.course, completed_lesson_ids(user.id, enrolment.course),
                             enrolment.last_lesson)
        if lesson is not None:
            points.append((enrolment.course, lesson))
    return points


def attempts_of(user: User, quiz_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                                             QuizAttempt.quiz_id == quiz_id)
                                   .order_by(QuizAttempt.id.desc())))


def certificates_of(user: User) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                   .order_by(Certificate.issued_at.desc())))


def organisation_badges(organisation_id: int) -> list[dict[str, Any]]:
    """Valid certificates held by the members of an organisation, for the badge on its shop page."""
    rows = db.session.execute(
        select(Certificate.code, Course.title, Course.title_en, Certificate.holder_name)
        .join(Course, Course.id == Certificate.course_id)
        .join(Membership, Membership.user_id == Certificate.user_id)
        .where(Membership.organisation_id == organisation_id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at)
    )
    return [{"code": code, "title": title, "title_en": title_en, "holder": holder}
            for code, title, title_en, holder in rows]
