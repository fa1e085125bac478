"""Trainer and admin pages: authoring in the browser, classes by commune with attendance, the funnel report."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.addresses import find_commune
from app.errors import Forbidden, InvalidInput
from app.training import cohorts, reports, services
from app.training.models import Attendance, Cohort, Course, Lesson, Question

from .conftest import right_answers
from .test_views import csrf

# --- authoring ------------------------------------------------------------------------------------

def test_a_trainee_cannot_open_the_authoring_pages(client, auth, trainee):
    auth.login_as(trainee)
    assert client.get("/training/author").status_code == 403
    token = csrf(client, "/training/")
    client.post("/training/author", data={"csrf_token": token, "title": "Khóa lậu"})
    assert client.application.extensions["sqlalchemy"].session.scalar(select(func.count(Course.id))) == 0


def test_a_trainer_writes_and_publishes_a_course_in_the_browser(client, auth, db, trainer):
    auth.login_as(trainer)
    token = csrf(client, "/training/author")
    created = client.post("/training/author", data={"csrf_token": token, "title": "Bán rau online",
                                                     "summary": "Rau sạch", "title_en": "Selling vegetables"})
    course = db.session.scalar(select(Course))
    assert created.headers["Location"].endswith(f"/training/author/{course.id}")
    # Publishing an empty course is refused with a clear message.
    refused = client.post(f"/training/author/{course.id}", data={"csrf_token": token, "action": "publish"},
                          follow_redirects=True)
    assert "Hãy thêm ít nhất một bài học" in refused.get_data(as_text=True)
    client.post(f"/training/author/{course.id}", data={"csrf_token": token, "action": "module", "module_title": "Phần 1"})
    module_id = db.session.scalar(select(Course).where(Course.id == course.id)).modules[0].id
    added = client.post(f"/training/author/module/{module_id}/add", data={
        "csrf_token": token, "what": "lesson", "title": "Hái rau buổi sáng", "minutes": "4"})
    lesson = db.session.scalar(select(Lesson))
    assert added.headers["Location"].endswith(f"/training/author/lesson/{lesson.id}")
    client.post(f"/training/author/lesson/{lesson.id}", data={
        "csrf_token": token, "title": "Hái rau buổi sáng", "minutes": "6",
        "body": "## Vì sao\n\nRau **tươi** hơn.<script>alert(1)</script>"})
    client.post(f"/training/author/module/{module_id}/add", data={
        "csrf_token": token, "what": "quiz", "title": "Kiểm tra", "pass_mark": "80"})
    quiz_id = db.session.scalar(select(Course).where(Course.id == course.id)).quizzes[0].id
    client.post(f"/training/author/quiz/{quiz_id}", data={
        "csrf_token": token, "kind": "single", "prompt": "Hái lúc nào?",
        "choice1": "Sáng sớm", "correct1": "on", "why1": "Mát, rau tươi", "choice2": "Trưa nắng"})
    bad = client.post(f"/training/author/quiz/{quiz_id}", data={
        "csrf_token": token, "kind": "single", "prompt": "Không có đáp án", "choice1": "A", "choice2": "B"},
        follow_redirects=True)
    assert "Hãy đánh dấu đáp án đúng" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id))) == 1
    client.post(f"/training/author/{course.id}", data={"csrf_token": token, "action": "publish"})
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.is_published and course.lessons[0].minutes == 6
    html = client.get(f"/training/lesson/{lesson.id}").get_data(as_text=True)
    assert "<strong>tươi</strong>" in html and "<script>alert(1)" not in html


# --- cohorts --------------------------------------------------------------------------------------

@pytest.fixture
def commune():
    return find_commune("Xã Ô Diên")


def test_cohort_members_are_enrolled_and_attendance_is_one_form(client, auth, db, trainer, small_course, factory, commune):
    members = [factory.user(name) for name in ("Hộ Bình", "Hộ Lan", "Hộ Hùng")]
    auth.login_as(trainer)
    token = csrf(client, "/training/classes")
    client.post("/training/classes", data={"csrf_token": token, "name": "Lớp Ô Diên", "commune_code": str(commune),
                                           "course_id": str(small_course.course.id), "starts_on": "2026-06-01"})
    cohort = db.session.scalar(select(Cohort))
    assert cohort.commune_code == commune and cohort.trainer_id == trainer.id
    for member in members:
        client.post(f"/training/classes/{cohort.id}/members", data={"csrf_token": token, "login": member.phone})
    unknown = client.post(f"/training/classes/{cohort.id}/members", data={"csrf_token": token, "login": "0999999999"},
                          follow_redirects=True)
    assert "Chưa có tài khoản nào" in unknown.get_data(as_text=True)
    assert all(services.enrolment_of(m, small_course.course) is not None for m in members)
    client.post(f"/training/classes/{cohort.id}/sessions", data={
        "csrf_token": token, "starts_at": "2026-06-02T19:30", "topic": "Chụp ảnh", "place": "Nhà văn hóa"})
    db.session.expire_all()
    session = db.session.scalar(select(Cohort)).sessions[0]
    form = client.get(f"/training/sessions/{session.id}/attendance").get_data(as_text=True)
    assert form.count('name="present"') == 3
    client.post(f"/training/sessions/{session.id}/attendance", data={
        "csrf_token": token, "present": [str(members[0].id), str(members[2].id)]})
    marks = dict(db.session.execute(select(Attendance.user_id, Attendance.present)).all())
    assert marks == {members[0].id: True, members[1].id: False, members[2].id: True}
    # A stranger's id in the form changes nothing.
    outsider = factory.user("Người ngoài")
    client.post(f"/training/sessions/{session.id}/attendance", data={
        "csrf_token": token, "present": [str(outsider.id), str(members[1].id)]})
    assert dict(db.session.execute(select(Attendance.user_id, Attendance.present)).all()) == marks
    page = client.get(f"/training/classes/{cohort.id}").get_data(as_text=True)
    assert page.count('data-testid="member-row"') == 3 and "1/1" in page
    services.submit_quiz(members[0], small_course.quiz, right_answers(small_course), "dash")
    db.session.commit()
    page = client.get(f"/training/classes/{cohort.id}").get_data(as_text=True)
    link = re.search(r'href="(/training/attempt/\d+)"', page).group(1)
    assert "100%" in client.get(link).get_data(as_text=True)  # the trainer opens the member's answers


def test_dashboard_shows_progress_stuck_members_and_quiz_bests(db, trainer, small_course, factory, commune):
    active, idle = factory.user("Chăm học"), factory.user("Bận việc")
    cohort = cohorts.create_cohort(trainer, name="Lớp", commune_code=commune, course_id=small_course.course.id)
    for user in (active, idle):
        cohorts.add_member(trainer, cohort, user.phone)
    services.complete_lesson(active, small_course.lessons[0])
    services.submit_quiz(active, small_course.quiz, right_answers(small_course), "a1")
    db.session.commit()
    rows = {row.user.id: row for row in cohorts.dashboard(cohort, now=services.utcnow() + timedelta(days=3))}
    assert rows[active.id].progress.done == 2
    assert rows[active.id].best_attempts[small_course.quiz.id].score == 100
    assert not rows[active.id].stuck
    later = {row.user.id: row for row in cohorts.dashboard(cohort, now=services.utcnow() + timedelta(days=10))}
    assert later[active.id].stuck and later[idle.id].stuck


def test_a_trainer_cannot_manage_another_trainers_class(db, trainer, factory, commune, trainee):
    cohort = cohorts.create_cohort(trainer, name="Lớp của cô Hạnh", commune_code=commune, course_id=None)
    other = factory.user("Thầy khác", is_trainer=True)
    with pytest.raises(Forbidden):
        cohorts.get_cohort(other, cohort.id)
    with pytest.raises(Forbidden):
        cohorts.create_cohort(trainee, name="Lớp", commune_code=commune, course_id=None)
    with pytest.raises(InvalidInput):
        cohorts.create_cohort(trainer, name="Lớp", commune_code=123456789, course_id=None)
    admin = factory.user("Admin", is_admin=True)
    assert cohorts.get_cohort(admin, cohort.id).id == cohort.id


# --- report ---------------------------------------------------------------------------------------

def test_funnel_counts_by_commune_from_enrolment_to_first_sale(db, trainer, small_course, factory, checks, commune):
    from app.shop import services as shop_services

    seller = factory.user("Người bán", commune_code=commune)
    learner = factory.user("Chỉ học", commune_code=commune)
    nowhere = factory.user("Không ghi xã")
    for user in (seller, learner, nowhere):
        services.enrol(user, small_course.course)
    for lesson in small_course.lessons:
        services.complete_lesson(seller, lesson)
    services.submit_quiz(seller, small_course.quiz, right_answers(small_course), "s")
    checks.done["product_with_photos"] = True
    services.check_task(seller, small_course.task)
    org = factory.org(seller, name="Hộ bán hàng")
    shop_services.create_product(seller, org, shop_services.ProductData(
        name="Bưởi", category="fruit", unit="fruit", price=50000, status="active"), stock=5)
    db.session.commit()
    today = reports.vn_today()
    report = reports.funnel(today - timedelta(days=1), today)
    by_code = {row.commune_code: row.counts for row in report.rows}
    assert by_code[commune] == {"enrolled": 2, "completed": 1, "certified": 1, "opened_shop": 1, "first_sale": 0}
    assert by_code[None]["enrolled"] == 1
    assert report.totals["enrolled"] == 3
    only = reports.funnel(today - timedelta(days=1), today, commune)
    assert [row.commune_code for row in only.rows] == [commune] and only.totals["enrolled"] == 2
    assert reports.funnel(today - timedelta(days=30), today - timedelta(days=10)).rows == []
    # A delivered order makes the first sale; a cancelled one would not.
    from app.shop.ordering.models import Order

    for number, status in (("CL-T1", "cancelled"), ("CL-T2", "delivered")):
        db.session.add(Order(number=number, organisation_id=org.id, buyer_name="Khách", buyer_phone="0912345678",
                             street="Thôn 1", subtotal=50000, shipping_fee=0, total=50000, payment_method="cod",
                             status=status))
        db.session.commit()
        counts = {row.commune_code: row.counts for row in reports.funnel(today - timedelta(days=1), today).rows}
        assert counts[commune]["first_sale"] == (1 if status == "delivered" else 0)


def test_report_page_and_csv_for_admins_and_for_trainers_over_their_own_classes(client, auth, db, factory, admin,
                                                                               trainer, small_course, trainee, commune):
    from app.training import cohorts

    services.enrol(trainee, small_course.course)
    other = factory.user("Học viên lớp khác")
    services.enrol(other, small_course.course)
    db.session.commit()
    auth.login_as(trainee)  # a trainee sees no report
    assert client.get("/training/report").status_code == 403
    assert client.get("/training/report.csv").status_code == 403
    client.post("/logout")
    auth.login_as(trainer)  # a trainer: only the members of their own classes
    period = "?from=2020-01-01&to=2099-12-31"
    rows = list(csv.reader(io.StringIO(client.get("/training/report.csv" + period).get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[-1][2] == "0"
    cohort = cohorts.create_cohort(trainer, name="Lớp Ô Diên", commune_code=commune,
                                   course_id=small_course.course.id)
    cohorts.add_member(trainer, cohort, trainee.phone)
    db.session.commit()
    response = client.get("/training/report" + period)
    assert response.status_code == 200 and 'id="funnel-chart"' in response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/training/report.csv" + period).get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[-1][2] == "1"  # the trainee of their class, not the other course member
    client.post("/logout")
    auth.login_as(admin)
    page = client.get("/training/report?from=2020-01-01&to=2099-12-31").get_data(as_text=True)
    assert 'id="funnel-chart"' in page and "uPlot.iife.min.js" in page and "Gian hàng" in page
    response = client.get("/training/report.csv?from=2020-01-01&to=2099-12-31")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][2] == "Đăng ký học" and rows[-1][2] == "2"  # the admin sees every trainee
    one = client.get("/training/report?from=2020-01-01&to=2099-12-31&commune=424242").get_data(as_text=True)
    assert "Không có ai tham gia khóa học" in one  # a commune with nobody: an empty table, not an error
    # A nonsense period falls back to the default instead of failing.
    assert client.get("/training/report?from=hôm-qua&to=x").status_code == 200


def test_a_lesson_picture_is_checked_stored_and_shown(client, auth, db, trainer, small_course, image_bytes):
    lesson = small_course.lessons[0]
    auth.login_as(trainer)
    token = csrf(client, f"/training/author/lesson/{lesson.id}")
    form = {"csrf_token": token, "title": lesson.title, "minutes": "4", "body": lesson.body,
            "picture_alt": "Bưởi cạnh cửa sổ"}
    client.post(f"/training/author/lesson/{lesson.id}", data={**form, "picture": (io.BytesIO(image_bytes()), "a.png")},
                content_type="multipart/form-data")
    db.session.expire_all()
    body = db.session.get(Lesson, lesson.id).body
    assert "![Bưởi cạnh cửa sổ](/media/training/pictures/" in body and body.rstrip().endswith(".webp)")
    html = client.get(f"/training/lesson/{lesson.id}").get_data(as_text=True)
    src = re.search(r'<img alt="Bưởi cạnh cửa sổ" src="([^"]+)"', html).group(1)
    assert client.get(src).mimetype == "image/webp"
    bad = client.post(f"/training/author/lesson/{lesson.id}", data={
        **form, "body": "đã sửa", "picture": (io.BytesIO(b"not a picture"), "x.png")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "JPEG, PNG hoặc WebP" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body == body  # nothing changed


def test_the_class_shows_each_members_best_practice_live(client, auth, db, trainer, small_course, factory, commune):
    from app.training.practice import services as practice

    trainee, other = factory.user("Tập live"), factory.user("Chưa tập")
    cohort = cohorts.create_cohort(trainer, name="Lớp live", commune_code=commune, course_id=small_course.course.id)
    for user in (trainee, other):
        cohorts.add_member(trainer, cohort, user.phone)
    run = practice.start_practice(trainee, pace="busy", seed=3)
    db.session.commit()
    practice.finish_practice(trainee, run)
    db.session.commit()
    rows = {row.user.id: row for row in cohorts.dashboard(cohort)}
    assert rows[trainee.id].best_practice.id == run.id
    assert rows[other.id].best_practice is None
    auth.login_as(trainer)
    page = client.get(f"/training/classes/{cohort.id}").get_data(as_text=True)
    assert f"/training/practice/{run.id}" in page
    assert f">{run.orders_correct}/{run.orders_expected}<" in page
