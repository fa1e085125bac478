"""Browser, phone-sized, on the demo district: what issue #15 changed, seen as a person would see it, with the
screenshots in docs/screenshots (390×844 and, where width was the problem, 360×740)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in_demo

from .pagecheck import NARROW
from .test_every_page import ADMIN, BUYER, SELLER, TRAINER

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def inside_the_screen(page: Page, locator) -> None:
    """Every matched element is fully on screen horizontally (nothing to scroll sideways for)."""
    width = page.viewport_size["width"]
    for box in [locator.nth(i).bounding_box() for i in range(locator.count())]:
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (box, width)


def test_seller_order_actions_fit_the_phone_in_both_languages(page: Page, district, vi, shot):
    from sqlalchemy import select

    from app.extensions import db
    from app.shop.ordering.models import Order

    sign_in_demo(page, SELLER)
    expect(page.get_by_test_id("account-link")).to_have_text("Bình")
    page.get_by_test_id("seller-tools").click()
    expect(page).to_have_url(re.compile(rf"/shop/manage/{district['org']}/dashboard$"))
    placed = db.session.scalar(select(Order).where(Order.number == district["orders"]["placed"]))
    url = f"/shop/manage/{district['org']}/orders/{placed.number}"
    page.goto(url)
    actions = page.get_by_test_id("order-actions")
    expect(actions.get_by_role("button", name="Xác nhận đơn")).to_be_visible()  # pgettext("order action", ...)
    expect(actions.locator("button[data-target=refunded]")).to_have_count(0 if placed.paid_at is None else 1)
    shot(page, "seller-order-actions")
    page.set_viewport_size(NARROW)
    inside_the_screen(page, actions.locator("button"))
    shot(page, "seller-order-actions-360")
    page.goto("/lang/en?next=" + url)
    expect(actions.get_by_role("button", name="Confirm order")).to_be_visible()
    inside_the_screen(page, actions.locator("button"))
    shot(page, "seller-order-actions-en-360")
    page.goto(f"/live/{district['lives']['ended']}/claims")
    expect(page.locator("#claim-log")).to_be_visible()
    shot(page, "claims-log-en-360")
    page.goto("/lang/vi?next=/")
    page.set_viewport_size(PHONE)
    page.goto(f"/shop/manage/{district['org']}/products/{district['product']}/stock")
    expect(page.locator("main")).to_contain_text(re.compile(r"Đơn hàng CL-"))
    expect(page.locator("main")).not_to_contain_text(re.compile(r"order CL-"))
    page.locator("h2", has_text=vi("History")).evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 120)")
    shot(page, "stock-history-vi")


def test_buyer_search_cart_badge_and_remembered_address(page: Page, district, vi, shot):
    page.goto("/shop/?q=buoi+dien")
    expect(page.get_by_test_id("product-card").first).to_contain_text("Bưởi")
    expect(page.get_by_test_id("other-matches")).to_be_visible()
    page.get_by_test_id("other-matches").scroll_into_view_if_needed()
    shot(page, "shop-search-apart")
    sign_in_demo(page, BUYER)
    page.goto(f"/shop/p/{district['product']}")
    expect(page.locator(".gallery img").first).to_have_attribute("srcset", re.compile(r" 320w, .* 480w$"))  # demo: 480 px
    page.get_by_role("button", name=vi("Add to cart")).click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    page.goto("/shop/checkout")
    expect(page.locator("#phone")).to_have_value("0922 000 001")
    expect(page.locator("#street")).not_to_have_value("")  # the address of the buyer's last demo order
    shot(page, "checkout-prefilled")


def test_trainee_sees_the_key_only_after_passing_and_next_leads_to_the_quiz(page: Page, district, vi, shot):
    from app.extensions import db
    from app.training.models import Lesson, Quiz

    sign_in_demo(page, "0922000002")
    lesson = db.session.get(Lesson, district["lesson"])
    course = lesson.module.course
    page.goto(f"/training/c/{course.slug}")
    page.get_by_test_id("enrol").click()
    last = lesson.module.lessons[-1]
    page.goto(f"/training/lesson/{last.id}")
    quiz = lesson.module.quizzes[0] if lesson.module.quizzes else None
    if quiz is not None:
        expect(page.get_by_test_id("lesson-done")).to_contain_text(vi("Done — take the quiz"))
        shot(page, "lesson-next-quiz")
    quiz = quiz or db.session.get(Quiz, district["quiz"])
    page.goto(f"/training/quiz/{quiz.id}")
    for question in quiz.questions:  # every answer wrong
        if question.kind == "short":
            page.locator(f"input[name='q{question.id}']").fill("không biết")
            continue
        wrong = next(c for c in question.choices if not c.is_correct)
        page.locator(f"input[name='q{question.id}'][value='{wrong.id}']").check()
    page.get_by_test_id("quiz-submit").click()
    expect(page.get_by_test_id("key-hidden")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(vi("right answer"))
    shot(page, "quiz-key-hidden")


@pytest.mark.parametrize("login,name", [(TRAINER, "trainer"), (ADMIN, "admin")])
def test_trainer_and_admin_reports_fit_the_phone(page: Page, district, vi, shot, login, name):
    sign_in_demo(page, login)
    if name == "trainer":
        expect(page.get_by_test_id("account-link")).to_have_text("Cô Hạnh")
    page.goto("/training/")
    page.get_by_role("link", name=re.compile(vi("Report by commune"))).click()
    expect(page.get_by_test_id("report-table")).to_be_visible()
    page.set_viewport_size(NARROW)
    shot(page, f"training-report-{name}-360")
    page.goto(f"/training/classes/{district['cohort']}")
    shot(page, f"training-class-{name}-360")
