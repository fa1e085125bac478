"""The live review screen at phone size: the seller agrees, the trainer watches the replay, notes a moment and scores
the rubric; the seller reads the notes on the timeline. Screenshots docs/screenshots/training-review-*.png."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.skips import skip_or_fail

from ..training import live_world
from ..training.live_world import FIGURES, T0
from .conftest import PHONE

pytestmark = pytest.mark.browser

MSGIDS = ["Live reviews", "Answer", "Yes, my trainer may review my lives", "Review", "Add the note", "Now",
          "Save the scores", "My live reviews", "Timeline", "Since the last reviewed live"]


@pytest.fixture
def phone_as(browser, browser_context_args, browser_app):
    """phone_as(user): a new phone (its own cookies and service worker) signed in as that user."""
    contexts = []

    def open_as(user) -> Page:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, user)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


@pytest.fixture
def reviewed(browser_app, db, factory, tmp_path):
    """A course with the demo's rubric, a class whose member has not answered yet, and the member's ended live
    with a 20-minute recording (a small test pattern made by ffmpeg)."""
    if shutil.which("ffmpeg") is None:
        skip_or_fail("ffmpeg is not installed (apt-get install ffmpeg)")
    from app.core.storage import get_storage
    from app.livestream.models import LiveRecording, LiveStream
    from app.training import authoring
    from app.training.course_source import DirectoryFiles, import_course
    from app.training.demo import DEMO_COURSES

    trainer = factory.user("Cô Hạnh", is_trainer=True)
    with browser_app.test_request_context():
        course = import_course(trainer, DirectoryFiles(DEMO_COURSES / "ban-hang-livestream-chot-don"), get_storage())
        authoring.set_course_status(trainer, course, "published")
    db.session.commit()
    world = live_world.build(factory, consent=None, course=course, trainer=trainer)
    # An earlier reviewed live, so the screen shows the change since then.
    from app.training.review import services as reviews
    from app.training.review.rubric import criteria_of

    member = world.cohort.members[0]
    member.review_consent = True
    earlier, _ = live_world.sold_live(factory, world.trainee, world.org, title="Phiên thử đầu tiên",
                                      start=T0 - timedelta(days=7), peak=12)
    first = reviews.open_review(trainer, world.cohort.id, world.trainee.id, earlier.id)
    reviews.score_review(trainer, first, {c.id: 2 for c in criteria_of(course)}, "Lần đầu: còn run.")
    member.review_consent = None
    replay = tmp_path / "video" / "replay"
    replay.mkdir(parents=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=1",
                    "-t", "1200", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", str(replay / "review.mp4")], check=True, timeout=120)
    db.session.add_all([
        LiveStream(session_id=world.live.id, key_hash="1" * 64, key_hint="wxyz",
                   public_name=f"{world.live.id}-0a1b2c3d4e5f", video_state="ended", replay_file="review.mp4"),
        LiveRecording(session_id=world.live.id, file_name=f"{world.live.id}-0a1b2c3d4e5f-1.flv", started_at=T0,
                      duration_ms=1_200_000, state="joined")])
    db.session.commit()
    browser_app.config["VIDEO_DIR"] = str(tmp_path / "video")
    yield world
    browser_app.config.pop("VIDEO_DIR", None)


def test_translated(vi):
    assert [m for m in MSGIDS if vi(m) == m] == []


def test_review_screen_on_a_phone(phone_as, db, reviewed, vi, shot):
    world = reviewed
    # The seller is asked on their next visit, and agrees.
    page = phone_as(world.trainee)
    page.goto("/training/")
    prompt = page.get_by_test_id("consent-prompt")
    expect(prompt).to_contain_text(world.cohort.name)
    prompt.get_by_role("button", name=vi("Answer")).click()
    shot(page, "training-review-consent")
    _fits_the_phone(page)
    page.get_by_test_id("consent-yes").click()
    expect(page).to_have_url(re.compile(r"/training/reviews$"))
    expect(page.get_by_test_id("flash")).to_contain_text(vi("Thank you. Your trainer may now review your lives."))

    # The trainer opens the member's live from the class page (on their own phone).
    page = phone_as(world.trainer)
    page.goto(f"/training/classes/{world.cohort.id}#live-reviews")
    page.get_by_test_id("review-members").get_by_role("link", name=vi("Lives")).click()
    page.get_by_test_id("review-open").first.click()
    expect(page.get_by_test_id("fig-answered")).to_have_text(f"{FIGURES['answered']}/{FIGURES['questions']}")
    expect(page.get_by_test_id("fig-median")).to_have_text(vi("%(n)s s", n=FIGURES['median']))
    expect(page.get_by_test_id("fig-confirmed")).to_have_text(f"{FIGURES['confirmed']}/{FIGURES['order_lines']}")
    expect(page.get_by_test_id("fig-peak")).to_have_text(str(FIGURES["peak"]))
    video = page.get_by_test_id("review-video")
    expect(video).to_be_visible()
    page.wait_for_function("() => document.getElementById('review-video').readyState >= 1", timeout=15_000)
    _fits_the_phone(page)
    shot(page, "training-review-trainer")

    # The replay at 12:40: the timeline marks the line being played; the note takes that moment.
    page.evaluate("() => { const v = document.getElementById('review-video'); v.currentTime = 760; }")
    expect(page.locator("#review-timeline li.now")).to_have_count(1, timeout=10_000)
    page.locator("#note-now").click()
    expect(page.get_by_test_id("note-at")).to_have_value("12:40")
    page.get_by_test_id("note-text").fill("Trả lời câu hỏi giảm giá của anh An trước khi giới thiệu món tiếp theo")
    page.get_by_test_id("note-save").click()
    note = page.get_by_test_id("timeline-note")
    expect(note).to_contain_text("anh An")
    expect(note.locator("button.t")).to_have_text("12:40")
    # A time in the timeline jumps the replay there (once the reloaded page's video knows its length).
    page.wait_for_function("() => document.getElementById('review-video').readyState >= 1", timeout=15_000)
    page.locator("#review-timeline li.kind-question button.t").first.click()
    page.wait_for_function("() => Math.abs(document.getElementById('review-video').currentTime - 60) < 1.5")
    for index in range(1, 7):
        page.get_by_test_id(f"score-{index}").select_option("3")
    page.locator("textarea[name=summary]").fill("Chốt đơn rõ ràng hơn lần trước. Trả lời câu hỏi nhanh hơn nữa.")
    page.get_by_test_id("scores-save").click()
    expect(page.get_by_test_id("rubric-percent")).to_have_text("75%")
    page.locator("#timeline").scroll_into_view_if_needed()
    _fits_the_phone(page)
    shot(page, "training-review-trainer-note")

    # The seller reads it: the note on the timeline, the scores, the change since the last reviewed live.
    page = phone_as(world.trainee)
    page.goto("/training/")
    page.get_by_test_id("my-reviews-link").click()
    page.get_by_test_id("my-reviews").get_by_role("link", name=world.live.title).click()
    expect(page.get_by_test_id("timeline-note")).to_contain_text("anh An")
    expect(page.locator("#note-form")).to_have_count(0)
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text(vi("Since the last reviewed live"))
    expect(changes).to_contain_text("50%")
    _fits_the_phone(page)
    shot(page, "training-review-seller")
    page.get_by_test_id("timeline-note").scroll_into_view_if_needed()
    shot(page, "training-review-seller-timeline")
    changes.scroll_into_view_if_needed()
    shot(page, "training-review-seller-changes")


def test_the_class_funnel_on_a_phone(phone_as, db, factory, reviewed, vi, shot):
    from app.training.review import services as reviews

    world = reviewed
    world.cohort.members[0].review_consent = True
    reviews.open_review(world.trainer, world.cohort.id, world.trainee.id, world.live.id)
    db.session.commit()
    page = phone_as(factory.user("Quản trị viên", is_admin=True))
    page.goto("/training/report#classes")
    table = page.get_by_test_id("class-funnel")
    expect(table.get_by_test_id("class-row")).to_contain_text(world.cohort.name)
    expect(table.locator("td[data-step=first_review]")).to_contain_text("1")
    page.locator("#classes").scroll_into_view_if_needed()
    _fits_the_phone(page)
    shot(page, "training-review-class-funnel")
