"""Write side of learning: enrolment, lesson progress, quiz attempts, practical tasks and certificates.

Services take explicit arguments, flush, raise domain errors and never commit: the caller commits once.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..core.text import fold
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn
from ..extensions import db
from . import certificates
from .models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    PracticalTask,
    Question,
    Quiz,
    QuizAttempt,
    TaskCompletion,
)

Row = TypeVar("Row")


def check_registry() -> dict[str, Callable[..., Any]]:
    """The practical-task checkers by kind (app/training/checks.py); empty until that module exists."""
    try:
        from .checks import CHECKS
    except ImportError:
        return {}
    return CHECKS


def _require_user(user: User | None) -> User:
    if user is None:
        raise NotSignedIn()
    return user


def is_staff(user: User | None) -> bool:
    """Trainers and admins author courses and run cohorts."""
    return bool(user is not None and (user.is_admin or user.is_trainer))


def require_staff(user: User | None) -> User:
    user = _require_user(user)
    if not is_staff(user):
        raise Forbidden(_l("Only trainers and admins can do that."))
    return user


def report_scope(user: User | None) -> int | None:
    """Whose trainees a report may show: None (everyone) for an admin, a trainer's own id (their classes)."""
    user = require_staff(user)
    return None if user.is_admin else user.id


# --- enrolment ------------------------------------------------------------------------------------

def get_course(slug_or_id: str | int, viewer: User | None = None) -> Course:
    """A course by slug or id; drafts exist only for trainers and admins."""
    if isinstance(slug_or_id, int):
        course = db.session.get(Course, slug_or_id)
    else:
        course = db.session.scalar(select(Course).where(Course.slug == slug_or_id))
    if course is None or (not course.is_published and not is_staff(viewer)):
        raise NotFound(_l("We could not find that course."))
    return course


def enrolment_of(user: User | None, course: Course) -> Enrolment | None:
    if user is None:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                     Enrolment.user_id == user.id))


def missing_prerequisites(user: User, course: Course) -> list[Course]:
    """Prerequisite courses the user has not completed yet."""
    done = set(db.session.scalars(select(Enrolment.course_id).where(
        Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None))))
    return [c for c in course.prerequisites if c.id not in done]


def enrol(user: User | None, course: Course, *, by: User | None = None) -> Enrolment:
    """Enrol a trainee (themselves, or by a trainer/admin); enrolling twice returns the same row."""
    user = _require_user(user)
    if by is not None and by.id != user.id:
        require_staff(by)
    if not course.is_published:
        raise InvalidInput(_l("This course is not open yet."), code="course_not_published")
    existing = enrolment_of(user, course)
    if existing is not None:
        return existing
    if by is None or by.id == user.id:
        missing = missing_prerequisites(user, course)
        if missing:
            raise InvalidInput(_l("Finish these courses first: %(names)s", names=", ".join(c.title for c in missing)),
                               code="prerequisites")
    enrolment = Enrolment(course_id=course.id, user_id=user.id,
                          enrolled_by_id=by.id if by is not None and by.id != user.id else None)
    # A double tap may race in from another request: then that enrolment stands.
    return _add_once(enrolment, lambda: enrolment_of(user, course))


def require_enrolment(user: User | None, course: Course) -> Enrolment:
    user = _require_user(user)
    enrolment = enrolment_of(user, course)
    if enrolment is None:
        raise Forbidden(_l("Join the course first to study this."), code="not_enrolled")
    return enrolment


# --- lessons --------------------------------------------------------------------------------------

def get_lesson(lesson_id: int, viewer: User | None = None) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.is_archived or (not lesson.course.is_published and not is_staff(viewer)):
        raise NotFound(_l("We could not find that lesson."))
    return lesson


