"""Read side for admins: per commune and class, trained → shop opened → first live → first reviewed live → first
sale, with the median days between one step and the next.

Who counts: members who joined a class in the period. Each step is the first time it happened, up to the end of
the period: trained = finished the class's course (for a class without a course: present at one of its
sessions); shop opened = first active product of a real organisation they belong to (a practice stall is not a
shop); first live = first real live of such an organisation that went on air; first reviewed live = first review
of their lives by a trainer; first sale = first order of such an organisation that was paid or delivered and not
cancelled or refunded (as the commune funnel counts a sale). Steps are counted each on their own (someone who had a
shop before the class counts as shop opened); the days between two steps are taken over the members who reached
both, and a step that came first counts as 0 days.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from ..core import addresses
from ..extensions import db
from ..livestream.models import LiveSession
from ..shop.models import Product
from ..shop.ordering.models import Order
from .models import Attendance, Cohort, CohortMember, CohortSession, Enrolment
from .reports import _bounds, _real_memberships
from .review.models import LiveReview

STEPS = ("trained", "opened_shop", "first_live", "first_review", "first_sale")


@dataclass
class ClassRow:
    cohort: Cohort
    members: int = 0
    reached: dict[str, list[datetime | None]] = field(default_factory=dict)  # per member, in STEPS order

    @property
    def commune_name(self) -> str:
        return addresses.commune_name(self.cohort.commune_code) if self.cohort.commune_code else ""

    @property
    def counts(self) -> dict[str, int]:
        return {step: sum(1 for times in self.reached.values() if times[i] is not None)
                for i, step in enumerate(STEPS)}

    @property
    def days(self) -> dict[str, float | None]:
        """Median days from the step before to this one (None for the first step, or when nobody reached both)."""
        out: dict[str, float | None] = {STEPS[0]: None}
        for i in range(1, len(STEPS)):
            gaps = [max((t[i] - t[i - 1]).total_seconds() / 86400, 0.0) for t in self.reached.values()
                    if t[i] is not None and t[i - 1] is not None]
            out[STEPS[i]] = round(statistics.median(gaps), 1) if gaps else None
        return out


@dataclass
class ClassFunnel:
    start: date
    end: date
    rows: list[ClassRow]


def _first_by_user(query) -> dict[int, datetime]:
    return {user_id: when for user_id, when in db.session.execute(query).all() if when is not None}


def class_funnel(start: date, end: date, commune_code: int | None = None,
                 trainer_id: int | None = None) -> ClassFunnel:
    """Per class: who reached each step; `trainer_id`, only that trainer's classes."""
    since, until = _bounds(start, end)
    query = (select(CohortMember).join(Cohort, Cohort.id == CohortMember.cohort_id)
             .where(CohortMember.created_at >= since, CohortMember.created_at < until))
    if commune_code:
        query = query.where(Cohort.commune_code == commune_code)
    if trainer_id is not None:
        query = query.where(Cohort.trainer_id == trainer_id)
    members = list(db.session.scalars(query))
    user_ids = sorted({m.user_id for m in members})
    if not user_ids:
        return ClassFunnel(start, end, [])
    real = _real_memberships(user_ids)
    shop = _first_by_user(select(real.c.user_id, func.min(Product.created_at))
                          .join(Product, Product.organisation_id == real.c.organisation_id)
                          .where(Product.status == "active", Product.created_at < until).group_by(real.c.user_id))
    live = _first_by_user(select(real.c.user_id, func.min(LiveSession.started_at))
                          .join(LiveSession, LiveSession.organisation_id == real.c.organisation_id)
                          .where(LiveSession.is_practice.is_(False), LiveSession.started_at.is_not(None),
                                 LiveSession.started_at < until).group_by(real.c.user_id))
    review = _first_by_user(select(LiveReview.trainee_id, func.min(LiveReview.created_at))
                            .where(LiveReview.trainee_id.in_(user_ids), LiveReview.created_at < until)
                            .group_by(LiveReview.trainee_id))
    sale = _first_by_user(select(real.c.user_id, func.min(Order.created_at))
                          .join(Order, Order.organisation_id == real.c.organisation_id)
                          .where(Order.created_at < until, or_(Order.status == "delivered", Order.paid_at.is_not(None)),
                                 Order.status.not_in(("cancelled", "refunded"))).group_by(real.c.user_id))
    finished = {(user_id, course_id): when for user_id, course_id, when in db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id, Enrolment.completed_at)
        .where(Enrolment.user_id.in_(user_ids), Enrolment.completed_at.is_not(None),
               Enrolment.completed_at < until)).all()}
    attended = {(user_id, cohort_id): when for user_id, cohort_id, when in db.session.execute(
        select(Attendance.user_id, CohortSession.cohort_id, func.min(CohortSession.starts_at))
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(Attendance.user_id.in_(user_ids), Attendance.present.is_(True), CohortSession.starts_at < until)
        .group_by(Attendance.user_id, CohortSession.cohort_id)).all()}
    rows: dict[int, ClassRow] = {}
    for member in members:
        cohort = member.cohort
        row = rows.setdefault(cohort.id, ClassRow(cohort))
        row.members += 1
        trained = (finished.get((member.user_id, cohort.course_id)) if cohort.course_id
                   else attended.get((member.user_id, cohort.id)))
        row.reached[member.user_id] = [trained, shop.get(member.user_id), live.get(member.user_id),
                                       review.get(member.user_id), sale.get(member.user_id)]
    ordered = sorted(rows.values(), key=lambda r: (r.commune_name, r.cohort.name, r.cohort.id))
    return ClassFunnel(start, end, ordered)


def class_funnel_rows(report: ClassFunnel, headers: list[str]) -> list[list]:
    """The class funnel as spreadsheet rows (core.csvfile makes typed class names safe)."""
    rows: list[list] = [headers]
    for row in report.rows:
        counts, days = row.counts, row.days
        cells: list[object] = [row.cohort.commune_code or "", row.commune_name, row.cohort.name, row.members]
        for step in STEPS:
            cells.append(counts[step])
            if step != STEPS[0]:
                cells.append("" if days[step] is None else days[step])
        rows.append(cells)
    return rows
