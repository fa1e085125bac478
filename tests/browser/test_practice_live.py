"""Browser: a trainee starts a busy practice live, works the real console against simulated buyers, gets a score card."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser



@pytest.fixture
def trainee(real_socketio, app, db, factory):
    """A household member with two real products of their own."""
    from app.shop import services as shop

    user = factory.user("Phạm Thị Thanh")
    org = factory.org(user, name="Hộ Thanh Đan Phượng", kind="household")
    for name, code, price, stock in (("Bưởi Diễn loại 1", "BD1", 70000, 30), ("Gạo nếp cái hoa vàng", "GN2", 40000, 50)):
        shop.create_product(user, org, shop.ProductData(name=name, category="fruit", unit="fruit", price=price,
                                                        code=code, status="active"), stock=stock)
    db.session.commit()
    return user


def _step(driver, db, run_id: int):
    """One scripted comment. SQLite refused the write as "database is locked" after its 15 s busy timeout twice in
    ~10 CI runs on the loaded 2-core machine (the holder of the lock is not known yet; see the closing note of
    session 3): a step that fails so is rolled back and taken once more, its client_id makes it idempotent."""
    from sqlalchemy.exc import OperationalError

    try:
        return driver.step(run_id)
    except OperationalError as exc:
        if "database is locked" not in str(exc):
            raise
        db.session.rollback()
        print(f"practice step for run {run_id}: {exc.orig}; once more")
        return driver.step(run_id)


def test_practice_live_busy_pace_to_score_card(page: Page, browser_app, db, trainee, vi, shot):
    from app.livestream import queries as live_queries
    from app.shop.models import Variant
    from app.training.practice import driver
    from app.training.practice.models import PracticeRun

    real_stock = sorted((v.id, v.available, v.reserved) for v in db.session.query(Variant).all())
    sign_in(page, trainee)
    page.goto("/training/practice/")
    expect(page.locator("h1")).to_contain_text(vi("Practice live"))
    page.get_by_test_id("pace-busy").check()
    shot(page, "practice-start")
    page.get_by_test_id("practice-start").click()

    expect(page).to_have_url(re.compile(r"/live/\d+/console$"))
    expect(page.get_by_test_id("practice-banner")).to_be_visible()
    expect(page.get_by_test_id("console-state")).to_contain_text(vi("On air"))
    db.session.expire_all()
    run = db.session.query(PracticeRun).one()
    assert run.pace == "busy"

    # The simulated buyers speak, one comment at a time (the test is the clock), into the real console.
    question = soft = None
    delivered = []
    for _ in range(len(run.comments)):
        item = _step(driver, db, run.id)
        if item is None:
            break
        db.session.expire_all()
        comment = next(c for c in db.session.get(PracticeRun, run.id).comments if c.message_id == item.payload["id"])
        delivered.append(comment)
        row = page.locator(f'#console-messages li[data-id="{comment.message_id}"]')
        expect(row).to_be_visible()
        if comment.intent == "order" and item.ack.get("reserved"):
            expect(row.locator(".parse")).to_contain_text("✓")
        if comment.intent == "question" and question is None:
            question = comment
            page.get_by_test_id("console-reply-text").fill("Dạ còn ạ, chị chốt mã luôn nhé!")
            page.get_by_test_id("console-reply-text").press("Enter")
            expect(page.locator("#console-messages li").last).to_contain_text("Dạ còn ạ")
        if comment.intent == "soft_cancel" and soft is None:
            held = live_queries.buyer_reservations(run.session_id, comment.buyer_user_id)
            if held:
                soft = comment
                for res in held:
                    page.locator(f'#console-queue li[data-id="{res.id}"] button.cancel').click()
                    page.get_by_test_id("cancel-confirm").click()  # the console asks why (the buyer is told)
                    expect(page.locator(f'#console-queue li[data-id="{res.id}"]')).to_have_count(0)
        # The script is seeded at random: go on until the console has something to show (cancels can empty it).
        if len(delivered) >= 14 and question is not None and live_queries.held_queue(run.session_id):
            break
    assert question is not None
    expect(page.get_by_test_id("console-queue").locator("li[data-id]").first).to_be_visible()
    page.locator("#console-messages li").last.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 120)")
    shot(page, "practice-console")

    page.once("dialog", lambda dialog: dialog.accept())  # "End the live now?": the console asks first
    page.locator("#console-end").click()
    expect(page.get_by_test_id("console-state")).to_contain_text(vi("This live has ended."))
    page.get_by_test_id("practice-banner").get_by_role("link").click()
    expect(page.get_by_test_id("scorecard")).to_be_visible()
    expect(page.get_by_test_id("score-orders")).to_contain_text("/")
    expect(page.get_by_test_id("score-answer")).not_to_have_text("—")
    expect(page.get_by_test_id("score-tips").locator("li").first).to_be_visible()
    shot(page, "practice-scorecard")

    db.session.expire_all()
    run = db.session.get(PracticeRun, run.id)
    assert run.status == "finished" and run.result["answered"] >= 1
    assert run.result["comments"] == len(delivered)
    assert sorted((v.id, v.available, v.reserved) for v in db.session.query(Variant).filter(
        Variant.id.in_([r[0] for r in real_stock])).all()) == real_stock, "real stock untouched"
