"""Demo training content: three complete Vietnamese courses (≥15 lessons, 3 quizzes, 2 tasks), idempotent seed."""
from __future__ import annotations

from sqlalchemy import func, select

from app.core.markup import render_markdown
from app.training.models import Cohort, Course, Lesson, PracticalTask, Question, Quiz
from app.training.review.models import LiveReview
from app.training.review.queries import review_page


def test_seed_demo_builds_complete_courses_once(app, db, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    courses = db.session.scalars(select(Course).order_by(Course.position)).all()
    assert len(courses) >= 3 and all(c.is_published for c in courses)
    assert all(c.title_en and c.summary_en for c in courses)
    counts = (db.session.scalar(select(func.count(Lesson.id))), db.session.scalar(select(func.count(Quiz.id))),
              db.session.scalar(select(func.count(PracticalTask.id))))
    assert counts[0] >= 15 and counts[1] >= 3 and counts[2] >= 2
    kinds = set(db.session.scalars(select(Question.kind)))
    assert kinds == {"single", "multiple", "picture", "short"}
    titles = " ".join(c.title for c in courses)
    for topic in ("chụp ảnh", "livestream", "chốt đơn", "Thanh toán", "giao hàng"):
        assert topic.lower() in titles.lower()
    text = " ".join(l.body for l in db.session.scalars(select(Lesson)))
    for word in ("COD", "VietQR", "đóng gói", "bình luận"):
        assert word in text
    for lesson in db.session.scalars(select(Lesson)):
        html = str(render_markdown(lesson.body))
        assert len(lesson.body) > 300 and ("<h2>" in html or "<ol>" in html), lesson.title
    for question in db.session.scalars(select(Question)):
        if question.kind == "short":
            assert question.accepted
        else:
            assert any(c.is_correct for c in question.choices)
            if question.kind == "picture":
                assert all(c.image_key for c in question.choices)
    assert db.session.scalar(select(func.count(Cohort.id))) == 2
    # The livestream class's member agreed to reviews; their cooperative's ended live is reviewed, with notes.
    review = db.session.scalar(select(LiveReview))
    assert review.cohort.name == "Lớp livestream xã Hát Môn" and review.cohort.members[0].review_consent is True
    assert len(review.notes) == 3 and len(review.scores) == 4
    page = review_page(review)
    assert page.figures.questions == 3 and page.figures.order_lines >= 4 and page.figures.peak_viewers == 38
    assert any(item.kind == "note" for item in page.timeline) and any(item.kind == "claim" for item in page.timeline)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Course.id))) == len(courses)
    assert db.session.scalar(select(func.count(Lesson.id))) == counts[0]
    assert db.session.scalar(select(func.count(Cohort.id))) == 2
    assert db.session.scalar(select(func.count(LiveReview.id))) == 1
