"""Who may open, read and write live reviews, on every page and API route that names a class, member, live,
review or note: the class's trainer with the seller's consent writes; the trainee reads their own; others get 404."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.training.review import services
from app.training.review.models import LiveReview, ReviewNote, ReviewScore
from app.training.review.rubric import criteria_of

from . import live_world
from .live_world import T0
from .test_views import csrf


@pytest.fixture
def two_classes(db, factory, trainer, small_course):
    """Class A (with a course and its rubric) reviews Hằng's live; class B has its own trainer and member."""
    a = live_world.build(factory, course=small_course.course, trainer=trainer)
    review = services.open_review(a.trainer, a.cohort.id, a.trainee.id, a.live.id)
    note = services.add_note(a.trainer, review, "01:00", "Chào khách chậm")
    db.session.commit()
    b_trainer = factory.user("Thầy Tùng", is_trainer=True)
    b = live_world.build(factory, trainer=b_trainer)
    b_review = services.open_review(b.trainer, b.cohort.id, b.trainee.id, b.live.id)
    b_note = services.add_note(b.trainer, b_review, "02:00", "Ghi chú lớp B")
    db.session.commit()
    return a, review, note, b, b_review, b_note


def _counts(db):
    return (db.session.scalar(select(func.count(LiveReview.id))), db.session.scalar(select(func.count(ReviewNote.id))),
            db.session.scalar(select(func.count(ReviewScore.id))))


def test_pages_for_strangers_answer_404_and_change_nothing(client, auth, db, factory, two_classes):
    a, review, note, b, b_review, b_note = two_classes
    admin = factory.user("Quản trị", is_admin=True)
    before = _counts(db)
    for stranger in (b.trainer, b.trainee, admin, a.buyers["Lan"]):
        auth.login_as(stranger)
        token = csrf(client, "/training/")
        assert client.get(f"/training/reviews/{review.id}").status_code == 404
        assert client.get(f"/training/classes/{a.cohort.id}/members/{a.trainee.id}/lives").status_code == 404
        assert client.get(f"/training/classes/{a.cohort.id}/consent").status_code == 404
        assert client.post("/training/reviews", data={"csrf_token": token, "cohort_id": a.cohort.id,
                                                      "trainee_id": a.trainee.id,
                                                      "live_id": a.live.id}).status_code == 404
        for url, data in ((f"/training/reviews/{review.id}/notes", {"at": "1:00", "text": "x"}),
                          (f"/training/reviews/{review.id}/notes/{note.id}", {"action": "delete"}),
                          (f"/training/reviews/{review.id}/scores", {"summary": "x"})):
            assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, (stranger.name, url)
        auth.logout()
    assert _counts(db) == before


def test_objects_named_in_a_request_must_belong_together(client, auth, db, two_classes):
    a, review, note, b, b_review, b_note = two_classes
    auth.login_as(a.trainer)
    token = csrf(client, "/training/")
    before = _counts(db)
    # Class A's trainer naming class B's member, B's live, or B's note through A's review.
    assert client.post("/training/reviews", data={"csrf_token": token, "cohort_id": a.cohort.id,
                                                  "trainee_id": b.trainee.id, "live_id": b.live.id}).status_code == 404
    assert client.post("/training/reviews", data={"csrf_token": token, "cohort_id": a.cohort.id,
                                                  "trainee_id": a.trainee.id, "live_id": b.live.id}).status_code == 404
    assert client.post("/training/reviews", data={"csrf_token": token, "cohort_id": b.cohort.id,
                                                  "trainee_id": b.trainee.id, "live_id": b.live.id}).status_code == 404
    assert client.post(f"/training/reviews/{review.id}/notes/{b_note.id}",
                       data={"csrf_token": token, "action": "delete"}).status_code == 404
    assert client.get(f"/training/classes/{a.cohort.id}/members/{b.trainee.id}/lives").status_code == 404
    # Class B's review, scored with a line of class A's rubric, by class A's trainer.
    criterion = criteria_of(a.cohort.course)[0]
    response = client.post(f"/training/reviews/{b_review.id}/scores",
                           data={"csrf_token": token, f"score-{criterion.id}": "3"})
    assert response.status_code == 404
    assert _counts(db) == before


