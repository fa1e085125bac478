"""The /api/v1/training endpoints: courses, lessons, progress, attempts, certificate verification, and authz."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.training import certificates, services
from app.training.models import Certificate, LessonProgress, QuizAttempt

from .conftest import right_answers


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


# --- taking a quiz through the API ----------------------------------------------------------------

def _sheet(client, quiz_id, headers):
    body = client.get(f"/api/v1/training/quizzes/{quiz_id}", headers=headers).get_json()
    return body, {q["kind"]: q for q in body["questions"]}


def test_a_quiz_is_sent_without_its_answers_and_only_to_enrolled_trainees(client, db, small_course, trainee, bearer):
    headers = bearer(trainee)
    assert client.get(f"/api/v1/training/quizzes/{small_course.quiz.id}").status_code == 401
    refused = client.get(f"/api/v1/training/quizzes/{small_course.quiz.id}", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_enrolled"
    services.enrol(trainee, small_course.course)
    db.session.commit()
    body, by_kind = _sheet(client, small_course.quiz.id, headers)
    assert body["token"] and body["pass_mark"] == 60 and set(by_kind) == {"single", "multiple", "short"}
    text = str(body)
    assert "correct" not in text and "is_correct" not in text and "COD" not in text and "explanation" not in text
    assert client.get("/api/v1/training/quizzes/999999", headers=headers).status_code == 404


def test_submitting_wrong_missing_and_right_answers(client, db, small_course, trainee, bearer):
    headers = bearer(trainee)
    services.enrol(trainee, small_course.course)
    db.session.commit()
    body, by_kind = _sheet(client, small_course.quiz.id, headers)
    single = by_kind["single"]
    wrong = next(c["id"] for c in single["choices"] if c["text"] == "Nắng gắt")
    url = f"/api/v1/training/quizzes/{small_course.quiz.id}/attempts"
    # One wrong answer, the other two questions left out: graded 0 %, not passed, each answer marked.
    graded = client.post(url, headers=headers, json={"token": body["token"], "answers": [
        {"question_id": single["id"], "choice_ids": [wrong]}]})
    assert graded.status_code == 201, graded.get_json()
    result = graded.get_json()
    assert result["score"] == 0 and result["passed"] is False
    assert [a["correct"] for a in result["answers"]] == [False, False, False]
    # The same token again is the same attempt (a retry on a weak connection).
    again = client.post(url, headers=headers, json={"token": body["token"], "answers": []})
    assert again.get_json()["id"] == result["id"]
    read = client.get(f"/api/v1/training/attempts/{result['id']}", headers=headers).get_json()
    assert read == result
    # Right answers with a new token: a pass.
    right = next(c["id"] for c in single["choices"] if c["text"] == "Gần cửa sổ")
    multiple = by_kind["multiple"]
    both = [c["id"] for c in multiple["choices"] if c["text"] in ("Ảnh chính", "Ảnh cận")]
    passed = client.post(url, headers=headers, json={"token": "second", "answers": [
        {"question_id": single["id"], "choice_ids": [right]},
        {"question_id": multiple["id"], "choice_ids": both},
        {"question_id": by_kind["short"]["id"], "text": " thu hộ "}]}).get_json()
    assert passed["score"] == 100 and passed["passed"] is True


@pytest.mark.parametrize("answers,code,status", [
    ([], "empty_attempt", 400),
    ([{"question_id": 999999, "choice_ids": [1]}], "unknown_question", 400),
    ([{"question_id": "SINGLE", "choice_ids": [999999]}], "unknown_choice", 400),
    ([{"question_id": "SINGLE", "choice_ids": []}, {"question_id": "SINGLE", "text": "x"}], "duplicate_question", 400),
    ([{"choice_ids": [1]}], None, 422),
    ("not a list", None, 422),
])
def test_bad_attempts_are_refused_and_store_nothing(client, db, small_course, trainee, bearer, answers, code, status):
    headers = bearer(trainee)
    services.enrol(trainee, small_course.course)
    db.session.commit()
    if isinstance(answers, list):
        answers = [{**a, "question_id": small_course.single.id} if a.get("question_id") == "SINGLE" else a
                   for a in answers]
    response = client.post(f"/api/v1/training/quizzes/{small_course.quiz.id}/attempts", headers=headers,
                           json={"token": "t", "answers": answers})
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["code"] == code and response.get_json()["message"]
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_another_trainees_attempt_and_an_unenrolled_submit(client, db, small_course, trainee, factory, bearer):
    services.enrol(trainee, small_course.course)
    attempt = services.submit_quiz(trainee, small_course.quiz, right_answers(small_course), "mine")
    db.session.commit()
    neighbour = factory.user("Hàng xóm")
    other = bearer(neighbour)
    assert client.get(f"/api/v1/training/attempts/{attempt.id}", headers=other).status_code == 404
    refused = client.post(f"/api/v1/training/quizzes/{small_course.quiz.id}/attempts", headers=other,
                          json={"token": "mine", "answers": [{"question_id": small_course.single.id,
                                                              "choice_ids": []}]})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_enrolled"
    # Enrolled, the neighbour's token "mine" is their own: it never returns the trainee's attempt.
    services.enrol(neighbour, small_course.course)
    db.session.commit()
    own = client.post(f"/api/v1/training/quizzes/{small_course.quiz.id}/attempts", headers=other,
                      json={"token": "mine", "answers": [{"question_id": small_course.short.id, "text": "COD"}]})
    assert own.status_code == 201 and own.get_json()["id"] != attempt.id
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 2


def test_openapi_documents_the_quiz_and_review_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/training/quizzes/{quiz_id}", "/api/v1/training/quizzes/{quiz_id}/attempts",
                 "/api/v1/training/reviews", "/api/v1/training/reviews/{review_id}",
                 "/api/v1/training/reviews/{review_id}/notes", "/api/v1/training/reviews/{review_id}/notes/{note_id}",
                 "/api/v1/training/reviews/{review_id}/scores",
                 "/api/v1/training/classes/{cohort_id}/members/{user_id}/reviews"):
        assert path in paths, path
