"""The /api/v1/training endpoints: courses, lessons, progress, attempts, certificate verification, and authz."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.training import certificates, services
from app.training.models import Certificate, LessonProgress

from .conftest import right_answers


@pytest.fixture
def bearer(db):
    from app.accounts import services as accounts

    def make(user):
        raw, _ = accounts.issue_api_token(user, 30)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


def test_courses_and_course_detail_are_public_but_drafts_are_not(client, db, small_course, trainer, bearer):
    from app.training import authoring

    authoring.create_course(trainer, authoring.CourseData(title="Bản nháp"))
    db.session.commit()
    body = client.get("/api/v1/training/courses").get_json()
    assert [c["slug"] for c in body] == [small_course.course.slug]
    assert body[0]["title_en"] == "Product photos" and body[0]["lessons"] == 2
    detail = client.get(f"/api/v1/training/courses/{small_course.course.slug}").get_json()
    assert detail["modules"][0]["quizzes"][0]["questions"] == 3
    assert detail["modules"][0]["tasks"][0]["kind"] == "product_with_photos"
    assert client.get("/api/v1/training/courses/ban-nhap").status_code == 404
    staff = client.get("/api/v1/training/courses", headers=bearer(trainer)).get_json()
    assert len(staff) == 2


def test_lessons_need_a_signed_in_enrolled_trainee(client, db, small_course, trainee, bearer):
    lesson = small_course.lessons[0]
    anonymous = client.get(f"/api/v1/training/lessons/{lesson.id}")
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "not_signed_in"
    headers = bearer(trainee)
    refused = client.get(f"/api/v1/training/lessons/{lesson.id}", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_enrolled"
    assert client.post(f"/api/v1/training/lessons/{lesson.id}/complete", headers=headers).status_code == 403
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0
    enrolled = client.post(f"/api/v1/training/courses/{small_course.course.slug}/enrol", headers=headers)
    assert enrolled.status_code == 200 and enrolled.get_json()["total"] == 4
    body = client.get(f"/api/v1/training/lessons/{lesson.id}", headers=headers).get_json()
    assert "<strong>ban ngày</strong>" in body["body_html"] and body["completed"] is False
    done = client.post(f"/api/v1/training/lessons/{lesson.id}/complete", headers=headers).get_json()
    assert done["done"] == 1 and done["resume_lesson_id"] == small_course.lessons[1].id
    progress = client.get("/api/v1/training/progress", headers=headers).get_json()
    assert progress == [done]
    assert client.get("/api/v1/training/lessons/999999", headers=headers).status_code == 404


def test_attempts_are_only_for_their_owner(client, db, small_course, trainee, factory, bearer):
    services.enrol(trainee, small_course.course)
    attempt = services.submit_quiz(trainee, small_course.quiz, right_answers(small_course), "api")
    db.session.commit()
    mine = client.get(f"/api/v1/training/attempts/{attempt.id}", headers=bearer(trainee))
    assert mine.status_code == 200 and mine.get_json()["passed"] is True
    other = client.get(f"/api/v1/training/attempts/{attempt.id}", headers=bearer(factory.user("Hàng xóm")))
    assert other.status_code == 404 and "score" not in other.get_json()
    assert client.get(f"/api/v1/training/attempts/{attempt.id}").status_code == 401


def test_certificate_verification_and_forged_codes(client, db, small_course, trainee, admin, checks):
    services.enrol(trainee, small_course.course)
    for lesson in small_course.lessons:
        services.complete_lesson(trainee, lesson)
    services.submit_quiz(trainee, small_course.quiz, right_answers(small_course), "c")
    checks.done["product_with_photos"] = True
    services.check_task(trainee, small_course.task)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate))
    body = client.get(f"/api/v1/training/certificates/{certificate.code}").get_json()
    assert body["valid"] is True and body["holder_name"] == trainee.name and body["url"].endswith(certificate.code)
    forged = client.get("/api/v1/training/certificates/CL-ZZZZZ-ZZZZZ-ZZZZZ")
    assert forged.status_code == 404 and forged.get_json()["code"] == "certificate_not_found"
    certificates.revoke_certificate(admin, certificate, "Thi hộ")
    db.session.commit()
    assert client.get(f"/api/v1/training/certificates/{certificate.code}").get_json()["valid"] is False


def test_openapi_lists_the_training_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/training/courses" in spec["paths"]
    assert "/api/v1/training/certificates/{code}" in spec["paths"]