def _add_once(row: Row, find: Callable[[], Row | None]) -> Row:
    """Insert a row guarded by a unique key; if the same row raced in from another request, use that one."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = find()
        if found is None:  # the key clashed with nothing this request can see: not a race, a real error
            raise
        return found
    return row


def _progress(user: User, lesson: Lesson) -> LessonProgress:
    def find() -> LessonProgress | None:
        return db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id,
                                                              LessonProgress.user_id == user.id))

    return find() or _add_once(LessonProgress(lesson_id=lesson.id, user_id=user.id), find)


def visit_lesson(user: User | None, lesson: Lesson) -> LessonProgress:
    """Remember the lesson opened (for "continue where you left off")."""
    enrolment = require_enrolment(user, lesson.course)
    row = _progress(enrolment.user, lesson)
    enrolment.last_lesson_id = lesson.id
    enrolment.last_activity_at = utcnow()
    db.session.flush()
    return row


def complete_lesson(user: User | None, lesson: Lesson) -> LessonProgress:
    """Mark a lesson done; done twice stays done once."""
    enrolment = require_enrolment(user, lesson.course)
    row = _progress(enrolment.user, lesson)
    if row.completed_at is None:
        row.completed_at = utcnow()
    enrolment.last_lesson_id = lesson.id
    enrolment.last_activity_at = utcnow()
    db.session.flush()
    update_completion(enrolment)
    return row


# --- quizzes --------------------------------------------------------------------------------------

@dataclass
class Answer:
    """What the trainee gave for one question: choice ids or a typed text."""

    choice_ids: list[int]
    text: str = ""


def get_quiz(quiz_id: int, viewer: User | None = None) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.is_archived or (not quiz.course.is_published and not is_staff(viewer)):
        raise NotFound(_l("We could not find that quiz."))
    return quiz


def grade_question(question: Question, answer: Answer | None) -> bool:
    """Right or wrong; multiple choice needs exactly the correct set, short answers compare folded."""
    if answer is None:
        return False
    if question.kind == "short":
        given = fold(answer.text)
        return bool(given) and any(fold(accepted) == given for accepted in question.accepted)
    correct = {c.id for c in question.choices if c.is_correct}
    given_ids = set(answer.choice_ids)
    if question.kind in ("single", "picture") and len(given_ids) != 1:
        return False
    return given_ids == correct


def new_attempt_token() -> str:
    """Put in the quiz form so a second post of the same form finds the first attempt."""
    return secrets.token_urlsafe(24)


def submit_quiz(user: User | None, quiz: Quiz, answers: dict[int, Answer], token: str | None) -> QuizAttempt:
    """Grade and store an attempt; the same token posted again returns the stored attempt unchanged."""
    enrolment = require_enrolment(user, quiz.course)
    trainee = enrolment.user
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise InvalidInput(_l("The quiz form expired. Please open the quiz again."), code="attempt_token")
    previous = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == trainee.id,
                                                           QuizAttempt.token == token))
    if previous is not None:
        if previous.quiz_id != quiz.id:
            raise Conflict(_l("This answer sheet belongs to another quiz."), code="attempt_token")
        return previous
    question_ids = {q.id for q in quiz.questions}
    unknown = [qid for qid in answers if qid not in question_ids]
    if unknown:
        raise InvalidInput(_l("Some answers do not belong to this quiz."), code="unknown_question")
    for question in quiz.questions:
        answer = answers.get(question.id)
        valid_ids = {c.id for c in question.choices}
        if answer is not None and not set(answer.choice_ids) <= valid_ids:
            raise InvalidInput(_l("Some answers do not belong to this quiz."), code="unknown_choice")
    if not any((a.choice_ids or a.text.strip()) for a in answers.values()):
        raise InvalidInput(_l("Please answer the questions first."), code="empty_attempt")
    stored = []
    right = 0
    for question in quiz.questions:
        answer = answers.get(question.id)
        correct = grade_question(question, answer)
        right += correct
        stored.append({"question_id": question.id, "choice_ids": sorted(answer.choice_ids) if answer else [],
                       "text": (answer.text[:300] if answer else ""), "correct": correct})
    total = len(quiz.questions) or 1
    score = round(100 * right / total)
    attempt = QuizAttempt(quiz_id=quiz.id, user_id=trainee.id, token=token, score=score,
                          passed=score >= quiz.pass_mark, answers=stored)
    stored_attempt = _add_once(attempt, lambda: db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == trainee.id, QuizAttempt.token == token)))
    if stored_attempt is not attempt:  # the same sheet posted twice at once: keep the first
        return stored_attempt
    enrolment.last_activity_at = utcnow()
    db.session.flush()
    update_completion(enrolment)
    return attempt


def get_attempt(viewer: User | None, attempt_id: int) -> QuizAttempt:
    """An attempt for its owner, or for trainers and admins; anyone else is told it does not exist."""
    viewer = _require_user(viewer)
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or (attempt.user_id != viewer.id and not is_staff(viewer)):
        raise NotFound(_l("We could not find that attempt."))
    return attempt


# --- practical tasks ------------------------------------------------------------------------------

def task_completion(user: User, task: PracticalTask) -> TaskCompletion | None:
    return db.session.scalar(select(TaskCompletion).where(TaskCompletion.task_id == task.id,
                                                          TaskCompletion.user_id == user.id))


def check_task(user: User | None, task: PracticalTask) -> TaskCompletion | None:
    """Ask the checker for the task's kind whether the data shows it done; record it once when it does."""
    enrolment = require_enrolment(user, task.course)
    trainee = enrolment.user
    done = task_completion(trainee, task)
    if done is not None:
        return done
    checker = check_registry().get(task.kind)
    if checker is None:
        return None
    try:
        result = checker(trainee.id, **(task.params or {}))
    except ValueError as exc:  # params an author typed wrong: say so instead of failing the page
        raise InvalidInput(_l("This task is set up wrongly; please tell your trainer."), code="task_params") from exc
    if not result.done:
        return None
    done = _add_once(TaskCompletion(task_id=task.id, user_id=trainee.id, evidence_url=(result.evidence_url or None),
                                    detail=(result.detail or "")[:300] or None),
                     lambda: task_completion(trainee, task))
    enrolment.last_activity_at = utcnow()
    db.session.flush()
    update_completion(enrolment)
    return done


