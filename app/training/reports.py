"""Read side for admins: the funnel from training to selling (enrolled → completed → certified → shop → sale) by commune."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select

from ..accounts.models import Membership, User
from ..core import addresses
from ..extensions import db
from ..shop.models import Product
from ..shop.ordering.models import Order
from .models import Certificate, Cohort, CohortMember, Enrolment

STAGES = ("enrolled", "completed", "certified", "opened_shop", "first_sale")
VN_OFFSET = timezone(timedelta(hours=7))


@dataclass
class CommuneRow:
    commune_code: int | None
    counts: dict[str, int] = field(default_factory=lambda: {stage: 0 for stage in STAGES})

    @property
    def name(self) -> str:
        return addresses.commune_name(self.commune_code) if self.commune_code else ""


@dataclass
class Funnel:
    start: date
    end: date
    rows: list[CommuneRow]

    @property
    def totals(self) -> dict[str, int]:
        return {stage: sum(row.counts[stage] for row in self.rows) for stage in STAGES}


def vn_today() -> date:
    """Today's date in Vietnam, where the report's days begin and end."""
    return datetime.now(VN_OFFSET).date()


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Whole days in Vietnam time, end inclusive."""
    return (datetime.combine(start, time.min, VN_OFFSET),
            datetime.combine(end + timedelta(days=1), time.min, VN_OFFSET))


def _real_memberships(user_ids: list[int]):
    """Memberships in real organisations: a practice live's sandbox shop is not a shop opened."""
    query = select(Membership.user_id, Membership.organisation_id).where(Membership.user_id.in_(user_ids))
    try:
        from .practice.models import PracticeSandbox
    except ImportError:
        return query.subquery()
    return query.where(Membership.organisation_id.not_in(select(PracticeSandbox.organisation_id))).subquery()


def funnel(start: date, end: date, commune_code: int | None = None, trainer_id: int | None = None) -> Funnel:
    """Trainees who enrolled in the period, by their commune, and how far each got towards selling; with
    `trainer_id`, only the members of that trainer's classes."""
    since, until = _bounds(start, end)
    query = (select(Enrolment.user_id, User.commune_code).join(User, User.id == Enrolment.user_id)
             .where(Enrolment.created_at >= since, Enrolment.created_at < until).distinct())
    if commune_code:
        query = query.where(User.commune_code == commune_code)
    if trainer_id is not None:
        query = query.where(Enrolment.user_id.in_(
            select(CohortMember.user_id).join(Cohort, Cohort.id == CohortMember.cohort_id)
            .where(Cohort.trainer_id == trainer_id)))
    commune_of = dict(db.session.execute(query).all())
    user_ids = list(commune_of)
    reached: dict[str, set[int]] = {stage: set() for stage in STAGES}
    reached["enrolled"] = set(user_ids)
    if user_ids:
        reached["completed"] = set(db.session.scalars(select(Enrolment.user_id).where(
            Enrolment.user_id.in_(user_ids), Enrolment.completed_at.is_not(None),
            Enrolment.completed_at < until)))
        reached["certified"] = set(db.session.scalars(select(Certificate.user_id).where(
            Certificate.user_id.in_(user_ids), Certificate.revoked_at.is_(None), Certificate.issued_at < until)))
        real = _real_memberships(user_ids)
        reached["opened_shop"] = set(db.session.scalars(
            select(real.c.user_id).join(Product, Product.organisation_id == real.c.organisation_id)
            .where(Product.status == "active")))
        reached["first_sale"] = set(db.session.scalars(
            select(real.c.user_id).join(Order, Order.organisation_id == real.c.organisation_id)
            .where(Order.created_at < until,
                   or_(Order.status == "delivered", Order.paid_at.is_not(None)),
                   Order.status.not_in(("cancelled", "refunded")))))
    rows: dict[int | None, CommuneRow] = {}
    for user_id, code in commune_of.items():
        row = rows.setdefault(code, CommuneRow(code))
        for stage in STAGES:
            if user_id in reached[stage]:
                row.counts[stage] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.commune_code is None, r.name))
    return Funnel(start, end, ordered)


def funnel_csv_rows(report: Funnel, headers: list[str]) -> list[list]:
    """The report as rows for core.csvfile: headers, one row per commune, then the totals."""
    rows: list[list] = [list(headers)]
    for row in report.rows:
        rows.append([row.commune_code or "", row.name] + [row.counts[stage] for stage in STAGES])
    totals = report.totals
    rows.append(["", "Σ"] + [totals[stage] for stage in STAGES])
    return rows
