"""What a trainee did: enrolments, lessons opened and finished, quiz attempts, tasks done, certificates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.dbtypes import TZDateTime, utcnow
from ...extensions import Model
from .courses import Course, Lesson, PracticalTask, Quiz


class Enrolment(Model):
    """A trainee in a course, by themselves or by a trainer; remembers the last lesson opened."""

    __tablename__ = "training_enrolments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("training_lessons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    last_lesson: Mapped[Lesson | None] = relationship()


class LessonProgress(Model):
    """When a trainee first opened and when they finished a lesson."""

    __tablename__ = "training_lesson_progress"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    visited_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class QuizAttempt(Model):
    """Every submitted attempt is kept; the token makes a re-posted form a no-op."""

    __tablename__ = "training_quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "token"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        Index("ix_training_quiz_attempts_quiz_user", "quiz_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("training_quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    # [{"question_id", "choice_ids", "text", "correct"}] as answered, so feedback survives later edits.
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()


class TaskCompletion(Model):
    """A practical task the data showed done, with the evidence link the checker gave."""

    __tablename__ = "training_task_completions"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("training_tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    evidence_url: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(String(300))
    completed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    task: Mapped[PracticalTask] = relationship()


class Certificate(Model):
    """Issued once every lesson, quiz and task of a course is done; the code is public and unguessable."""

    __tablename__ = "training_certificates"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(String(300))

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
