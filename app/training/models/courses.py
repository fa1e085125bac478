"""What a course teaches: courses and their prerequisites, modules, lessons and attachments, quizzes with questions
and choices, practical tasks."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...core.dbtypes import TZDateTime, sql_in, utcnow
from ...extensions import Model, db

COURSE_STATUSES = ("draft", "published")
QUESTION_KINDS = ("single", "multiple", "picture", "short")


course_prerequisites = Table(
    "training_course_prerequisites",
    db.metadata,
    Column("course_id", ForeignKey("training_courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("training_courses.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("course_id <> prerequisite_id", name="not_itself"),
)


class InModule:
    """A lesson, quiz or practical task: taught in its module's course, and archived with its module."""

    if TYPE_CHECKING:
        module: Module
        archived_at: datetime | None

    @property
    def course(self) -> Course:
        return self.module.course

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None or self.module.archived_at is not None


class Course(Model):
    """A course in Vietnamese with English title and summary; only published courses are open to trainees."""

    __tablename__ = "training_courses"
    __table_args__ = (
        CheckConstraint(sql_in("status", COURSE_STATUSES), name="status"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str | None] = mapped_column(String(160))
    summary_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    # Archived modules (and archived lessons, quizzes and tasks below) are left out of every collection, so the
    # outline, progress and certificates only count what is still taught; their progress rows stay (arrange.py).
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan",
        primaryjoin="and_(Course.id == Module.course_id, Module.archived_at.is_(None))")
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin=lambda: Course.id == course_prerequisites.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisites.c.prerequisite_id,
        order_by=lambda: Course.position,
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def localized_title(self, locale: str) -> str:
        return (self.title_en or self.title) if locale == "en" else self.title

    def localized_summary(self, locale: str) -> str:
        return (self.summary_en or self.summary) if locale == "en" else self.summary

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def quizzes(self) -> list[Quiz]:
        return [quiz for module in self.modules for quiz in module.quizzes]

    @property
    def tasks(self) -> list[PracticalTask]:
        return [task for module in self.modules for task in module.tasks]

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.slug}>"


class Module(Model):
    """A chapter of a course; it holds lessons, then quizzes, then practical tasks."""

    __tablename__ = "training_modules"
    __table_args__ = (CheckConstraint("length(title) > 0", name="title_not_empty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan",
        primaryjoin="and_(Module.id == Lesson.module_id, Lesson.archived_at.is_(None))")
    quizzes: Mapped[list[Quiz]] = relationship(
        back_populates="module", order_by="Quiz.position", cascade="all, delete-orphan",
        primaryjoin="and_(Module.id == Quiz.module_id, Quiz.archived_at.is_(None))")
    tasks: Mapped[list[PracticalTask]] = relationship(
        back_populates="module", order_by="PracticalTask.position", cascade="all, delete-orphan",
        primaryjoin="and_(Module.id == PracticalTask.module_id, PracticalTask.archived_at.is_(None))")


class Lesson(InModule, Model):
    """A lesson: Markdown text (cleaned with nh3 when shown), an optional video and attachments."""

    __tablename__ = "training_lessons"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("minutes >= 0 AND minutes <= 600", name="minutes_range"),
        CheckConstraint("video_size IS NULL OR video_size >= 0", name="video_size_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    position: Mapped[int] = mapped_column(Integer, default=0)
    video_key: Mapped[str | None] = mapped_column(String(200))
    video_size: Mapped[int | None] = mapped_column(BigInteger)
    # A smaller rendition (audio-only or low quality) for slow connections, when the author uploads one.
    video_low_key: Mapped[str | None] = mapped_column(String(200))
    video_low_size: Mapped[int | None] = mapped_column(BigInteger)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    module: Mapped[Module] = relationship(back_populates="lessons")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="lesson", order_by="Attachment.id",
                                                         cascade="all, delete-orphan")


class Attachment(Model):
    """A file offered for download under a lesson (a checklist, a price sheet...)."""

    __tablename__ = "training_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(160))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class Quiz(InModule, Model):
    """A quiz at the end of a module; passed when the score (percent) reaches the pass mark."""

    __tablename__ = "training_quizzes"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    module: Mapped[Module] = relationship(back_populates="quizzes")
    questions: Mapped[list[Question]] = relationship(back_populates="quiz", order_by="Question.position",
                                                     cascade="all, delete-orphan")


class Question(Model):
    """One question; short answers list their accepted answers one per line, compared folded."""

    __tablename__ = "training_questions"
    __table_args__ = (
        CheckConstraint(sql_in("kind", QUESTION_KINDS), name="kind"),
        CheckConstraint("length(prompt) > 0", name="prompt_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("training_quizzes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(Text)
    image_key: Mapped[str | None] = mapped_column(String(200))
    accepted_answers: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(back_populates="question", order_by="Choice.position",
                                                 cascade="all, delete-orphan")

    @property
    def accepted(self) -> list[str]:
        return [line.strip() for line in (self.accepted_answers or "").splitlines() if line.strip()]


class Choice(Model):
    """A possible answer, with why it is right or wrong; picture choices carry an image."""

    __tablename__ = "training_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("training_questions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    image_key: Mapped[str | None] = mapped_column(String(200))
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    explanation: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship(back_populates="choices")


class PracticalTask(InModule, Model):
    """A real action checked from the platform's data by the checker registered for its kind."""

    __tablename__ = "training_tasks"
    __table_args__ = (CheckConstraint("length(kind) > 0", name="kind_not_empty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    instructions: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    module: Mapped[Module] = relationship(back_populates="tasks")
