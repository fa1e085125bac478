"""Live review: figures equal the live's data, notes sit on the replay's timeline, rubric, change since the last."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.livestream.models import LiveRecording, LiveStream
from app.training import arrange
from app.training import services as training
from app.training.review import queries, rubric, services
from app.training.review.figures import live_figures
from app.training.review.models import LiveReview, ReviewNote, ReviewScore

from . import live_world
from .live_world import FIGURES, T0
from .test_views import csrf


@pytest.fixture
def world(db, factory):
    return live_world.build(factory)


@pytest.fixture
def course_world(db, factory, trainer, small_course):
    return live_world.build(factory, course=small_course.course, trainer=trainer)


def test_figures_equal_what_the_live_data_says(world):
    f = live_figures(world.live, target_seconds=60)
    assert (f.questions, f.answered, f.median_answer_seconds, f.answered_in_time) == (
        FIGURES["questions"], FIGURES["answered"], FIGURES["median"], FIGURES["in_time"])
    assert (f.order_lines, f.confirmed, f.cancelled, f.expired) == (
        FIGURES["order_lines"], FIGURES["confirmed"], FIGURES["cancelled"], FIGURES["expired"])
    assert (f.comments, f.comments_per_minute, f.peak_viewers) == (
        FIGURES["comments"], FIGURES["per_minute"], FIGURES["peak"])
    assert f.answered_percent == 75 and f.confirmed_percent == 20


def test_the_answer_window_is_a_setting(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "TRAINING_ANSWER_WINDOW_SECONDS", 400)
    f = live_figures(world.live)
    assert f.answered == 4 and f.median_answer_seconds == 60  # 20, 30, 90, 360 s
    assert f.answered_in_time is None  # no rubric target given


def test_a_review_needs_the_class_trainer_and_the_sellers_consent(db, factory, world):
    w = world
    review = services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
    db.session.commit()
    assert services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id).id == review.id
    other_trainer = factory.user("Thầy Tùng", is_trainer=True)
    admin = factory.user("Quản trị", is_admin=True)
    for stranger in (other_trainer, admin, w.trainee, w.buyers["Lan"]):
        with pytest.raises(NotFound):
            services.open_review(stranger, w.cohort.id, w.trainee.id, w.live.id)
    member = w.cohort.members[0]
    for answer in (None, False):
        member.review_consent = answer
        db.session.commit()
        with pytest.raises(Forbidden) as refused:
            services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
        assert refused.value.code == "no_review_consent" and w.trainee.name in str(refused.value.message)
        with pytest.raises(Forbidden):
            services.readable_review(w.trainer, review.id)
        assert services.readable_review(w.trainee, review.id) is not None  # the trainee keeps their review
    assert db.session.scalar(select(func.count(LiveReview.id))) == 1


def test_only_ended_real_lives_of_the_trainees_organisations(db, factory, world):
    from app.livestream import services as live

    w = world
    outsider_org = factory.org(factory.user("Chủ khác"), name="HTX khác")
    other_live, _ = live_world.sold_live(factory, outsider_org.memberships[0].user, outsider_org,
                                         start=T0 + timedelta(days=1))
    running = live.schedule_live(w.trainee, w.org, title="Đang live", scheduled_at=T0)
    live.start_live(w.trainee, running, now=T0)
    practice = live.schedule_live(w.trainee, w.org, title="Tập", scheduled_at=T0)
    practice.is_practice, practice.state = True, "ended"
    db.session.commit()
    assert services.lives_of(w.trainee.id) == [w.live]
    for live_id in (other_live.id, running.id, practice.id, 10**9, "1"):
        with pytest.raises(NotFound):
            services.open_review(w.trainer, w.cohort.id, w.trainee.id, live_id)


def test_notes_are_anchored_to_replay_time_and_shown_on_the_trainees_timeline(client, auth, db, world):
    w = world
    review = services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
    services.add_note(w.trainer, review, "02:30", "Đọc to tên khách khi chốt đơn")
    services.add_note(w.trainer, review, 600, "Trả lời câu hỏi giảm giá trước khi giới thiệu món mới")
    db.session.commit()
    assert [n.at_seconds for n in review.notes] == [150, 600]
    duration, items = queries.timeline(review, with_video=False)
    assert duration == 1200
    order = [(round(i.at), i.kind) for i in items]
    # No recording: the clock is the live's own (Lan's order at 2:00, Hùng's question at 3:00).
    assert order.index((150, "note")) == order.index((120, "claim")) + 1
    assert (600, "note") in order and order.index((600, "note")) < order.index((600, "question"))
    claims = [(round(i.at), i.who, i.text) for i in items if i.kind == "claim"]
    assert claims[0] == (120, "Lan ***", "2 × A12 · Bưởi Diễn") and len(claims) == FIGURES["order_lines"]
    auth.login_as(w.trainee)
    html = client.get(f"/training/reviews/{review.id}").get_data(as_text=True)
    assert 'data-testid="timeline-note"' in html and 'data-at="150.0"' in html and "02:30" in html
    assert "Đọc to tên khách khi chốt đơn" in html and 'id="note-form"' not in html  # read only for the trainee
    assert 'data-testid="no-replay"' in html
    assert f'data-testid="fig-answered">{FIGURES["answered"]}/{FIGURES["questions"]}' in html
    mine = client.get("/training/reviews").get_data(as_text=True)
    assert f"/training/reviews/{review.id}" in mine


def test_with_a_recording_notes_and_chat_share_the_videos_clock(db, world):
    w = world
    stream = LiveStream(session_id=w.live.id, key_hash="0" * 64, key_hint="abcd",
                        public_name=f"{w.live.id}-abcdef012345", video_state="ended", replay_file="replay.mp4")
    # The recording started a minute into the live (the seller's phone joined late) and lasted 14 minutes.
    db.session.add_all([stream, LiveRecording(session_id=w.live.id, file_name="p-1.flv",
                                              started_at=T0 + timedelta(minutes=1), duration_ms=14 * 60 * 1000,
                                              state="joined")])
    review = services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
    services.add_note(w.trainer, review, "00:00", "Mở đầu chậm")
    db.session.commit()
    page = queries.review_page(review)
    assert page.has_video and page.duration == 840
    by_text = {i.text: i.at for i in page.timeline}
    assert by_text["Bưởi có ngọt không shop?"] == 0 and by_text["chốt A12 x2"] == 60
    assert "Giảm 10% cho ai chốt hôm nay" not in by_text  # said after the recording stopped
    assert page.timeline[0].kind == "note"


def test_moments_and_notes_refuse_bad_input(db, world):
    w = world
    review = services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
    assert services.parse_moment("1:02:03") == 3723 and services.parse_moment("12:40") == 760
    for bad in ("", "12:60", "abc", "-5", "99:99:99", None, True, 10**6):
        with pytest.raises(InvalidInput):
            services.parse_moment(bad)
    for text in ("", "   ", "x" * 1001):
        with pytest.raises(InvalidInput):
            services.add_note(w.trainer, review, "01:00", text)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ReviewNote.id))) == 0


def test_rubric_scores_and_the_change_since_the_previous_live(client, auth, db, factory, course_world, trainer):
    w = course_world
    first = services.open_review(w.trainer, w.cohort.id, w.trainee.id, w.live.id)
    criteria = rubric.criteria_of(w.cohort.course)
    assert [c.title for c in criteria][0] == "Chào khách và giới thiệu sản phẩm" and len(criteria) == 6
    services.score_review(w.trainer, first, {criteria[0].id: 2, criteria[1].id: "2"}, "Cần chào khách rõ hơn")
    db.session.commit()
    later, _ = live_world.sold_live(factory, w.trainee, w.org, title="Phiên thứ hai", start=T0 + timedelta(days=3),
                                    peak=40)
    second = services.open_review(w.trainer, w.cohort.id, w.trainee.id, later.id)
    services.score_review(w.trainer, second, {criteria[0].id: 3, criteria[1].id: 3})
    db.session.commit()
    page = queries.review_page(second)
    assert page.previous.id == first.id and page.percent == 75
    changes = {str(c.label): c for c in page.changes}
    assert (changes["Điểm theo tiêu chí"].before, changes["Điểm theo tiêu chí"].now) == (50, 75)
    assert changes["Điểm theo tiêu chí"].better is True
    assert (changes["Người xem cao nhất"].before, changes["Người xem cao nhất"].now) == (23, 40)
    assert changes["Thường trả lời sau"].better is None  # the same 30 s both times
    assert page.figures.answered_in_time == 2 and page.figures.target_seconds == 60
    auth.login_as(w.trainee)
    html = client.get(f"/training/reviews/{second.id}").get_data(as_text=True)
    assert 'data-testid="changes"' in html and "▲" in html and "3 / 4" in html
    first_html = client.get(f"/training/reviews/{first.id}").get_data(as_text=True)
    assert 'data-testid="changes"' not in first_html and "Cần chào khách rõ hơn" in first_html

    # Scores: bad values are refused; "" clears a line; a scored line is archived, not deleted, and stays shown.
    with pytest.raises(InvalidInput):
        services.score_review(w.trainer, second, {criteria[0].id: 5})
    with pytest.raises(InvalidInput):
        services.score_review(w.trainer, second, {criteria[0].id: 0})
    with pytest.raises(InvalidInput):
        services.score_review(w.trainer, second, {"x": 1})
    other = training.get_course(w.cohort.course.id, trainer)
    assert other is w.cohort.course
    services.score_review(w.trainer, second, {criteria[1].id: ""})
    db.session.commit()
    assert {s.criterion_id for s in second.scores} == {criteria[0].id}
    assert arrange.remove(trainer, criteria[0]) == "archived"
    assert arrange.remove(trainer, criteria[5]) == "deleted"
    db.session.commit()
    assert db.session.scalar(select(func.count(ReviewScore.id))) == 3
    assert criteria[0].id in {c.id for c in services.criteria_for(second)}
    assert len(rubric.criteria_of(w.cohort.course)) == 4


def test_the_trainer_writes_on_the_page(client, auth, db, course_world):
    w = course_world
    auth.login_as(w.trainer)
    cohort_page = client.get(f"/training/classes/{w.cohort.id}").get_data(as_text=True)
    assert f"/training/classes/{w.cohort.id}/members/{w.trainee.id}/lives" in cohort_page
    lives = client.get(f"/training/classes/{w.cohort.id}/members/{w.trainee.id}/lives").get_data(as_text=True)
    assert "Phiên bưởi cuối tuần" in lives
    token = csrf(client, f"/training/classes/{w.cohort.id}")
    opened = client.post("/training/reviews", data={"csrf_token": token, "cohort_id": w.cohort.id,
                                                    "trainee_id": w.trainee.id, "live_id": w.live.id})
    review = db.session.scalar(select(LiveReview))
    assert opened.headers["Location"].endswith(f"/training/reviews/{review.id}")
    page = client.get(f"/training/reviews/{review.id}").get_data(as_text=True)
    assert 'id="note-form"' in page and 'name="score-' in page
    client.post(f"/training/reviews/{review.id}/notes", data={"csrf_token": token, "at": "12:40",
                                                              "text": "Trả lời câu hỏi giá trước món tiếp theo"})
    bad = client.post(f"/training/reviews/{review.id}/notes", data={"csrf_token": token, "at": "later",
                                                                    "text": "x"}, follow_redirects=True)
    assert "phút:giây" in bad.get_data(as_text=True)
    note = db.session.scalar(select(ReviewNote))
    assert (note.at_seconds, note.text) == (760, "Trả lời câu hỏi giá trước món tiếp theo")
    client.post(f"/training/reviews/{review.id}/notes/{note.id}", data={"csrf_token": token, "action": "save",
                                                                        "at": "12:41", "text": "Sửa lại"})
    _db.session.expire_all()
    assert (note.at_seconds, note.text) == (761, "Sửa lại")
    criterion = rubric.criteria_of(w.cohort.course)[2]
    client.post(f"/training/reviews/{review.id}/scores", data={"csrf_token": token, f"score-{criterion.id}": "4",
                                                               "summary": "Tốt hơn lần trước"})
    _db.session.expire_all()
    assert [(s.criterion_id, s.score) for s in review.scores] == [(criterion.id, 4)] and review.summary
    client.post(f"/training/reviews/{review.id}/notes/{note.id}", data={"csrf_token": token, "action": "delete"})
    assert db.session.scalar(select(func.count(ReviewNote.id))) == 0


def test_consent_is_asked_on_the_next_visit_and_can_be_withdrawn(client, auth, db, factory):
    w = live_world.build(factory, consent=None)
    review_count = db.session.scalar(select(func.count(LiveReview.id)))
    auth.login_as(w.trainee)
    index = client.get("/training/").get_data(as_text=True)
    assert 'data-testid="consent-prompt"' in index and f"/training/classes/{w.cohort.id}/consent" in index
    token = csrf(client, "/training/")
    client.post(f"/training/classes/{w.cohort.id}/consent", data={"csrf_token": token, "answer": "yes"})
    _db.session.expire_all()
    assert w.cohort.members[0].review_consent is True
    assert 'data-testid="consent-prompt"' not in client.get("/training/").get_data(as_text=True)
    assert client.post(f"/training/classes/{w.cohort.id}/consent",
                       data={"csrf_token": token, "answer": "maybe"}).status_code == 400
    auth.logout()
    auth.login_as(w.trainer)
    assert client.get(f"/training/classes/{w.cohort.id}/members/{w.trainee.id}/lives").status_code == 200
    auth.logout()
    auth.login_as(w.trainee)
    client.post(f"/training/classes/{w.cohort.id}/consent", data={"csrf_token": token, "answer": "no"})
    auth.logout()
    auth.login_as(w.trainer)
    refused = client.get(f"/training/classes/{w.cohort.id}/members/{w.trainee.id}/lives")
    assert refused.status_code == 403 and "chưa đồng ý" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LiveReview.id))) == review_count
