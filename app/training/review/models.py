"""A course's review rubric, and reviews of trainees' real lives with their timed notes and rubric scores."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.dbtypes import TZDateTime, utcnow
from ...extensions import Model
from ...livestream.models import LiveSession
from ..models import Cohort, Course

MAX_NOTE = 1000
MAX_NOTE_SECONDS = 24 * 3600  # a note sits somewhere in a live of at most a day


class RubricCriterion(Model):
    """One line of a course's rubric for live reviews, scored 1..max_score; a timed one ("answer questions within
    N seconds") carries its N. Archived instead of deleted once a review scored it."""

    __tablename__ = "training_rubric_criteria"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("max_score BETWEEN 2 AND 10", name="max_score_range"),
        CheckConstraint("target_seconds IS NULL OR (target_seconds > 0 AND target_seconds <= 3600)",
                        name="target_seconds_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str | None] = mapped_column(String(160))
    guidance: Mapped[str | None] = mapped_column(Text)
    max_score: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    target_seconds: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    course: Mapped[Course] = relationship()

    def localized_title(self, locale: str) -> str:
        return (self.title_en or self.title) if locale == "en" else self.title


class LiveReview(Model):
    """A trainer's review of one ended live a trainee sold in, for one class (the trainee sees it too)."""

    __tablename__ = "training_live_reviews"
    __table_args__ = (UniqueConstraint("cohort_id", "trainee_id", "live_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept when the class is deleted: the trainee still has their coaching; only the trainer's access goes.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("training_cohorts.id", ondelete="SET NULL"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    live_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort | None] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    live: Mapped[LiveSession] = relationship()
    notes: Mapped[list[ReviewNote]] = relationship(back_populates="review", cascade="all, delete-orphan",
                                                   order_by="(ReviewNote.at_seconds, ReviewNote.id)")
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="review", cascade="all, delete-orphan")


class ReviewNote(Model):
    """A coaching note anchored to a moment of the replay ("00:12:40 — answer the price question first")."""

    __tablename__ = "training_review_notes"
    __table_args__ = (
        CheckConstraint(f"at_seconds >= 0 AND at_seconds <= {MAX_NOTE_SECONDS}", name="at_seconds_range"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("training_live_reviews.id", ondelete="CASCADE"), index=True)
    at_seconds: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(MAX_NOTE))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    review: Mapped[LiveReview] = relationship(back_populates="notes")


class ReviewScore(Model):
    """The score one review gave one rubric criterion; the criterion cannot be deleted while scored (RESTRICT)."""

    __tablename__ = "training_review_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("score >= 1 AND score <= 10", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("training_live_reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("training_rubric_criteria.id", ondelete="RESTRICT"),
                                              index=True)
    score: Mapped[int] = mapped_column(Integer)

    review: Mapped[LiveReview] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()
