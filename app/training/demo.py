"""Demo training: four Vietnamese courses (course source packs in demo_courses/), a class, a reviewed live."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ..accounts.services import find_user_by_login
from ..core import addresses
from ..core.storage import get_storage
from ..extensions import db
from . import authoring, cohorts, services
from .course_source import DirectoryFiles, import_course
from .models import Cohort, Course

TRAINER_PHONE = "0900000002"

DEMO_COURSES = Path(__file__).resolve().parent / "demo_courses"
# The demo's courses in their order on the course list; each is a directory in the course source format.
COURSE_SLUGS = ("ban-hang-online-chup-anh", "ban-hang-livestream-chot-don", "thanh-toan-dong-goi-giao-hang",
                "ban-hang-dung-luat-2026")


def _build_course(trainer, slug: str) -> Course:
    """Imported from its directory by the same importer trainers use for packs, then published."""
    course = import_course(trainer, DirectoryFiles(DEMO_COURSES / slug), get_storage())
    authoring.set_course_status(trainer, course, "published")
    return course


def seed_training() -> int:
    """Add the demo courses not there yet (matched by slug) and the demo class; return how many courses were added."""
    trainer = find_user_by_login(TRAINER_PHONE)
    if trainer is None:
        return 0
    added = 0
    for position, slug in enumerate(COURSE_SLUGS, 1):
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            course = _build_course(trainer, slug)
            added += 1
        course.position = position
    _seed_class(trainer)
    _seed_review_class(trainer)
    db.session.flush()
    return added


def _seed_class(trainer) -> None:
    """A class in Xã Ô Diên with three households enrolled in the first course, one already part-way."""
    name = "Lớp bán hàng online xã Ô Diên"
    if db.session.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
        return
    course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUGS[0]))
    commune = addresses.find_commune("Xã Ô Diên")
    if course is None or commune is None:
        return
    cohort = cohorts.create_cohort(trainer, name=name, commune_code=commune, course_id=course.id)
    for phone in ("0911000003", "0911000006", "0911000004"):
        user = find_user_by_login(phone)
        if user is None:
            continue
        if user.commune_code is None and user.memberships:
            org = user.memberships[0].organisation
            user.commune_code, user.province_code = org.commune_code, org.province_code
        cohorts.add_member(trainer, cohort, phone)
    first = find_user_by_login("0911000003")
    if first is not None:
        for lesson in course.lessons[:3]:
            services.complete_lesson(first, lesson)


REVIEW_CLASS = "Lớp livestream xã Hát Môn"
# The trainer's notes on the demo's ended live (its chat opens 5 minutes in; orders follow at 2, 4, 7, 11 minutes).
REVIEW_NOTES = ((125, "Đọc to tên khách và mã khi chốt: “Chị Ngọc chốt 2 quả A12, em ghi rồi ạ.”"),
                (300, "Khách hỏi vị bưởi, ship và giá live mà chưa ai trả lời trong bình luận: "
                      "trả lời ngay, ngắn gọn."),
                (660, "Khách đặt thêm: nhắc khách vào giỏ hàng điền địa chỉ trước khi giới thiệu món mới."))


def _seed_review_class(trainer) -> None:
    """A class around the livestream course whose member (the owner of the cooperative that ran the demo's ended
    live) agreed to reviews, with a review of that live: notes on its timeline and part of the rubric scored."""
    from ..accounts.models import Organisation
    from ..livestream.demo import DEMO_ORG, ENDED_TITLE
    from ..livestream.models import LiveSession
    from .review import rubric
    from .review import services as reviews

    if db.session.scalar(select(Cohort.id).where(Cohort.name == REVIEW_CLASS)) is not None:
        return
    course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUGS[1]))
    seller = find_user_by_login("0911000001")
    commune = addresses.find_commune("Xã Hát Môn")
    live = db.session.scalar(select(LiveSession).join(Organisation, Organisation.id == LiveSession.organisation_id)
                             .where(Organisation.name == DEMO_ORG, LiveSession.title == ENDED_TITLE))
    if course is None or seller is None or commune is None:
        return
    cohort = cohorts.create_cohort(trainer, name=REVIEW_CLASS, commune_code=commune, course_id=course.id)
    cohorts.add_member(trainer, cohort, "0911000001")
    reviews.set_consent(seller, cohort.id, True)
    if live is None or live.state != "ended":
        return
    review = reviews.open_review(trainer, cohort.id, seller.id, live.id)
    for at, text in REVIEW_NOTES:
        reviews.add_note(trainer, review, at, text)
    criteria = rubric.criteria_of(course)
    reviews.score_review(trainer, review, {criteria[0].id: 3, criteria[1].id: 2, criteria[2].id: 2, criteria[3].id: 3},
                         "Buổi live đầu tiên đã có đơn thật. Lần sau: trả lời câu hỏi ngay trong bình luận.")
