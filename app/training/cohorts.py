"""Cohorts (lớp học) by commune: members, schedule, attendance (write side) and the trainer dashboard (read side)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.services import find_user_by_login
from ..core import addresses
from ..core.dbtypes import utcnow
from ..errors import Forbidden, InvalidInput, NotFound
from ..extensions import db
from .models import Attendance, Cohort, CohortMember, CohortSession, Course, Enrolment, QuizAttempt
from .practice.models import PracticeRun
from .services import CourseProgress, course_progress, enrol, require_staff

STUCK_AFTER_DAYS = 7


def require_cohort_manager(actor: User | None, cohort: Cohort) -> User:
    """The cohort's own trainer or an admin; other trainers only see their own classes."""
    actor = require_staff(actor)
    if not actor.is_admin and cohort.trainer_id != actor.id:
        raise Forbidden(_l("This class belongs to another trainer."))
    return actor


def get_cohort(actor: User | None, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_l("We could not find that class."))
    require_cohort_manager(actor, cohort)
    return cohort


def cohorts_for(actor: User | None) -> list[Cohort]:
    actor = require_staff(actor)
    query = select(Cohort).order_by(Cohort.starts_on.desc().nullslast(), Cohort.id.desc())
    if not actor.is_admin:
        query = query.where(Cohort.trainer_id == actor.id)
    return list(db.session.scalars(query))


def create_cohort(actor: User | None, *, name: str | None, commune_code: int | None, course_id: int | None,
                  starts_on: date | None = None) -> Cohort:
    actor = require_staff(actor)
    name = (name or "").strip()
    if not name or len(name) > 160:
        raise InvalidInput(_l("Please give the class a name."), code="name")
    province = addresses.commune_province(commune_code)
    if province is None:
        raise InvalidInput(_l("Please choose the commune."), code="commune")
    course = db.session.get(Course, course_id) if course_id else None
    if course_id and (course is None or not course.is_published):
        raise InvalidInput(_l("Please choose a published course."), code="course")
    cohort = Cohort(name=name, commune_code=int(commune_code), province_code=province,
                    course_id=course.id if course else None, trainer_id=actor.id, starts_on=starts_on)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def add_member(actor: User | None, cohort: Cohort, login: str | None) -> CohortMember:
    """Add a household member by phone or email; they are enrolled in the class's course at once."""
    actor = require_cohort_manager(actor, cohort)
    user = find_user_by_login(login or "")
    if user is None:
        raise InvalidInput(_l("No account has this phone number or email. Ask them to register first."),
                           code="unknown_user")
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user.id))
    if member is None:
        member = CohortMember(cohort_id=cohort.id, user_id=user.id)
        db.session.add(member)
    if cohort.course is not None:
        enrol(user, cohort.course, by=actor)
    db.session.flush()
    db.session.refresh(cohort)
    return member


def add_session(actor: User | None, cohort: Cohort, *, starts_at: datetime | None, place: str | None,
                topic: str | None) -> CohortSession:
    require_cohort_manager(actor, cohort)
    if starts_at is None:
        raise InvalidInput(_l("Please give the date and time."), code="starts_at")
    session = CohortSession(cohort_id=cohort.id, starts_at=starts_at, place=(place or "").strip()[:200] or None,
                            topic=(topic or "").strip()[:200] or None)
    db.session.add(session)
    db.session.flush()
    db.session.refresh(cohort)
    return session


def record_attendance(actor: User | None, session: CohortSession, present_user_ids: set[int]) -> int:
    """One form for the whole class on the trainer's phone: every member is marked present or absent."""
    actor = require_cohort_manager(actor, session.cohort)
    member_ids = {m.user_id for m in session.cohort.members}
    strangers = present_user_ids - member_ids
    if strangers:
        raise InvalidInput(_l("Some people are not members of this class."), code="not_member")
    existing = {a.user_id: a for a in session.attendance}
    for user_id in member_ids:
        row = existing.get(user_id)
        if row is None:
            row = Attendance(session_id=session.id, user_id=user_id)
            db.session.add(row)
        row.present = user_id in present_user_ids
        row.recorded_by_id = actor.id
        row.recorded_at = utcnow()
    db.session.flush()
    return len(present_user_ids)


def get_session(actor: User | None, session_id: int) -> CohortSession:
    session = db.session.get(CohortSession, session_id)
    if session is None:
        raise NotFound()
    require_cohort_manager(actor, session.cohort)
    return session


# --- dashboard (read side) ------------------------------------------------------------------------

@dataclass
class MemberRow:
    user: User
    progress: CourseProgress | None
    last_activity: datetime | None
    stuck: bool
    completed: bool
    best_attempts: dict[int, QuizAttempt]
    attended: int
    best_practice: PracticeRun | None = None


def dashboard(cohort: Cohort, *, now: datetime | None = None, stuck_days: int = STUCK_AFTER_DAYS) -> list[MemberRow]:
    """Each member's progress in the class's course, who has not moved for stuck_days, quiz bests, attendance."""
    now = now or utcnow()
    course = cohort.course
    user_ids = [m.user_id for m in cohort.members]
    enrolments = {}
    best: dict[int, dict[int, QuizAttempt]] = {}
    if course is not None and user_ids:
        enrolments = {e.user_id: e for e in db.session.scalars(select(Enrolment).where(
            Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids)))}
        quiz_ids = [q.id for q in course.quizzes]
        if quiz_ids:
            # Best score per member and quiz (the latest attempt among equals), to open its answers.
            for attempt in db.session.scalars(
                    select(QuizAttempt).where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.quiz_id.in_(quiz_ids))
                    .order_by(QuizAttempt.score.desc(), QuizAttempt.id.desc())):
                best.setdefault(attempt.user_id, {}).setdefault(attempt.quiz_id, attempt)
    session_ids = [s.id for s in cohort.sessions]
    attended: dict[int, int] = {}
    if session_ids:
        for user_id, count in db.session.execute(
                select(Attendance.user_id, func.count()).where(Attendance.session_id.in_(session_ids),
                                                               Attendance.present.is_(True))
                .group_by(Attendance.user_id)):
            attended[user_id] = count
    practice: dict[int, PracticeRun] = {}
    if user_ids:
        # Best finished practice live per member: most orders captured right, then the latest.
        for run in db.session.scalars(
                select(PracticeRun).where(PracticeRun.user_id.in_(user_ids), PracticeRun.status == "finished")
                .order_by(PracticeRun.orders_correct.desc(), PracticeRun.id.desc())):
            practice.setdefault(run.user_id, run)
    rows = []
    for member in cohort.members:
        enrolment = enrolments.get(member.user_id)
        progress = course_progress(member.user_id, course) if course is not None and enrolment else None
        last = enrolment.last_activity_at if enrolment else None
        completed = bool(enrolment and enrolment.completed_at)
        stuck = not completed and (last is None or now - last > timedelta(days=stuck_days))
        rows.append(MemberRow(member.user, progress, last, stuck, completed, best.get(member.user_id, {}),
                              attended.get(member.user_id, 0), practice.get(member.user_id)))
    return rows


def attendance_of(session: CohortSession) -> dict[int, bool]:
    return {a.user_id: a.present for a in session.attendance}
