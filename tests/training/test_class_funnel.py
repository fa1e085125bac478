"""The class funnel: trained → shop opened → first live → first reviewed live → first sale, per commune and class."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.addresses import find_commune
from app.shop.models import Product
from app.shop.ordering.models import Order
from app.training import class_funnel, cohorts
from app.training.models import CohortMember, Enrolment
from app.training.review import services as reviews

from . import live_world

D0 = datetime(2026, 11, 1, tzinfo=UTC)
START, END = date(2026, 10, 1), date(2026, 12, 31)


def days(n: float) -> datetime:
    return D0 + timedelta(days=n)


@pytest.fixture
def journeys(db, factory, trainer, small_course):
    """Class A (the course): Hằng goes all the way, Bình only finishes the course, Cúc does nothing yet.
    Class B (no course, another commune): Dũng was present at a session."""
    world = live_world.build(factory, course=small_course.course, trainer=trainer)
    a = world.cohort
    binh, cuc = factory.user("Trần Văn Bình"), factory.user("Lê Thị Cúc")
    for user in (binh, cuc):
        cohorts.add_member(trainer, a, user.phone)
    review = reviews.open_review(trainer, a.id, world.trainee.id, world.live.id)
    b = cohorts.create_cohort(trainer, name="=Lớp không khóa", commune_code=find_commune("Xã Hát Môn"), course_id=None)
    dung = factory.user("Phạm Văn Dũng")
    cohorts.add_member(trainer, b, dung.phone)
    session = cohorts.add_session(trainer, b, starts_at=days(3), place="Nhà văn hóa", topic="Mở gian hàng")
    cohorts.record_attendance(trainer, session, {dung.id})
    db.session.flush()
    for member in db.session.scalars(select(CohortMember)):
        member.created_at = D0
    enrolments = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    enrolments[world.trainee.id].completed_at = days(10)
    enrolments[binh.id].completed_at = days(5)
    for product in db.session.scalars(select(Product).where(Product.organisation_id == world.org.id)):
        product.created_at = days(12)
    review.created_at = days(25)
    lan_order = db.session.scalar(select(Order).where(Order.status == "confirmed"))
    lan_order.created_at, lan_order.paid_at = days(20), days(21)
    db.session.commit()
    return world, a, b


def test_each_step_and_the_days_between(journeys):
    world, a, b = journeys
    report = class_funnel.class_funnel(START, END)
    rows = {row.cohort.id: row for row in report.rows}
    assert rows[a.id].members == 3 and rows[b.id].members == 1
    assert rows[a.id].counts == {"trained": 2, "opened_shop": 1, "first_live": 1, "first_review": 1, "first_sale": 1}
    # Trained day 10, shop day 12, first live day 19.5 (T0), reviewed day 25, sold day 20 (before the review: 0).
    assert rows[a.id].days == {"trained": None, "opened_shop": 2.0, "first_live": 7.5, "first_review": 5.5,
                               "first_sale": 0.0}
    assert rows[b.id].counts == {"trained": 1, "opened_shop": 0, "first_live": 0, "first_review": 0, "first_sale": 0}
    only_b = class_funnel.class_funnel(START, END, find_commune("Xã Hát Môn"))
    assert [row.cohort.id for row in only_b.rows] == [b.id]
    assert class_funnel.class_funnel(date(2027, 1, 1), date(2027, 2, 1)).rows == []
    # Before the review happened, the step is not reached yet.
    early = {r.cohort.id: r for r in class_funnel.class_funnel(START, date(2026, 11, 24)).rows}
    assert early[a.id].counts["first_review"] == 0 and early[a.id].counts["first_live"] == 1


def test_the_report_page_and_its_csv(client, auth, db, factory, journeys):
    world, a, b = journeys
    auth.login_as(world.trainee)
    assert client.get("/training/report/classes.csv").status_code == 403
    auth.logout()
    auth.login_as(factory.user("Quản trị", is_admin=True))
    period = "from=2026-10-01&to=2026-12-31"
    html = client.get(f"/training/report?{period}").get_data(as_text=True)
    assert 'data-testid="class-funnel"' in html and "Lớp livestream Ô Diên" in html
    assert "7,5" in html and "/training/report/classes.csv?" in html  # Vietnamese decimal comma
    response = client.get(f"/training/report/classes.csv?{period}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Mã xã/phường", "Xã/phường", "Lớp", "Học viên của lớp", "Đã học xong"]
    by_class = {row[2]: row for row in rows[1:]}
    assert by_class["Lớp livestream Ô Diên"][3:] == ["3", "2", "1", "2.0", "1", "7.5", "1", "5.5", "1", "0.0"]
    assert "'=Lớp không khóa" in by_class  # a class name is never a spreadsheet formula