def test_the_trainee_reads_but_does_not_write(client, auth, db, two_classes):
    a, review, note, *_ = two_classes
    auth.login_as(a.trainee)
    token = csrf(client, "/training/")
    assert client.get(f"/training/reviews/{review.id}").status_code == 200
    before = _counts(db)
    for url, data in ((f"/training/reviews/{review.id}/notes", {"at": "1:00", "text": "tự ghi"}),
                      (f"/training/reviews/{review.id}/notes/{note.id}", {"action": "delete"}),
                      (f"/training/reviews/{review.id}/scores", {"summary": "tự chấm"})):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert client.get(f"/training/classes/{a.cohort.id}/members/{a.trainee.id}/lives").status_code == 404
    assert _counts(db) == before


def test_without_consent_the_trainer_is_told_why(client, auth, db, two_classes):
    a, review, note, *_ = two_classes
    a.cohort.members[0].review_consent = False
    db.session.commit()
    auth.login_as(a.trainer)
    token = csrf(client, "/training/")
    for response in (client.get(f"/training/reviews/{review.id}"),
                     client.get(f"/training/classes/{a.cohort.id}/members/{a.trainee.id}/lives"),
                     client.post(f"/training/reviews/{review.id}/notes",
                                 data={"csrf_token": token, "at": "1:00", "text": "x"}),
                     client.post("/training/reviews", data={"csrf_token": token, "cohort_id": a.cohort.id,
                                                            "trainee_id": a.trainee.id, "live_id": a.live.id})):
        assert response.status_code == 403
        assert a.trainee.name in response.get_data(as_text=True)


