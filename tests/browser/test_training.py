"""Training journey at phone size: a trainee joins a demo course, reads lessons, passes the quiz, the shop task
completes from real data, the certificate verifies; the admin sees the funnel report. Screenshots in docs/."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.support.browser import sign_in

from .conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "matkhau-hoc-ban-hang"

JOURNEY_MSGIDS = [
    "Training",
    "Courses",
    "Join this course (free)",
    "Done — next",
    "Submit answers",
    "Your result",
    "Passed",
    "I did it — check",
    "See your certificate",
    "Certificate of completion",
    "Valid certificate",
    "From training to selling",
    "No certificate has this code. Check the code on the paper.",
    "You are offline",
    "Print",
    "Total",
]


def _photo(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def demo(db, factory):
    """The demo courses (and accounts), and a trainee whose household shop has a product with three photos."""
    from app.accounts.demo import DEMO_PASSWORD, seed_accounts
    from app.core.storage import get_storage
    from app.shop import photos
    from app.shop import services as shop
    from app.training.demo import COURSE_SLUGS, seed_training
    from app.training.models import Course

    seed_accounts()
    seed_training()
    db.session.commit()
    trainee = factory.user("Nguyễn Thị Thu", password=PASSWORD)
    org = factory.org(trainee, name="Hộ Thu bán bưởi", kind="household")
    product = shop.create_product(trainee, org, shop.ProductData(
        name="Bưởi Diễn nhà Thu", category="fruit", unit="fruit", price=55000, status="active"), stock=20)
    for colour in ((230, 200, 60), (200, 180, 40), (120, 160, 60)):
        photos.add_photo(trainee, product, _photo(colour), get_storage())
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUGS[0]))
    return {"trainee": trainee, "course": course, "admin_password": DEMO_PASSWORD}


def test_translated(vi):
    missing = [m for m in JOURNEY_MSGIDS if vi(m) == m]
    assert not missing, missing


def test_trainee_goes_from_zero_to_a_verified_certificate(page: Page, db, demo, vi, shot):
    from app.training.models import Certificate

    course = demo["course"]
    trainee = demo["trainee"]
    sign_in(page, trainee.phone, PASSWORD)

    page.get_by_role("link", name=vi("Training")).first.click()
    expect(page.locator("h2").first).to_have_text(vi("Courses"))
    page.get_by_role("link", name=course.title).click()
    expect(page.locator("h1")).to_contain_text(course.title)
    shot(page, "training-course")
    page.get_by_test_id("enrol").click()

    # Lesson 1 opens; read every lesson and mark it done.
    first = course.lessons[0]
    expect(page).to_have_url(re.compile(rf"/training/lesson/{first.id}$"))
    expect(page.get_by_test_id("lesson-body")).to_contain_text("điện thoại")
    shot(page, "training-lesson")
    for lesson in course.lessons:
        page.goto(f"/training/lesson/{lesson.id}")
        expect(page.locator("h1")).to_have_text(lesson.title)
        page.get_by_test_id("lesson-done").click()
        expect(page).not_to_have_url(re.compile(rf"/training/lesson/{lesson.id}$"))

    # The quiz: pick the right answers (a picture too, and a typed short answer without accents).
    quiz = course.quizzes[0]
    page.goto(f"/training/quiz/{quiz.id}")
    for question in quiz.questions:
        if question.kind == "short":
            page.locator(f"input[name='q{question.id}']").fill("ba")
            continue
        for choice in question.choices:
            if choice.is_correct:
                page.locator(f"input[name='q{question.id}'][value='{choice.id}']").check()
    page.get_by_test_id("quiz-submit").click()
    expect(page.locator("h1")).to_have_text(vi("Your result"))
    expect(page.get_by_test_id("score")).to_have_text("100%")
    expect(page.get_by_test_id("passed")).to_contain_text(vi("Passed"))
    shot(page, "training-quiz")

    # The practical task completes by itself from the shop's real data (three photos and a price).
    page.goto(f"/training/c/{course.slug}")
    task = course.tasks[0]
    expect(page.locator(f"#task-{task.id} .mark")).to_have_text("✅")
    expect(page.get_by_role("button", name=vi("I did it — check"))).to_have_count(0)
    page.get_by_test_id("certificate-link").click()
    expect(page.get_by_test_id("verified")).to_contain_text(vi("Valid certificate"))
    expect(page.get_by_test_id("holder")).to_have_text(trainee.name)
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == trainee.id))
    expect(page).to_have_url(re.compile(rf"/verify/{code}$"))
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "certificate")
    page.emulate_media(media="print")  # printed, only the certificate itself shows
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name=vi("Print"))).to_be_hidden()
    expect(page.get_by_test_id("certificate")).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # an A4 sheet at 96 dpi
    shot(page, "certificate-print")
    page.set_viewport_size(PHONE)
    page.emulate_media(media="screen")

    # The shop page shows the badge; a forged code does not verify.
    page.goto(f"/shop/o/{trainee.memberships[0].organisation.slug}")
    expect(page.get_by_test_id("training-badges")).to_contain_text(course.title)
    page.goto("/verify/CL-AAAAA-BBBBB-CCCCC")
    expect(page.locator("main")).to_contain_text(vi("No certificate has this code. Check the code on the paper."))


def test_admin_sees_the_funnel_by_commune(page: Page, db, demo, vi, shot):
    from app.shop.demo import seed_products
    from app.shop.ordering.models import Order
    from app.training import services

    # The demo shops open (their owners are in the Ô Diên class); the trainee finishes and sells once.
    seed_products()
    trainee, course = demo["trainee"], demo["course"]
    services.enrol(trainee, course)
    for lesson in course.lessons:
        services.complete_lesson(trainee, lesson)
    for quiz in course.quizzes:
        answers = {q.id: services.Answer([c.id for c in q.choices if c.is_correct], q.accepted[0] if q.accepted else "")
                   for q in quiz.questions}
        services.submit_quiz(trainee, quiz, answers, f"report-{quiz.id}")
    services.refresh_tasks(trainee, course)
    org = trainee.memberships[0].organisation
    db.session.add(Order(number="CL-DEMO1", organisation_id=org.id, buyer_name="Khách quen", buyer_phone="0912345678",
                         street="Thôn Thượng", subtotal=110000, shipping_fee=0, total=110000, payment_method="cod",
                         status="delivered"))
    db.session.commit()
    sign_in(page, "0900000001", demo["admin_password"])
    page.goto("/training/report")
    expect(page.locator("h1")).to_contain_text(vi("From training to selling"))
    expect(page.locator("#funnel-chart.drawn canvas")).to_be_visible()
    expect(page.get_by_test_id("report-table")).to_contain_text("Ô Diên")
    # Five trainees (three in the Ô Diên class, one in the Hát Môn livestream class, all in a shop); one finished,
    # certified and sold.
    expect(page.get_by_test_id("report-table").locator("tfoot th")).to_have_text([vi("Total"), "5", "1", "1", "5", "1"])
    shot(page, "training-report")


def test_a_visited_lesson_reads_offline(page: Page, db, demo, vi):
    """The service worker keeps lessons opened once; offline, the phone still shows them."""
    from app.training import services

    course, trainee = demo["course"], demo["trainee"]
    services.enrol(trainee, course)
    db.session.commit()
    sign_in(page, trainee.phone, PASSWORD)
    lesson, other = course.lessons[1], course.lessons[4]
    page.goto(f"/training/lesson/{lesson.id}")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)").endswith("/training/")
    page.reload()  # now controlled by the worker, which keeps the page it fetches
    expect(page.get_by_test_id("lesson-body")).to_be_visible()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(f"() => caches.open('cholive-training-pages').then(c => c.match('/training/lesson/{lesson.id}'))"
                           ".then(r => !!r)")
    page.context.set_offline(True)
    try:
        page.goto(f"/training/lesson/{lesson.id}")
        expect(page.locator("h1")).to_have_text(lesson.title)
        page.goto(f"/training/lesson/{other.id}")
        expect(page.locator("h1")).to_contain_text(vi("You are offline"))
    finally:
        page.context.set_offline(False)

    # The phone changes hands: once signed out, the kept lessons are gone.
    page.goto("/account")
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    page.goto("/training/")
    page.wait_for_function(f"() => caches.open('cholive-training-pages').then(c => c.match('/training/lesson/{lesson.id}'))"
                           ".then(r => !r)")


def test_trainer_runs_a_class_attendance_on_one_phone_and_sees_progress(page: Page, db, demo, vi, shot):
    """The seeded Ô Diên class: add the trainee, schedule a session, tick who came, see who is behind."""
    from app.training.models import Attendance, Cohort

    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id))
    sign_in(page, "0900000002", demo["admin_password"])
    page.goto("/training/")
    page.get_by_role("link", name=vi("Classes")).click()

    # A new class in another province: its communes load on the same page (htmx).
    from app.core.addresses import HANOI, communes, provinces

    other_province = next(code for code, _ in provinces() if code != HANOI)
    first_commune = communes(other_province)[0]
    page.locator("input[name=name]").fill("Lớp thử tỉnh khác")
    page.wait_for_function("() => window.htmx !== undefined")  # the page's scripts are deferred
    page.get_by_test_id("province").select_option(str(other_province))
    expect(page.locator("#commune_code option").nth(1)).to_have_text(first_commune[1])
    page.locator("#commune_code").select_option(str(first_commune[0]))
    page.get_by_role("button", name=vi("Create the class")).click()
    expect(page.get_by_test_id("flash")).to_have_text(vi("Class created. Add its members."))
    assert db.session.scalar(select(Cohort.commune_code).where(Cohort.name == "Lớp thử tỉnh khác")) == first_commune[0]
    page.get_by_role("link", name=vi("Classes")).click()
    page.get_by_role("link", name=cohort.name).click()
    page.get_by_placeholder(vi("Phone number or email")).fill(demo["trainee"].phone)
    page.get_by_role("button", name=vi("Add a member")).click()
    expect(page.get_by_test_id("flash")).to_have_text(vi("Member added."))
    expect(page.get_by_test_id("member-row")).to_have_count(4)
    page.locator("summary", has_text=vi("Add a session")).click()
    page.locator("input[name=starts_at]").fill("2026-12-05T19:30")
    page.locator("input[name=topic]").fill("Chụp ảnh bưởi bằng điện thoại")
    page.locator("input[name=place]").fill("Nhà văn hóa thôn Thượng")
    page.get_by_role("button", name=vi("Add"), exact=True).click()
    page.get_by_role("link", name=vi("Take attendance")).click()
    boxes = page.locator("input[name=present]")
    expect(boxes).to_have_count(4)
    page.wait_for_load_state("load")  # "check all" is wired by the deferred app.js (once in CI it was not yet)
    page.locator("[data-check-all]").check()
    expect(boxes.nth(3)).to_be_checked()
    boxes.nth(1).uncheck()
    shot(page, "training-attendance")
    page.get_by_role("button", name=vi("Save attendance")).click()
    expect(page.get_by_test_id("flash")).to_have_text(vi("Attendance saved: %(n)s present.", n=3))
    assert sorted(db.session.scalars(select(Attendance.present))) == [False, True, True, True]
    expect(page.get_by_test_id("member-row").filter(has_text="1/1")).to_have_count(3)
    expect(page.get_by_test_id("member-row").filter(has_text="0/1")).to_have_count(1)
    shot(page, "training-class")