def refresh_tasks(user: User | None, course: Course) -> int:
    """Check every open task of a course for an enrolled trainee; returns how many became done."""
    if user is None or enrolment_of(user, course) is None:
        return 0
    newly = 0
    for task in course.tasks:
        if task_completion(user, task) is None and check_task(user, task) is not None:
            newly += 1
    return newly


# --- completion and certificates ------------------------------------------------------------------

@dataclass
class CourseProgress:
    lessons_done: int
    lessons_total: int
    quizzes_passed: int
    quizzes_total: int
    tasks_done: int
    tasks_total: int

    @property
    def done(self) -> int:
        return self.lessons_done + self.quizzes_passed + self.tasks_done

    @property
    def total(self) -> int:
        return self.lessons_total + self.quizzes_total + self.tasks_total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def completed_lesson_ids(user_id: int, course: Course) -> set[int]:
    ids = [lesson.id for lesson in course.lessons]
    if not ids:
        return set()
    return set(db.session.scalars(select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(ids),
        LessonProgress.completed_at.is_not(None))))


def has_passed(user_id: int, quiz: Quiz) -> bool:
    """Whether this trainee passed this quiz in any attempt: the right answers are shown only after a pass."""
    return db.session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.passed.is_(True)).limit(1)) is not None


def passed_quiz_ids(user_id: int, course: Course) -> set[int]:
    ids = [quiz.id for quiz in course.quizzes]
    if not ids:
        return set()
    return set(db.session.scalars(select(QuizAttempt.quiz_id).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(ids), QuizAttempt.passed.is_(True))))


def done_task_ids(user_id: int, course: Course) -> set[int]:
    ids = [task.id for task in course.tasks]
    if not ids:
        return set()
    return set(db.session.scalars(select(TaskCompletion.task_id).where(
        TaskCompletion.user_id == user_id, TaskCompletion.task_id.in_(ids))))


def course_progress(user_id: int, course: Course) -> CourseProgress:
    return CourseProgress(
        lessons_done=len(completed_lesson_ids(user_id, course)), lessons_total=len(course.lessons),
        quizzes_passed=len(passed_quiz_ids(user_id, course)), quizzes_total=len(course.quizzes),
        tasks_done=len(done_task_ids(user_id, course)), tasks_total=len(course.tasks),
    )


def update_completion(enrolment: Enrolment) -> Certificate | None:
    """When everything in the course is done, mark the enrolment complete and issue the certificate."""
    progress = course_progress(enrolment.user_id, enrolment.course)
    if not progress.complete:
        return None
    if enrolment.completed_at is None:
        enrolment.completed_at = utcnow()
    certificate = db.session.scalar(select(Certificate).where(Certificate.course_id == enrolment.course_id,
                                                              Certificate.user_id == enrolment.user_id))
    if certificate is None:
        code = certificates.new_code()
        while db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
            code = certificates.new_code()
        certificate = _add_once(
            Certificate(code=code, course_id=enrolment.course_id, user_id=enrolment.user_id,
                        holder_name=enrolment.user.name),
            lambda: db.session.scalar(select(Certificate).where(Certificate.course_id == enrolment.course_id,
                                                                Certificate.user_id == enrolment.user_id)))
    db.session.flush()
    return certificate