def test_the_api_follows_the_same_rules(client, db, factory, two_classes, bearer):
    a, review, note, b, b_review, b_note = two_classes
    trainer, trainee, other_trainer = bearer(a.trainer), bearer(a.trainee), bearer(b.trainer)
    mine = client.get("/api/v1/training/reviews", headers=trainee).get_json()
    assert [r["id"] for r in mine] == [review.id] and mine[0]["note_count"] == 1
    detail = client.get(f"/api/v1/training/reviews/{review.id}", headers=trainee).get_json()
    assert detail["notes"] == [{"id": note.id, "at_seconds": 60, "at": "01:00", "text": "Chào khách chậm"}]
    assert detail["figures"]["answered"] == 3 and detail["figures"]["comments_per_minute"] == 0.6
    assert len(detail["scores"]) == 6 and detail["video_url"] is None
    assert client.get(f"/api/v1/training/reviews/{review.id}").status_code == 401
    for headers in (other_trainer, bearer(b.trainee)):
        assert client.get(f"/api/v1/training/reviews/{review.id}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=headers,
                           json={"at": 5, "text": "x"}).status_code == 404
        assert client.post("/api/v1/training/reviews", headers=headers, json={
            "cohort_id": a.cohort.id, "trainee_id": a.trainee.id, "live_id": a.live.id}).status_code == 404
        assert client.get(f"/api/v1/training/classes/{a.cohort.id}/members/{a.trainee.id}/reviews",
                          headers=headers).status_code == 404
    refused = client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=trainee, json={"at": 5, "text": "x"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_reviewer"
    assert client.delete(f"/api/v1/training/reviews/{review.id}/notes/{b_note.id}", headers=trainer).status_code == 404

    made = client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=trainer,
                       json={"at": "12:40", "text": "Trả lời câu hỏi giá trước món tiếp theo"})
    assert made.status_code == 201 and made.get_json()["at_seconds"] == 760
    bad = client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=trainer, json={"at": "soon", "text": "x"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_moment"
    empty = client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=trainer, json={"at": "1:00"})
    assert empty.status_code == 400 and empty.get_json()["code"] == "empty_note"
    # A stranger naming the review with an empty body is told it does not exist, not what the body lacks.
    assert client.post(f"/api/v1/training/reviews/{review.id}/notes", headers=other_trainer, json={}).status_code == 404
    note_id = made.get_json()["id"]
    changed = client.patch(f"/api/v1/training/reviews/{review.id}/notes/{note_id}", headers=trainer,
                           json={"at": 761, "text": "Sửa"})
    assert changed.get_json()["at"] == "12:41"
    criterion = criteria_of(a.cohort.course)[2]
    scored = client.put(f"/api/v1/training/reviews/{review.id}/scores", headers=trainer,
                        json={"scores": [{"criterion_id": criterion.id, "score": 3}], "summary": "Khá"})
    assert scored.status_code == 200 and scored.get_json()["rubric_percent"] == 75
    too_high = client.put(f"/api/v1/training/reviews/{review.id}/scores", headers=trainer,
                          json={"scores": [{"criterion_id": criterion.id, "score": 9}]})
    assert too_high.status_code == 400 and too_high.get_json()["code"] == "bad_score"
    foreign = client.put(f"/api/v1/training/reviews/{review.id}/scores", headers=trainer,
                         json={"scores": [{"criterion_id": 10**12, "score": 1}]})
    assert foreign.status_code == 400 and foreign.get_json()["code"] == "unknown_criterion"
    listed = client.get(f"/api/v1/training/classes/{a.cohort.id}/members/{a.trainee.id}/reviews", headers=trainer)
    assert [r["id"] for r in listed.get_json()] == [review.id]
    assert client.delete(f"/api/v1/training/reviews/{review.id}/notes/{note_id}", headers=trainer).status_code == 204
    opened = client.post("/api/v1/training/reviews", headers=trainer, json={
        "cohort_id": a.cohort.id, "trainee_id": a.trainee.id, "live_id": a.live.id})
    assert opened.status_code == 201 and opened.get_json()["id"] == review.id
    for body in ({"cohort_id": 2**40, "trainee_id": a.trainee.id, "live_id": a.live.id},
                 {"cohort_id": a.cohort.id, "trainee_id": a.trainee.id, "live_id": -1}):
        assert client.post("/api/v1/training/reviews", headers=trainer, json=body).status_code == 404

    a.cohort.members[0].review_consent = False
    db.session.commit()
    withdrawn = client.get(f"/api/v1/training/reviews/{review.id}", headers=trainer)
    assert withdrawn.status_code == 403 and withdrawn.get_json()["code"] == "no_review_consent"
    assert client.get(f"/api/v1/training/reviews/{review.id}", headers=trainee).status_code == 200


def test_a_later_live_of_another_organisation_is_not_the_trainees(db, factory, two_classes):
    a, *_ = two_classes
    stranger = factory.org(factory.user("Người lạ"), name="HTX lạ")
    live, _ = live_world.sold_live(factory, stranger.memberships[0].user, stranger, start=T0.replace(day=25))
    assert live not in services.lives_of(a.trainee.id)


# The routes this work added that name objects in their URL (for tests/test_authz_walk.py's ELSEWHERE list): each
# is walked here by someone who may not use it, and nothing in the database changes.
NEW_ROUTES = {
    "training.author_move", "training.author_remove", "training.author_restore", "training.author_export",
    "training.author_rubric", "training.author_criterion", "training.review_consent", "training.member_lives",
    "training.review", "training.review_add_note", "training.review_note", "training.review_scores",
    "api_training.quiz", "api_training.quiz_attempt", "api_training_reviews.member_reviews",
    "api_training_reviews.review", "api_training_reviews.add_note", "api_training_reviews.update_note",
    "api_training_reviews.delete_note", "api_training_reviews.score",
}


