"""Classes (lớp học) a trainer runs in a commune: members, meetings on the schedule and their attendance."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.dbtypes import TZDateTime, utcnow
from ...extensions import Model
from .courses import Course


class Cohort(Model):
    """A class (lớp học) a trainer runs in one commune, usually around one course."""

    __tablename__ = "training_cohorts"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int] = mapped_column(Integer, index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_courses.id", ondelete="SET NULL"))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    course: Mapped[Course | None] = relationship()
    trainer: Mapped[User | None] = relationship()
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", order_by="CohortMember.id",
                                                       cascade="all, delete-orphan")
    sessions: Mapped[list[CohortSession]] = relationship(back_populates="cohort",
                                                         order_by="CohortSession.starts_at",
                                                         cascade="all, delete-orphan")


class CohortMember(Model):
    """A household member in a class; review_consent is their answer to "may the trainer review my lives?"
    (None until they answer, asked on their next visit)."""

    __tablename__ = "training_cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    review_consent: Mapped[bool | None] = mapped_column(Boolean)
    review_consent_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class CohortSession(Model):
    """An in-person class meeting on the schedule, with its attendance."""

    __tablename__ = "training_cohort_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(TZDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Attendance(Model):
    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_cohort_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    session: Mapped[CohortSession] = relationship(back_populates="attendance")
