"""Reorder, delete, archive and restore what a course is made of: modules, lessons, quizzes, questions, tasks.

What to do when learners' progress depends on an item, decided per kind:
- a lesson someone opened, a quiz someone answered, a task someone completed: archived, not deleted. It leaves the
  course (outline, progress totals, certificates count only what is still taught) but the learners' progress
  rows stay, and it can be restored as it was;
- a module holding any of those (or anything archived): archived with its contents, for the same reason;
- a rubric criterion a review scored: archived, so past reviews keep their scores;
- a question of a quiz someone answered: refused. The attempts were graded against the questions as they stood;
  to change a graded quiz, archive it and write a new one;
- anything nobody depends on: deleted, after the author confirmed.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..errors import Conflict, InvalidInput
from ..extensions import db
from .models import Course, Lesson, LessonProgress, Module, PracticalTask, Question, Quiz, QuizAttempt, TaskCompletion
from .review.models import ReviewScore, RubricCriterion
from .review.rubric import criteria_of
from .services import require_staff

KINDS: dict[str, type] = {"module": Module, "lesson": Lesson, "quiz": Quiz, "question": Question,
                          "task": PracticalTask, "criterion": RubricCriterion}


def siblings(item: Any) -> list[Any]:
    """The item's neighbours in reading order, itself included (archived ones left out)."""
    if isinstance(item, Module):
        return list(item.course.modules)
    if isinstance(item, Lesson):
        return list(item.module.lessons)
    if isinstance(item, Quiz):
        return list(item.module.quizzes)
    if isinstance(item, PracticalTask):
        return list(item.module.tasks)
    if isinstance(item, Question):
        return list(item.quiz.questions)
    if isinstance(item, RubricCriterion):
        return criteria_of(item.course)
    raise TypeError(type(item).__name__)


def course_of(item: Any) -> Course:
    if isinstance(item, Module):
        return item.course
    if isinstance(item, Question):
        return item.quiz.course
    return item.course


def renumber(items: list[Any]) -> None:
    for position, row in enumerate(items, 1):
        row.position = position


def move(actor: User | None, item: Any, direction: str | None) -> bool:
    """One step up or down among its siblings; returns False when it is already first (or last)."""
    require_staff(actor)
    if direction not in ("up", "down"):
        raise InvalidInput(code="direction")
    rows = siblings(item)
    if item not in rows:
        raise Conflict(_l("Restore it first: it is archived."), code="archived")
    index = rows.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    renumber(rows)
    db.session.flush()
    _expire(_parent(item))
    return True


def _exists(query) -> bool:
    return db.session.scalar(query.limit(1)) is not None


def depends(item: Any) -> bool:
    """Whether any learner's progress points at the item (or, for a module, at anything in it)."""
    if isinstance(item, Lesson):
        return _exists(select(LessonProgress.id).where(LessonProgress.lesson_id == item.id))
    if isinstance(item, (Quiz, Question)):
        quiz_id = item.id if isinstance(item, Quiz) else item.quiz_id
        return _exists(select(QuizAttempt.id).where(QuizAttempt.quiz_id == quiz_id))
    if isinstance(item, PracticalTask):
        return _exists(select(TaskCompletion.id).where(TaskCompletion.task_id == item.id))
    if isinstance(item, RubricCriterion):
        return _exists(select(ReviewScore.id).where(ReviewScore.criterion_id == item.id))
    if isinstance(item, Module):
        lessons = select(Lesson.id).where(Lesson.module_id == item.id)
        quizzes = select(Quiz.id).where(Quiz.module_id == item.id)
        tasks = select(PracticalTask.id).where(PracticalTask.module_id == item.id)
        archived = any(_exists(select(m.id).where(m.module_id == item.id, m.archived_at.is_not(None)))
                       for m in (Lesson, Quiz, PracticalTask))
        return archived or _exists(select(LessonProgress.id).where(LessonProgress.lesson_id.in_(lessons))) \
            or _exists(select(QuizAttempt.id).where(QuizAttempt.quiz_id.in_(quizzes))) \
            or _exists(select(TaskCompletion.id).where(TaskCompletion.task_id.in_(tasks)))
    raise TypeError(type(item).__name__)


def remove(actor: User | None, item: Any) -> str:
    """Delete the item, or archive it when learners' progress depends on it; returns "deleted" or "archived"."""
    require_staff(actor)
    if getattr(item, "archived_at", None) is not None:
        raise Conflict(_l("This is already archived."), code="archived")
    rows = siblings(item)
    parent = _parent(item)
    if depends(item):
        if isinstance(item, Question):
            raise Conflict(_l("Trainees have already answered this quiz, and their scores were counted with this "
                              "question. To change a graded quiz, archive it and write a new one."),
                           code="question_answered")
        item.archived_at = utcnow()
        outcome = "archived"
    else:
        db.session.delete(item)
        outcome = "deleted"
    db.session.flush()
    renumber([row for row in rows if row is not item])
    db.session.flush()
    _expire(parent)
    return outcome


def restore(actor: User | None, item: Any) -> Any:
    """Back into the course, at the end of its module (or of the course, for a module)."""
    require_staff(actor)
    if getattr(item, "archived_at", None) is None:
        return item
    item.archived_at = None
    db.session.flush()
    _expire(_parent(item))
    rows = [row for row in siblings(item) if row is not item] + [item]
    renumber(rows)
    db.session.flush()
    return item


def archived_in(course: Course) -> list[tuple[str, Any]]:
    """What was archived in a course, for the authoring page's "Archived" list: modules, then the rest."""
    items: list[tuple[str, Any]] = [("module", m) for m in db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.archived_at.is_not(None)).order_by(Module.id))]
    live_modules = select(Module.id).where(Module.course_id == course.id, Module.archived_at.is_(None))
    for kind, model in (("lesson", Lesson), ("quiz", Quiz), ("task", PracticalTask)):
        items += [(kind, row) for row in db.session.scalars(
            select(model).where(model.module_id.in_(live_modules), model.archived_at.is_not(None)).order_by(model.id))]
    return items


def _parent(item: Any) -> tuple[Any, list[str]] | None:
    """The parent and its collections to read again after a change (they leave archived rows out)."""
    if isinstance(item, Module):
        return item.course, ["modules"]
    if isinstance(item, (Lesson, Quiz, PracticalTask)):
        return item.module, ["lessons", "quizzes", "tasks"]
    if isinstance(item, Question):
        return item.quiz, ["questions"]
    return None  # a rubric criterion: its siblings are queried each time, nothing is cached


def _expire(parent: tuple[Any, list[str]] | None) -> None:
    if parent is not None:
        db.session.expire(*parent)