def _snapshot(db):
    db.session.expire_all()
    return {t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr)
            for t in db.metadata.sorted_tables if t.name not in {"login_sessions", "api_tokens"}}


def test_every_new_route_refuses_someone_it_is_not_for(app, client, auth, db, factory, two_classes, bearer,
                                                       small_course):
    a, review, note, b, b_review, b_note = two_classes
    criterion = criteria_of(a.cohort.course)[0]
    lesson = small_course.lessons[0]
    urls = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert urls >= NEW_ROUTES
    seller = a.buyers["Lan"]  # signed in, sells nothing here, trains nobody, is in no class
    headers = bearer(seller)
    auth.login_as(seller)
    token = csrf(client, "/training/")
    form = {"csrf_token": token}
    pages = [
        ("post", f"/training/author/lesson/{lesson.id}/move", {**form, "direction": "up"}, 403),
        ("get", f"/training/author/lesson/{lesson.id}/remove", None, 403),
        ("post", f"/training/author/lesson/{lesson.id}/remove", form, 403),
        ("post", f"/training/author/lesson/{lesson.id}/restore", form, 403),
        ("post", f"/training/author/criterion/{criterion.id}/remove", form, 403),
        ("get", f"/training/author/{small_course.course.id}/source.zip", None, 403),
        ("get", f"/training/author/{small_course.course.id}/rubric", None, 403),
        ("post", f"/training/author/{small_course.course.id}/rubric", {**form, "action": "defaults"}, 403),
        ("post", f"/training/author/rubric/{criterion.id}", {**form, "title": "Đổi"}, 403),
        ("get", "/training/author/import", None, 403),
        ("get", f"/training/classes/{a.cohort.id}/consent", None, 404),
        ("post", f"/training/classes/{a.cohort.id}/consent", {**form, "answer": "no"}, 404),
        ("get", f"/training/classes/{a.cohort.id}/members/{a.trainee.id}/lives", None, 404),
        ("get", f"/training/reviews/{review.id}", None, 404),
        ("post", f"/training/reviews/{review.id}/notes", {**form, "at": "1:00", "text": "x"}, 404),
        ("post", f"/training/reviews/{review.id}/notes/{note.id}", {**form, "action": "delete"}, 404),
        ("post", f"/training/reviews/{review.id}/scores", {**form, f"score-{criterion.id}": "1"}, 404),
    ]
    api = [
        ("get", f"/api/v1/training/quizzes/{small_course.quiz.id}", None, 403),
        ("post", f"/api/v1/training/quizzes/{small_course.quiz.id}/attempts",
         {"token": "t", "answers": [{"question_id": small_course.short.id, "text": "COD"}]}, 403),
        ("get", f"/api/v1/training/classes/{a.cohort.id}/members/{a.trainee.id}/reviews", None, 404),
        ("get", f"/api/v1/training/reviews/{review.id}", None, 404),
        ("post", f"/api/v1/training/reviews/{review.id}/notes", {"at": 1, "text": "x"}, 404),
        ("patch", f"/api/v1/training/reviews/{review.id}/notes/{note.id}", {"at": 1, "text": "x"}, 404),
        ("delete", f"/api/v1/training/reviews/{review.id}/notes/{note.id}", None, 404),
        ("put", f"/api/v1/training/reviews/{review.id}/scores", {"scores": []}, 404),
    ]
    before = _snapshot(db)
    for method, url, data, status in pages:
        response = getattr(client, method)(url, data=data) if data else getattr(client, method)(url)
        assert response.status_code == status, (method, url, response.status_code)
    auth.logout()
    for method, url, body, status in api:
        response = getattr(client, method)(url, json=body, headers=headers) if body is not None \
            else getattr(client, method)(url, headers=headers)
        assert response.status_code == status, (method, url, response.status_code)
    assert _snapshot(db) == before
